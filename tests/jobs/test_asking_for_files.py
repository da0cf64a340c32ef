"""Every address that prepares a file (the exports, the zip, a brief's PDF) follows one
rule, ``policy.asks_for_a_file``: a reader with a role is offered the file on a GET and
starts it with a POST; an account without a role, or a session that has passed the
password but not the second factor, gets neither; no other method is answered."""

import pytest
from django.urls import resolve, reverse

from commitments import policy
from commitments.models import Job, Meeting
from tests.support.two_factor import give_device

pytestmark = pytest.mark.django_db


def addresses():
    """Each address that prepares a file, and the kind of file it prepares."""
    meeting = Meeting.objects.get(ordinal=7)
    return [
        (reverse("update_export_csv"), Job.Kind.EXPORT_CSV),
        (reverse("update_export_xlsx"), Job.Kind.EXPORT_XLSX),
        (reverse("update_export_zip"), Job.Kind.EXPORT_ZIP),
        (reverse("meeting_brief_pdf", args=[meeting.pk]), Job.Kind.BRIEF_PDF),
    ]


def test_every_address_that_prepares_a_file_declares_the_same_rule():
    declarations = {policy.declaration_of(resolve(url).func) for url, _kind in addresses()}
    assert len(declarations) == 1
    (declared,) = declarations
    assert declared.requires == (policy.has_role,)
    assert declared.methods == ("GET", "POST")
    assert declared.coordinators_may_post


@pytest.mark.parametrize("role", ["alice", "carol", "dave"])
def test_a_reader_with_a_role_is_offered_the_file_then_starts_it(client, cast, settings, role):
    settings.JOBS_MAX_RUNNING = 10
    client.force_login(getattr(cast, role))
    for url, kind in addresses():
        asked = Job.objects.count()
        offer = client.get(url)
        assert offer.status_code == 200, url
        assert offer.templates[0].name == "commitments/job_offer.html", url
        assert offer.context["kind"] == kind
        assert Job.objects.count() == asked, url
        started = client.post(url)
        assert started.status_code == 302, url
        assert Job.objects.filter(owner=getattr(cast, role), kind=kind).exists(), url


def test_an_account_without_a_role_is_neither_offered_a_file_nor_starts_one(client, cast):
    client.force_login(cast.nora)
    for url, _kind in addresses():
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert not Job.objects.exists()


def test_other_methods_are_not_answered(client, cast):
    client.force_login(cast.carol)
    for url, _kind in addresses():
        assert client.put(url).status_code == 405, url
        assert client.delete(url).status_code == 405, url
    assert not Job.objects.exists()


@pytest.mark.parametrize("role", ["alice", "carol", "nora"])
def test_a_password_only_session_is_sent_to_the_second_step(client, cast, settings, role):
    settings.REQUIRE_MFA = True
    user = getattr(cast, role)
    give_device(user)
    client.force_login(user)
    for url, _kind in addresses():
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("mfa_verify")), url
    assert not Job.objects.exists()
