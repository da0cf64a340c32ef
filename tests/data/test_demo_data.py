import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from commitments.models import AuditEntry, Membership, ObjectiveLink, ObjectiveSet, ProgressUpdate

pytestmark = pytest.mark.django_db

DEMO = {
    "official-ca": ("official", "CA"),
    "official-mx": ("official", "MX"),
    "official-us": ("official", "US"),
    "official-nl": ("official", "NL"),
    "coordinator": ("coordinator", None),
    "admin": ("admin", None),
}


def test_load_demo_creates_the_documented_accounts_and_updates():
    call_command("load_demo", stdout=None)
    for username, (role, country) in DEMO.items():
        # django-axes needs the request to count failures per username.
        user = authenticate(
            RequestFactory().post("/"), username=username, password="nadd-demo-2024"
        )
        assert user is not None, username
        assert user.membership.role == role
        assert (user.membership.country.code if user.membership.country else None) == country
    admin = authenticate(RequestFactory().post("/"), username="admin", password="nadd-demo-2024")
    assert admin.is_superuser
    # The officials' own reports (the Netherlands' one contribution among them); one more
    # was entered by the coordinator from a diplomatic note (tests/pages/test_demo_marking.py).
    updates = ProgressUpdate.objects.filter(entered_on_behalf=False)
    of_2024 = updates.filter(objective__objective_set__year=2024)
    assert 60 < of_2024.count() <= 9 * 3 * 4
    assert set(of_2024.values_list("country__code", flat=True)) == {"CA", "MX", "US"}
    assert set(updates.values_list("country__code", flat=True)) == {"CA", "MX", "US", "NL"}
    assert {u.author.membership.country_id for u in updates} == {u.country_id for u in updates}
    assert updates.values("status").distinct().count() >= 4
    assert AuditEntry.objects.filter(action="update.created").count() == updates.count()
    # Every review state is on show, each with its history and, when returned, the reason.
    states = set(updates.values_list("state", flat=True))
    assert states == {"draft", "submitted", "published", "returned"}
    for update in updates.filter(state="returned"):
        assert update.comments.get().kind == "return_reason"
        assert AuditEntry.objects.for_object(update).first().action == "update.returned"
    assert not updates.filter(state="published", published_at__isnull=True).exists()


def test_load_demo_is_idempotent():
    call_command("load_demo")
    first = ProgressUpdate.objects.count()
    call_command("load_demo")
    assert ProgressUpdate.objects.count() == first
    assert Membership.objects.count() == len(DEMO)


def test_a_second_load_demo_keeps_passwords_and_sessions(client):
    call_command("load_demo", stdout=io.StringIO())
    coordinator = get_user_model().objects.get(username="coordinator")
    coordinator.set_password("changed-by-its-owner-2025")
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(reverse("dashboard")).status_code == 200
    call_command("load_demo", stdout=io.StringIO())
    # Still signed in, with the password its owner chose.
    assert client.get(reverse("dashboard")).status_code == 200
    coordinator.refresh_from_db()
    assert coordinator.check_password("changed-by-its-owner-2025")


def test_make_run_prepares_a_database_without_complaints(capfd):
    """The steps ``make run`` takes before serving (migrate, load_demo, ...) print no
    warning on a brand-new database: the cache table is created by a migration."""
    recipe = Path(settings.BASE_DIR, "Makefile").read_text().split("\nrun:", 1)[1]
    recipe = recipe.split("runserver", 1)[0]
    steps = re.findall(r"^\t\$\(PY\) manage\.py ([a-z_]+)(.*)$", recipe, re.M)
    assert [name for name, _ in steps][:2] == ["migrate", "load_demo"]
    output = io.StringIO()
    for name, arguments in steps:
        if name == "db_worker":
            continue
        call_command(name, *arguments.split(), stdout=output, stderr=output)
    assert "already exists" not in output.getvalue() + "".join(capfd.readouterr())


def test_load_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Membership.objects.exists()


def test_no_migration_creates_an_account():
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_the_demo_has_one_late_report_and_timeliness_shows_it(client):
    from django.urls import reverse

    from commitments import timeliness

    call_command("load_demo", stdout=None)
    late = ProgressUpdate.objects.get(
        country__code="MX", objective__number=4, period__name="2024 Q3"
    )
    assert late.first_submitted_at.date() > late.period.deadline
    handed_in = ProgressUpdate.objects.exclude(state="draft")
    assert all(u.first_submitted_at is not None for u in handed_in)
    on_time = [u for u in handed_in if u.first_submitted_at.date() <= u.period.deadline]
    assert len(on_time) == handed_in.count() - 1
    # The audit history tells the same story.
    submitted = AuditEntry.objects.for_object(late).filter(action="update.submitted").get()
    assert submitted.created_at == late.first_submitted_at
    client.force_login(Membership.objects.get(role="coordinator").user)
    response = client.get(reverse("timeliness"))
    summaries = {s.country.code: s for s in response.context["summaries"]}
    assert summaries["MX"].late == 1 and summaries["CA"].late == 0
    row = dict(
        next(
            rows
            for summary, _, rows in response.context["countries"]
            if summary.country.code == "MX"
        )
    )
    objective = late.objective
    assert dict((p.name, m) for p, m in row[objective])["2024 Q3"] == timeliness.LATE


