"""Invitations (commitments/invitations.py): a new person chooses their own password from a
single-use, expiring link sent in their language, then sets up two-factor sign-in; every
step audited. And the attacker's path: a reused link, an expired one, a tampered token,
a link opened while signed in as someone else, two requests racing with one link."""

import datetime
import html
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from commitments import invitations
from commitments.models import AuditEntry, Country, Invitation, Membership

pytestmark = pytest.mark.django_db

User = get_user_model()
CHOSEN = "juniper-kettle-harbour-74"


@pytest.fixture
def invite(cast, mailoutbox, django_capture_on_commit_callbacks):
    """invite(user): send an invitation as dave; returns the link's path from the e-mail."""

    def send(user):
        with django_capture_on_commit_callbacks(execute=True):
            invitations.invite(actor=cast.dave, user=user)
        url = re.search(r"https?://\S+/accounts/invitation/\S+/", mailoutbox[-1].body).group(0)
        return url.removeprefix(settings.SITE_URL)

    return send


@pytest.fixture
def newcomer(db):
    """Invited by an administrator: a Mexican official, in Spanish, with no password yet."""
    user = User.objects.create_user("newcomer", email="newcomer@example.org", first_name="Ana")
    user.set_unusable_password()
    user.save()
    Membership.objects.create(
        user=user, role="official", country=Country.objects.get(code="MX"), language="es"
    )
    return user


def actions_about(user):
    return list(AuditEntry.objects.for_object(user).reverse().values_list("action", flat=True))


def text_of(response):
    return html.unescape(response.content.decode())


def choose(client, link, password=CHOSEN):
    return client.post(link, {"new_password1": password, "new_password2": password})


# --- The invited person's way in -------------------------------------------------------------


def test_the_invitation_email_is_in_the_persons_language(cast, newcomer, invite, mailoutbox):
    link = invite(newcomer)
    message = mailoutbox[-1]
    assert message.to == ["newcomer@example.org"]
    assert "Estimado/a Ana:" in message.body
    assert "Abra este enlace para elegir su contraseña" in message.body
    assert "newcomer" in message.body
    assert settings.SITE_URL + link in message.body
    assert message.subject == "Seguimiento del NADD: le invitamos a configurar su cuenta"
    # Only a hash of the token is kept.
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert Invitation.objects.get().token_hash == Invitation.hash(token)


def test_a_french_invitation(cast, newcomer, invite, mailoutbox):
    newcomer.membership.language = "fr"
    newcomer.membership.save()
    invite(newcomer)
    assert "Bonjour Ana" in mailoutbox[-1].body


def test_the_person_sets_a_password_and_goes_on_to_two_factor(client, cast, newcomer, invite):
    link = invite(newcomer)
    page = client.get(link)
    assert page.status_code == 200
    assert '<html lang="es">' in page.text  # the person's language, as the e-mail
    assert "Elija su contraseña: solo usted la conocerá." in text_of(page)
    response = choose(client, link)
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_setup"))
    newcomer.refresh_from_db()
    assert newcomer.check_password(CHOSEN)
    # Signed in, and the set-up page is theirs to use (no second factor yet).
    assert client.get(reverse("mfa_setup")).status_code == 200
    assert actions_about(newcomer)[-3:-1] == ["user.invited", "user.invitation_accepted"]
    assert Invitation.objects.get().accepted_at is not None


