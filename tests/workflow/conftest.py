"""What the workflow tests share: an objective's indicator and a country's milestone."""

import datetime

import pytest

from commitments.models import Country, Indicator, Milestone


@pytest.fixture
def kits(objective):
    return Indicator.objects.create(
        objective=objective,
        number=1,
        name="Naloxone kits distributed",
        name_es="Kits de naloxona distribuidos",
        name_fr="Trousses de naloxone distribuées",
        definition="Kits handed out in the quarter.",
        definition_es="Kits entregados en el trimestre.",
        definition_fr="Trousses remises au cours du trimestre.",
        unit="kits",
        unit_es="kits",
        unit_fr="trousses",
        direction=Indicator.Direction.HIGHER,
        additive=True,
    )


@pytest.fixture
def milestone(objective):
    return Milestone.objects.create(
        objective=objective,
        country=Country.objects.get(code="CA"),
        title="Naloxone in every pharmacy formulary",
        due_on=datetime.date(2024, 6, 30),
        owner="Health Canada",
    )
