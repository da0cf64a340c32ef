"""What the workflow tests share: a country's milestone (the indicator, ``kits``, is in
tests/conftest.py: the browser tests use it too)."""

import datetime

import pytest

from commitments.models import Country, Milestone


@pytest.fixture
def milestone(objective):
    return Milestone.objects.create(
        objective=objective,
        country=Country.objects.get(code="CA"),
        title="Naloxone in every pharmacy formulary",
        due_on=datetime.date(2024, 6, 30),
        owner="Health Canada",
    )
