"""generate_load_data: a realistic history in bulk, the same for the same seed."""

import hashlib

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F
from django.test import RequestFactory

from commitments import audit
from commitments.management.commands.generate_load_data import LOAD_PASSWORD
from commitments.models import (
    AuditEntry,
    Comment,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Membership,
    Milestone,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db

OPTIONS = {"updates": 400, "years": 4, "users": 40, "batch": 150}


class Rollback(Exception):
    pass


def fingerprint():
    """Everything generated, by natural keys (ids come from sequences, which never roll back)."""
    digest = hashlib.sha256()
    rows = ProgressUpdate.objects.order_by("id").values_list(
        "objective__objective_set__year",
        "objective__number",
        "country__code",
        "period__name",
        "status",
        "state",
        "narrative",
        "evidence_links",
        "author__username",
        "created_at",
        "version",
    )
    for row in rows:
        digest.update(repr(row).encode())
    for row in Comment.objects.order_by("id").values_list("author__username", "kind", "body"):
        digest.update(repr(row).encode())
    # An indicator's values are keyed by its id in the audit log: by its natural key here.
    natural = {
        f"indicator:{pk}": f"indicator:{year}/{objective}/{number}"
        for pk, year, objective, number in Indicator.objects.values_list(
            "pk", "objective__objective_set__year", "objective__number", "number"
        )
    }
    entries = AuditEntry.objects.order_by("id").values_list("action", "changes", "created_at")
    for action, changes, created_at in entries:
        changes = {natural.get(key, key): value for key, value in changes.items()}
        digest.update(repr((action, changes, created_at)).encode())
    values = IndicatorValue.objects.order_by("id").values_list(
        "update__created_at", "indicator__objective__number", "value"
    )
    for row in values:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def generate_and_fingerprint(seed):
    try:
        with transaction.atomic():
            call_command("generate_load_data", seed=seed, stdout=None, **OPTIONS)
            result = fingerprint()
            raise Rollback
    except Rollback:
        return result


def test_counts_states_years_and_users():
    call_command("generate_load_data", seed=7, **OPTIONS)
    updates = ProgressUpdate.objects.all()
    assert updates.count() == 400
    assert set(updates.values_list("state", flat=True)) == set(ProgressUpdate.State.values)
    assert set(updates.values_list("country__code", flat=True)) == {"CA", "MX", "US"}
    assert ObjectiveSet.objects.filter(year__range=(2021, 2024)).count() == 4
    assert ReportingPeriod.objects.filter(objective_set__year=2021).count() == 4
    assert ObjectiveSet.objects.current().year == 2024
    # Every year gets updates; every country's updates are written by its own officials.
    per_year = updates.values("objective__objective_set__year").annotate(n=Count("id"))
    assert len(per_year) == 4
    assert not updates.exclude(author__membership__country=F("country")).exists()
    assert updates.filter(period__objective_set=F("objective__objective_set")).count() == 400
    # Audit entries and comments in proportion: one creation entry per update at least.
    assert AuditEntry.objects.filter(action="update.created").count() == 400
    assert AuditEntry.objects.count() > 2 * 400
    for update in updates.filter(state="returned"):
        assert update.comments.filter(kind="return_reason").count() == 1
    assert Comment.objects.count() > updates.filter(state="returned").count()
    assert not updates.filter(state="published", published_at__isnull=True).exists()
    # Long narratives.
    lengths = [len(text) for text in updates.values_list("narrative", flat=True)]
    assert sum(lengths) / len(lengths) > 300
    # Indicator values at the same scale: each update of an objective with an indicator
    # carries a value of it, recorded in its first audit entry; targets and milestones.
    measured = updates.filter(objective__indicators__isnull=False)
    assert measured.exists()
    assert IndicatorValue.objects.count() == measured.count()
    assert not measured.filter(indicator_values__isnull=True).exists()
    value = IndicatorValue.objects.select_related("update").first()
    created = AuditEntry.objects.get(action="update.created", target_id=str(value.update_id))
    assert f"indicator:{value.indicator_id}" in created.changes
    assert IndicatorTarget.objects.count() == Indicator.objects.count() * 3
    assert Milestone.objects.filter(country__code="MX").exists()
    # Users: officials of every country, coordinators, admins; all can sign in.
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"official", "coordinator", "admin"}
    assert get_user_model().objects.filter(username__startswith="load-").count() == 40
    user = get_user_model().objects.filter(membership__role="coordinator").first()
    assert (
        authenticate(RequestFactory().post("/"), username=user.username, password=LOAD_PASSWORD)
        == user
    )
    # The sequences continue after the generated ids.
    update = updates.first()
    copy = ProgressUpdate.objects.create(
        objective=update.objective,
        country=update.country,
        period=update.period,
        status="on_track",
        narrative="After the load",
        author=update.author,
    )
    assert copy.pk > max(updates.exclude(pk=copy.pk).values_list("pk", flat=True))


def test_generated_audit_entries_name_only_declared_actions():
    """The generator writes entries by COPY, not through audit.record: its actions are
    still the declared ones, each with its label."""
    call_command("generate_load_data", updates=60, users=10, years=1, seed=5)
    written = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"update.created", "update.submitted", "update.published"} <= written
    assert [action for action in written if not audit.is_declared(action)] == []


def test_the_same_seed_gives_the_same_data():
    first = generate_and_fingerprint(seed=3)
    assert generate_and_fingerprint(seed=3) == first
    assert generate_and_fingerprint(seed=4) != first


def test_refuses_to_run_twice_and_in_production(settings):
    call_command("generate_load_data", updates=10, users=10, years=1)
    with pytest.raises(CommandError):
        call_command("generate_load_data", updates=10, users=10, years=1)
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("generate_load_data", updates=10, users=10, years=1)


def test_the_planner_knows_the_tables_are_full_once_generated():
    """Planned on a table it still believes empty, the feed's first page read all of it."""
    call_command("generate_load_data", updates=200, users=10, years=1, seed=3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'commitments_progressupdate'"
        )
        assert cursor.fetchone()[0] >= 200
