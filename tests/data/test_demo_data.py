import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from commitments.models import AuditEntry, Membership, ProgressUpdate

pytestmark = pytest.mark.django_db

DEMO = {
    "official-ca": ("official", "CA"),
    "official-mx": ("official", "MX"),
    "official-us": ("official", "US"),
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
    updates = ProgressUpdate.objects.all()
    assert 60 < updates.count() <= 9 * 3 * 4
    assert set(updates.values_list("country__code", flat=True)) == {"CA", "MX", "US"}
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


def test_load_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Membership.objects.exists()


def test_no_migration_creates_an_account():
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


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