def test_load_demo_adds_the_2025_set_of_the_eighth_dialogue():
    """Five priority areas in three languages, objectives continuing 2024 ones, the
    Netherlands named on the partnership objective with a published contribution, and
    the quarters of 2025."""
    call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)  # idempotent: one set, one contribution
    objective_set = ObjectiveSet.objects.get(year=2025)
    assert objective_set.adopted_at.ordinal == 8
    assert objective_set.areas.count() == 5
    assert all(area.name_es and area.name_fr for area in objective_set.areas.all())
    assert [p.name for p in objective_set.periods.order_by("starts_on")] == [
        "2025 Q1",
        "2025 Q2",
        "2025 Q3",
        "2025 Q4",
    ]
    objectives = objective_set.objectives.all()
    assert all(o.title_es and o.title_fr and o.text_es and o.text_fr for o in objectives)
    assert ObjectiveLink.objects.filter(objective__objective_set=objective_set).count() >= 7
    partnership = objectives.get(partners__code="NL")
    contribution = ProgressUpdate.objects.get(country__code="NL")
    assert contribution.objective == partnership
    assert contribution.state == "published"


def test_the_demo_shows_the_eighth_nadd_as_its_meeting_page_should():
    """Hosted by Mexico, its joint statement in three languages, the snapshot of what it
    was shown (the 2024 reports published before it opened), and a demo marking."""
    import datetime

    from commitments.models import HandlingMarking, Meeting, MeetingSnapshot

    call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)  # idempotent: one snapshot, three versions
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    assert eighth.host.code == "MX"
    versions = eighth.documents.filter(kind="joint_statement")
    assert sorted(versions.values_list("language", flat=True)) == ["en", "es", "fr"]
    snapshot = MeetingSnapshot.objects.get(meeting=eighth)
    assert snapshot.cutoff == datetime.date(2024, 11, 12)
    assert snapshot.taken_by.username == "coordinator"
    assert snapshot.rows.count() == 27
    published_before = ProgressUpdate.objects.filter(
        state="published", published_at__date__lte=snapshot.cutoff
    )
    assert set(snapshot.rows.exclude(update=None).values_list("update", flat=True)) <= set(
        published_before.values_list("pk", flat=True)
    )
    assert snapshot.rows.exclude(update=None).count() > 20
    assert AuditEntry.objects.filter(action="meeting.snapshot_taken").count() == 1
    assert "DEMO" in HandlingMarking.load().text


def test_the_demo_2025_set_has_its_reports_in_progress():
    """Each member country reports on the 2025 set: its first two quarters published, the
    third moving through review with cells missing, the fourth not reported yet."""
    call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)  # idempotent
    of_2025 = ProgressUpdate.objects.filter(
        objective__objective_set__year=2025, country__membership="member"
    )
    objectives = ObjectiveSet.objects.get(year=2025).objectives.count()
    by_period = {
        name: of_2025.filter(period__name=name) for name in ["2025 Q1", "2025 Q2", "2025 Q3"]
    }
    assert by_period["2025 Q1"].count() == objectives * 3
    assert set(by_period["2025 Q2"].values_list("state", flat=True)) == {"published"}
    assert 0 < by_period["2025 Q3"].count() < objectives * 3
    assert set(by_period["2025 Q3"].values_list("state", flat=True)) > {"published"}
    assert not of_2025.filter(period__name="2025 Q4").exists()
    assert all(u.is_demo for u in of_2025)
    # The dashboard still opens on 2024 until someone chooses otherwise.
    assert ObjectiveSet.objects.get(opens_dashboard=True).year == 2024


def test_the_demo_has_indicators_targets_quarterly_values_and_one_overdue_milestone():
    import datetime

    from commitments import milestones
    from commitments.models import Country, Indicator, IndicatorTarget, IndicatorValue, Milestone

    call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)  # idempotent: nothing twice
    indicators = Indicator.objects.filter(objective__objective_set__year=2024)
    names = set(indicators.values_list("name", flat=True))
    assert {
        "Naloxone kits distributed",
        "Precursor chemicals seized",
        "People reached by prevention programmes",
    } <= names
    assert indicators.values("objective").distinct().count() >= 3
    assert all(indicator.name_es and indicator.name_fr for indicator in indicators)
    members = Country.objects.members()
    assert IndicatorTarget.objects.count() == indicators.count() * members.count()
    # A value in every published quarterly report of each member country on those objectives.
    published = ProgressUpdate.objects.published().filter(
        objective__indicators__isnull=False, entered_on_behalf=False
    )
    for country in members:
        quarters = set(
            published.filter(country=country).values_list("period__name", flat=True).distinct()
        )
        assert {"2024 Q1", "2024 Q2", "2024 Q3"} <= quarters
    assert not published.filter(indicator_values__isnull=True).exists()
    assert IndicatorValue.objects.filter(update__in=published).count() >= 3 * 3 * 4
    # Their first history entry records the values.
    update = published.first()
    created = AuditEntry.objects.get(action="update.created", target_id=str(update.pk))
    assert any(key.startswith("indicator:") for key in created.changes)
    cells = milestones.by_cell(
        list({m.objective for m in Milestone.objects.select_related("objective")}),
        list(members),
        today=datetime.date(2025, 1, 1),
    )
    overdue = [m.title for cell in cells.values() for m in cell.overdue]
    assert overdue == ["Joint precursor-tracing protocol signed"]
    assert sum(cell.met for cell in cells.values()) == Milestone.objects.count() - 1
