"""The audit log names objects in the reader's language, whoever wrote the entry and in
whichever language they worked: the entry keeps the object and related values in every
language of the site (audit.record), and every page shows the reader's."""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from commitments.models import AuditEntry, Country, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db


def speaking(user, language):
    user.membership.language = language
    user.membership.save()
    return user


def test_an_entry_written_in_spanish_reads_in_english_and_french(login, cast, objective, q1):
    client = login(speaking(cast.bob, "es"))
    client.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Kits.", "token": uuid.uuid4()},
    )
    update = ProgressUpdate.objects.get()
    entry = AuditEntry.objects.for_object(update).get()
    assert "Mexico" in entry.target_repr and "2024 Q1" in entry.target_repr
    assert entry.changes["period"] == [None, "2024 Q1"]
    with translation.override("en"):
        assert "Mexico · 2024 Q1" in entry.object_label
    with translation.override("es"):
        assert "México · T1 2024" in entry.object_label
        assert entry.shown_changes["period"] == [None, "T1 2024"]
    with translation.override("fr"):
        assert "Mexique · T1 2024" in entry.object_label


def test_the_admins_audit_log_shows_the_readers_language(login, cast, objective, q1):
    login(speaking(cast.bob, "es")).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Kits.", "token": uuid.uuid4()},
    )
    admin = login(speaking(cast.dave, "en"))
    page = admin.get(reverse("admin:commitments_auditentry_changelist")).text
    assert "Mexico · 2024 Q1" in page and "México" not in page
    entry = AuditEntry.objects.get(action="update.created")
    detail = admin.get(reverse("admin:commitments_auditentry_change", args=[entry.pk])).text
    assert "Mexico · 2024 Q1" in detail and "T1 2024" not in detail
    speaking(cast.dave, "fr")
    page = admin.get(reverse("admin:commitments_auditentry_changelist")).text
    assert "Mexique · T1 2024" in page


def test_an_admin_change_names_related_objects_in_each_language(login, cast):
    admin = login(speaking(cast.dave, "es"))
    membership = cast.alice.membership
    form = {
        "user": cast.alice.pk,
        "role": "official",
        "country": Country.objects.get(code="MX").pk,
        "language": "",
    }
    response = admin.post(
        reverse("admin:commitments_membership_change", args=[membership.pk]), form
    )
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.get(action="membership.changed")
    assert entry.changes["country"] == ["Canada", "Mexico"]
    with translation.override("es"):
        assert entry.shown_changes["country"] == ["Canadá", "México"]
    with translation.override("fr"):
        assert entry.shown_changes["country"] == ["Canada", "Mexique"]


def test_a_period_changed_reads_in_the_readers_language_in_the_history(login, cast, make_update):
    update = make_update(author=cast.alice, state="draft")
    q2 = ReportingPeriod.objects.get(name="2024 Q2")
    login(speaking(cast.alice, "en")).post(
        reverse("update_edit", args=[update.pk]),
        {
            "period": q2.pk,
            "status": "on_track",
            "narrative": update.narrative,
            "version": update.version,
        },
    )
    page = login(speaking(cast.carol, "fr")).get(reverse("update_history", args=[update.pk]))
    assert "T2 2024" in page.text and "2024 Q2" not in page.text


def test_entries_written_before_every_language_was_kept_still_show(login, cast):
    # As an entry written before the site kept every language: one label, no others.
    entry = AuditEntry.objects.create(
        actor=cast.dave,
        action="country.changed",
        target_type=ContentType.objects.get_for_model(Country),
        target_id=str(Country.objects.get(code="MX").pk),
        target_repr="México",
        changes={"name_fr": ["Mexique", "Mexique (le)"]},
    )
    assert entry.labels == {}
    with translation.override("fr"):
        assert entry.object_label == "México"
        assert entry.shown_changes == entry.changes
    page = login(speaking(cast.dave, "fr")).get(reverse("admin:commitments_auditentry_changelist"))
    assert "México" in page.text