def test_the_password_rules_apply_and_the_link_stays_usable(client, cast, newcomer, invite):
    link = invite(newcomer)
    response = client.post(link, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "error-summary" in response.text
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert choose(client, link).status_code == 302


# --- The attacker's path ---------------------------------------------------------------------


def test_a_reused_link_is_refused_and_audited(client, cast, newcomer, invite):
    link = invite(newcomer)
    choose(client, link)
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "Ya se usó para establecer una contraseña" in text_of(again)  # in their language
    # A second password through the same link: refused, the first one stands.
    assert choose(client, link, "another-password-entirely-99").status_code == 410
    newcomer.refresh_from_db()
    assert newcomer.check_password(CHOSEN)
    refusals = AuditEntry.objects.filter(action="user.invitation_refused")
    assert [entry.changes["reason"][1] for entry in refusals] == ["accepted", "accepted"]


def test_an_expired_link_is_refused(client, cast, newcomer, invite):
    link = invite(newcomer)
    later = timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = client.get(link)
        assert response.status_code == 410
        assert choose(client, link).status_code == 410
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert (
        "expired"
        in AuditEntry.objects.filter(action="user.invitation_refused").first().changes["reason"]
    )


def test_a_tampered_token_is_refused_without_revealing_anything(client, cast, newcomer, invite):
    link = invite(newcomer)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    for forged in [token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43, "%00", "' OR 1=1"]:
        response = client.get(reverse("accept_invitation", args=[forged]))
        assert response.status_code == 404, forged
        assert "newcomer" not in response.text
        assert choose(client, reverse("accept_invitation", args=[forged])).status_code == 404
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_a_link_opened_while_signed_in_as_someone_else_is_refused(client, cast, newcomer, invite):
    link = invite(newcomer)
    client.force_login(cast.alice)
    response = client.get(link)
    assert response.status_code == 403
    page = text_of(response)
    assert "alice" in page
    assert 'action="/accounts/logout/"' in page
    assert choose(client, link).status_code == 403
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    # Still alice's session: nothing signed her out or in as someone else.
    assert int(client.session["_auth_user_id"]) == cast.alice.pk
    entry = AuditEntry.objects.filter(action="user.invitation_refused").last()
    assert (entry.actor, entry.changes["reason"][1]) == (cast.alice, "signed_in_as_another")


def test_a_newer_invitation_replaces_the_earlier_link(client, cast, newcomer, invite):
    first = invite(newcomer)
    second = invite(newcomer)
    assert client.get(first).status_code == 410
    assert choose(client, second).status_code == 302


def test_the_link_is_used_once_even_by_two_requests(cast, newcomer, invite):
    """The service under the view: the second use is refused, whatever the view saw."""
    link = invite(newcomer)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    anonymous = type("Anonymous", (), {"is_authenticated": False, "pk": None})()
    invitations.accept(token=token, reader=anonymous, password=CHOSEN)
    with pytest.raises(invitations.Refused) as refused:
        invitations.accept(token=token, reader=anonymous, password="another-password-99")
    assert refused.value.reason == "accepted"


def test_only_administrators_invite(cast, newcomer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        invitations.invite(actor=cast.carol, user=newcomer)
    assert not Invitation.objects.exists()


# --- In the admin ------------------------------------------------------------------------------


def test_the_admin_sends_a_new_invitation_and_shows_its_state(
    client, cast, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/auth/user/",
            {"action": "send_invitation", "_selected_action": [newcomer.pk, cast.nora.pk]},
        )
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["newcomer@example.org"]]
    page = client.get(f"/admin/auth/user/{newcomer.pk}/change/").text
    assert "valid until" in page


def test_the_user_form_is_about_the_role_not_raw_flags(client, cast):
    client.force_login(cast.dave)
    page = client.get(f"/admin/auth/user/{cast.alice.pk}/change/").text
    for raw in ["is_staff", "is_superuser", "user_permissions", "groups"]:
        assert f'name="{raw}"' not in page, raw
    assert 'name="membership-0-role"' in page
    assert 'name="membership-0-country"' in page


def test_staff_flags_follow_the_role(cast):
    """Given, changed or taken away, however it is done (policy.staff_flags)."""
    membership = cast.carol.membership
    membership.role = "admin"
    membership.save()
    cast.carol.refresh_from_db()
    assert (cast.carol.is_staff, cast.carol.is_superuser) == (True, True)
    membership.role = "coordinator"
    membership.save()
    cast.carol.refresh_from_db()
    assert (cast.carol.is_staff, cast.carol.is_superuser) == (False, False)
    cast.dave.membership.delete()
    cast.dave.refresh_from_db()
    assert (cast.dave.is_staff, cast.dave.is_superuser) == (False, False)


def test_a_forged_staff_flag_in_the_user_form_is_ignored(client, cast):
    client.force_login(cast.dave)
    from tests.support.forms import form_data

    page = client.get(f"/admin/auth/user/{cast.alice.pk}/change/").text
    data = form_data(page, "user_form")
    data.update({"is_staff": "on", "is_superuser": "on", "first_name": "Alicia"})
    assert client.post(f"/admin/auth/user/{cast.alice.pk}/change/", data).status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.first_name == "Alicia"
    assert (cast.alice.is_staff, cast.alice.is_superuser) == (False, False)
