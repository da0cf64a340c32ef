"""Invariants the database itself guards, and the audit log's append-only rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commitments import audit, services
from commitments.models import (
    AuditEntry,
    Country,
    Meeting,
    Membership,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def violates(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_an_official_needs_a_country_and_others_have_none():
    user = make_user("someone")
    violates(lambda: Membership.objects.create(user=user, role="official"))
    violates(
        lambda: Membership.objects.create(
            user=user, role="coordinator", country=Country.objects.get(code="CA")
        )
    )
    violates(lambda: Membership.objects.create(user=user, role="superhero"))
    with pytest.raises(ValidationError):
        Membership(user=user, role="official").full_clean()


def test_country_codes_are_two_capital_letters():
    violates(lambda: Country.objects.create(code="ca", name="Lowercase"))
    violates(lambda: Country.objects.create(code="C1", name="Digit"))


def test_meetings_and_periods_cannot_end_before_they_start():
    violates(
        lambda: Meeting.objects.create(
            kind="plenary",
            name="Backwards",
            start_date=datetime.date(2024, 2, 2),
            end_date=datetime.date(2024, 2, 1),
        )
    )
    objective_set = ObjectiveSet.objects.get(year=2024)
    violates(
        lambda: ReportingPeriod.objects.create(
            objective_set=objective_set,
            name="Bad",
            starts_on=datetime.date(2024, 5, 1),
            ends_on=datetime.date(2024, 4, 1),
            deadline=datetime.date(2024, 6, 1),
        )
    )


def test_updates_refuse_unknown_statuses_and_overlong_narratives(make_update):
    violates(lambda: make_update(status="approved"))
    violates(lambda: make_update(narrative="x" * 10_001))
    assert make_update(narrative="x" * 10_000).pk


def test_an_update_cannot_use_a_period_of_another_objective_set(make_update, objective):
    later = ObjectiveSet.objects.create(year=2025, adopted_at=Meeting.objects.get(ordinal=7))
    period = ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )
    update = ProgressUpdate(objective=objective, period=period)
    with pytest.raises(ValidationError) as error:
        update.clean()
    assert "period" in error.value.message_dict


def test_creating_an_update_writes_its_audit_entry_in_the_same_transaction(
    cast, objective, q1, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.create_update(
            actor=cast.alice,
            membership=cast.alice.membership,
            objective=objective,
            period=q1,
            status="on_track",
            narrative="Never half-saved",
            evidence_links=[],
        )
    assert not ProgressUpdate.objects.exists()


def test_audit_entries_cannot_be_changed_or_deleted(make_update):
    update = make_update()
    entry = audit.record(actor=update.author, action="update.created", target=update)
    entry.action = "update.forged"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(action="x")
    assert AuditEntry.objects.get().action == "update.created"


def test_the_matrix_agrees_with_a_plain_query_for_the_newest_update(cast, make_update, objective):
    older = make_update(
        author=cast.bob, created_at=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    )
    newest = make_update(
        author=cast.bob, created_at=datetime.datetime(2024, 3, 2, tzinfo=datetime.UTC)
    )
    tie = make_update(author=cast.bob, created_at=newest.created_at)  # same instant: higher id wins
    countries = list(Country.objects.members())
    rows = ProgressUpdate.objects.matrix(objective.objective_set.objectives.all(), countries)
    cells = {(o.pk, c.code): latest for o, row in rows for c, latest, _ in row}
    assert cells[(objective.pk, "MX")] == tie != older
    assert cells[(objective.pk, "CA")] is None
