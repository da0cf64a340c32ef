"""Two-factor sign-in for every role, and re-authentication before sensitive changes."""

import datetime
import functools
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from commitments import mfa, policy
from commitments.models import AuditEntry, Membership, ProgressUpdate
from commitments.views import accounts, security_keys
from tests.conftest import PASSWORD
from tests.support.two_factor import (
    START,
    code_for,
    give_device,
    keep_alive,
    sign_in,
    verified_login,
    verify,
)
from tests.support.urls import names_declared

ROLES = ["alice", "bob", "uma", "carol", "dave", "nora"]


@pytest.fixture(autouse=True)
def require_mfa(settings):
    settings.REQUIRE_MFA = True


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


# --- a password alone reaches nothing -------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_password_only_session_is_sent_to_the_otp_step(client, cast, make_update, role):
    user = getattr(cast, role)
    update = make_update()
    client.force_login(user)
    # Without an app yet: to the set-up page.
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_setup"))
    give_device(user)
    for path in [
        reverse("dashboard"),
        reverse("update_list"),
        update.get_absolute_url(),
        reverse("password_change"),
        reverse("mfa_recovery_codes"),
        "/admin/",
        "/admin/commitments/membership/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("mfa_verify")), path
    before = ProgressUpdate.objects.count()
    response = client.post(
        reverse("update_create", args=[update.objective_id]),
        {"period": update.period_id, "status": "on_track", "narrative": "Sneaky"},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    assert ProgressUpdate.objects.count() == before


def test_sign_in_then_code_then_the_dashboard(client, cast, frozen):
    _, key = give_device(cast.alice)
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).url.startswith(reverse("mfa_verify"))
    page = client.get(reverse("mfa_verify"))
    assert page.status_code == 200 and "authenticator app" in page.text
    response = verify(client, code_for(key), next_url=reverse("update_list"))
    assert response.status_code == 302 and response.url == reverse("update_list")
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.otp_verified", actor=cast.alice).exists()


def test_a_totp_code_is_refused_the_second_time(cast, frozen):
    _, key = give_device(cast.alice)
    code = code_for(key)
    first = Client()
    sign_in(first, "alice")
    assert verify(first, code).status_code == 302
    second = Client()
    sign_in(second, "alice")
    response = verify(second, code)
    assert response.status_code == 200
    assert "already used" in response.text
    assert second.get(reverse("dashboard")).status_code == 302


def test_wrong_codes_are_throttled_by_the_device(client, cast, frozen):
    _, key = give_device(cast.alice)
    sign_in(client, "alice")
    assert verify(client, "000000" if code_for(key) != "000000" else "111111").status_code == 200
    # Right after a failure even the right code waits (django-otp: 1 s, 2 s, 4 s...).
    assert verify(client, code_for(key)).status_code == 200
    frozen.shift(datetime.timedelta(seconds=31))
    assert verify(client, code_for(key)).status_code == 302


def test_otp_attempts_are_rate_limited_per_user(client, cast, frozen, settings):
    for view in (accounts.mfa_verify, security_keys.CompleteKeyAuthentication):
        assert policy.declaration_of(view).rate_limit == policy.RateLimit(
            "mfa_verify", 96, 24 * 60 * 60, per="user"
        )
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mfa_verify": (3, 24 * 60 * 60, "user")}
    _, key = give_device(cast.alice)
    sign_in(client, "alice")
    for _ in range(3):
        frozen.shift(datetime.timedelta(minutes=1))
        assert verify(client, "not-a-code").status_code == 200
    frozen.shift(datetime.timedelta(minutes=1))
    response = verify(client, code_for(key))
    assert response.status_code == 429
    assert not client.session.get(DEVICE_ID_SESSION_KEY)


def test_set_up_shows_a_qr_code_and_recovery_codes_once(client, cast, frozen):
    client.force_login(cast.bob)
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text
    otpauth = re.search(r"otpauth://totp/[^<\s]+", page.text).group(0)
    assert "issuer=NADD%20Commitment%20Tracker" in otpauth.replace("&amp;", "&")
    key = client.session["nadd_pending_totp_key"]
    wrong = client.post(reverse("mfa_setup"), {"token": "123456"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(user=cast.bob).exists()
    response = client.post(reverse("mfa_setup"), {"token": code_for(key)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in response.text for code in codes)
    assert TOTPDevice.objects.get(user=cast.bob).confirmed
    assert client.get(reverse("dashboard")).status_code == 200  # verified by the set-up
    # Stored hashed, never in clear.
    stored = set(mfa.RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes)
    assert {mfa.hash_code(code) for code in codes} == stored
    # The code that confirmed the app cannot be used to sign in again.
    again = Client()
    sign_in(again, "bob")
    assert verify(again, code_for(key)).status_code == 200


def test_recovery_codes_are_single_use(cast, frozen):
    give_device(cast.carol)
    codes = mfa.replace_recovery_codes(cast.carol)
    first = Client()
    sign_in(first, "carol")
    response = verify(first, codes[0].upper())  # read off paper: case and dashes do not matter
    assert response.status_code == 302
    assert mfa.recovery_codes_left(cast.carol) == 9
    frozen.shift(datetime.timedelta(minutes=1))
    second = Client()
    sign_in(second, "carol")
    assert verify(second, codes[0]).status_code == 200
    assert second.get(reverse("dashboard")).status_code == 302
    frozen.shift(datetime.timedelta(minutes=1))
    assert verify(second, codes[1]).status_code == 302


def test_mfa_is_off_in_development_and_tests_by_default():
    from django.conf import settings

    assert settings.PRODUCTION is False
    # The autouse fixture turned it on for this module; the setting's default is env-driven.
    from nadd import settings as module

    assert module.REQUIRE_MFA is False


# --- re-authentication -----------------------------------------------------------------


def test_replacing_the_app_needs_the_password_again_after_30_minutes(client, cast, frozen):
    verified_login(client, cast.alice)
    assert client.get(reverse("mfa_setup")).status_code == 200
    keep_alive(client, frozen, 40)
    for name in ["mfa_setup", "mfa_recovery_codes"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("reauth")), name
    response = client.post(reverse("mfa_recovery_codes"))
    assert response.status_code == 302 and response.url.startswith(reverse("reauth"))
    assert mfa.recovery_codes_left(cast.alice) == 0
    wrong = client.post(reverse("reauth"), {"password": "not it at all", "next": "/"})
    assert wrong.status_code == 200
    ok = client.post(
        reverse("reauth"), {"username": "mallory", "password": PASSWORD, "next": "/accounts/mfa/"}
    )
    assert ok.status_code == 302
    assert client.get(reverse("mfa_setup")).status_code == 200


def test_role_and_country_changes_in_the_admin_need_a_recent_password(client, cast, frozen):
    verified_login(client, cast.dave)
    keep_alive(client, frozen, 40)
    membership = cast.alice.membership
    url = f"/admin/commitments/membership/{membership.pk}/change/"
    data = {"user": cast.alice.pk, "role": "coordinator", "country": "", "language": "en"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.startswith(reverse("reauth"))
    assert Membership.objects.get(pk=membership.pk).role == "official"
    client.post(reverse("reauth"), {"password": PASSWORD, "next": url})
    response = client.post(url, data)
    assert response.status_code == 302 and not response.url.startswith(reverse("reauth"))
    assert Membership.objects.get(pk=membership.pk).role == "coordinator"


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x"])
def test_the_next_address_never_leaves_the_site(client, cast, frozen, target):
    _, key = give_device(cast.alice)
    sign_in(client, "alice")
    response = verify(client, code_for(key), next_url=target)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    response = client.post(reverse("reauth"), {"password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.url == reverse("dashboard")


# --- Changing the second factor: never with the password alone ------------------------------


def reauth_pending_key(client):
    return client.session.get("nadd_pending_totp_key")


def device_key(user):
    return TOTPDevice.objects.get(user=user).key


def mfa_actions(user):
    return list(
        AuditEntry.objects.filter(action__startswith="mfa.", target_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.parametrize("required", [True, False])
def test_a_password_only_session_cannot_replace_an_enrolled_authenticator(
    client, cast, frozen, settings, required
):
    settings.REQUIRE_MFA = required
    _, owners_key = give_device(cast.alice)
    owners_codes = mfa.replace_recovery_codes(cast.alice)
    assert sign_in(client, "alice").status_code == 302  # the stolen password
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 302 and page.url.startswith(reverse("mfa_verify"))
    assert reauth_pending_key(client) is None  # no new secret was even shown
    attackers_key = mfa.new_totp_key()
    for token in [code_for(attackers_key), code_for(owners_key)]:
        response = client.post(reverse("mfa_setup"), {"token": token})
        assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    response = client.post(reverse("mfa_recovery_codes"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    # Nothing changed: the owner's app and codes still work, the thief is not signed in.
    assert device_key(cast.alice) == owners_key
    assert mfa.recovery_codes_left(cast.alice) == 10
    assert client.get(reverse("dashboard")).url.startswith(reverse("mfa_verify"))
    assert mfa_actions(cast.alice) == []
    owner = Client()
    sign_in(owner, "alice")
    assert verify(owner, owners_codes[0]).status_code == 302


@pytest.mark.parametrize("name", sorted(names_declared(lambda declared: declared.password_step)))
def test_no_url_open_to_a_password_only_session_changes_the_second_factor(
    client, cast, frozen, name
):
    _, owners_key = give_device(cast.dave)
    mfa.replace_recovery_codes(cast.dave)
    sign_in(client, "dave")
    url = reverse(name)
    for data in [{}, {"token": "123456"}, {"token": code_for(mfa.new_totp_key())}]:
        client.get(url)
        pending = reauth_pending_key(client)
        if pending:  # a secret the page showed: what a thief would scan
            data = {"token": code_for(pending)}
        client.post(url, data)
        sign_in(client, "dave")  # in case the step signed the session out
    assert device_key(cast.dave) == owners_key
    assert mfa.recovery_codes_left(cast.dave) == 10
    assert mfa_actions(cast.dave) == []
    assert client.get(reverse("dashboard")).url.startswith(reverse("mfa_verify"))
    assert client.get("/admin/commitments/apitoken/add/").url.startswith(reverse("mfa_verify"))


def test_replacing_needs_the_second_factor_in_this_session_then_the_password(client, cast, frozen):
    _, old_key = give_device(cast.alice)
    sign_in(client, "alice")
    assert verify(client, code_for(old_key)).status_code == 302
    keep_alive(client, frozen, 40)  # still active, but the password is 40 minutes old
    response = client.get(reverse("mfa_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("reauth"))
    client.post(reverse("reauth"), {"password": PASSWORD, "next": reverse("mfa_setup")})
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200 and page.context["replacing"]
    new_key = reauth_pending_key(client)
    response = client.post(reverse("mfa_setup"), {"token": code_for(new_key)})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert device_key(cast.alice) == new_key
    assert mfa_actions(cast.alice) == ["mfa.replaced"]


def test_a_recovery_code_lets_the_owner_replace_a_lost_phone(client, cast, frozen):
    give_device(cast.bob)
    codes = mfa.replace_recovery_codes(cast.bob)
    sign_in(client, "bob")
    assert verify(client, codes[3]).status_code == 302
    new_key = (client.get(reverse("mfa_setup")), reauth_pending_key(client))[1]
    assert client.post(reverse("mfa_setup"), {"token": code_for(new_key)}).status_code == 200
    assert device_key(cast.bob) == new_key
    assert mfa_actions(cast.bob) == ["mfa.replaced"]


def test_every_change_of_second_factor_rotates_the_session_ends_the_others_and_tells_the_owner(
    cast, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    committed = functools.partial(django_capture_on_commit_callbacks, execute=True)
    cast.alice.email = "alice@example.gc.ca"
    cast.alice.save()
    cast.alice.membership.language = "fr"
    cast.alice.membership.save()
    # First enrolment, from the session that signed in with the password.
    laptop, phone = Client(), Client()
    sign_in(phone, "alice")
    sign_in(laptop, "alice")
    before = laptop.cookies["sessionid"].value
    laptop.get(reverse("mfa_setup"))
    with committed():
        response = laptop.post(
            reverse("mfa_setup"), {"token": code_for(reauth_pending_key(laptop))}
        )
    assert response.status_code == 200
    assert laptop.cookies["sessionid"].value != before
    assert laptop.get(reverse("dashboard")).status_code == 200
    assert phone.get(reverse("dashboard")).url.startswith(reverse("login"))
    assert mfa_actions(cast.alice) == ["mfa.enrolled"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["alice@example.gc.ca"]
    assert "connexion en deux étapes" in mailoutbox[0].subject
    # New recovery codes: the same four consequences.
    frozen.shift(datetime.timedelta(minutes=1))
    sign_in(phone, "alice")
    before = laptop.cookies["sessionid"].value
    with committed():
        assert laptop.post(reverse("mfa_recovery_codes")).status_code == 200
    assert laptop.cookies["sessionid"].value != before
    assert phone.get(reverse("dashboard")).url.startswith(reverse("login"))
    assert mfa_actions(cast.alice) == ["mfa.enrolled", "mfa.recovery_codes_replaced"]
    assert len(mailoutbox) == 2
    # Replacing the app, from the verified session.
    laptop.get(reverse("mfa_setup"))
    with committed():
        laptop.post(reverse("mfa_setup"), {"token": code_for(reauth_pending_key(laptop))})
    assert mfa_actions(cast.alice)[-1] == "mfa.replaced"
    assert "remplacée" in mailoutbox[2].subject
    for message in mailoutbox:
        assert "otpauth" not in message.body and reauth_pending_key(laptop) is None


def test_an_enrolled_account_needs_its_second_factor_even_where_mfa_is_optional(
    client, cast, frozen, settings
):
    settings.REQUIRE_MFA = False
    _, key = give_device(cast.carol)
    sign_in(client, "carol")
    assert client.get(reverse("review_queue")).url.startswith(reverse("mfa_verify"))
    assert verify(client, code_for(key)).status_code == 302
    assert client.get(reverse("review_queue")).status_code == 200


def test_an_admin_reset_of_the_second_factor_is_its_own_audited_action(
    client, cast, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    cast.alice.email = "alice@example.gc.ca"
    cast.alice.save()
    give_device(cast.alice)
    mfa.replace_recovery_codes(cast.alice)
    alices = Client()
    alices.force_login(cast.alice)
    verified_login(client, cast.dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/auth/user/",
            {"action": "reset_second_factor", "_selected_action": [cast.alice.pk]},
        )
    assert response.status_code == 302
    assert not mfa.has_device(cast.alice) and mfa.recovery_codes_left(cast.alice) == 0
    assert alices.get(reverse("dashboard")).url.startswith(reverse("login"))
    entry = AuditEntry.objects.get(action="mfa.reset")
    assert entry.actor == cast.dave and entry.target_id == str(cast.alice.pk)
    assert mailoutbox[-1].to == ["alice@example.gc.ca"] and "reset" in mailoutbox[-1].subject
    # At the next sign-in she enrols again, before anything else.
    sign_in(alices, "alice")
    assert alices.get(reverse("dashboard")).url.startswith(reverse("mfa_setup"))
    alices.get(reverse("mfa_setup"))
    alices.post(reverse("mfa_setup"), {"token": code_for(reauth_pending_key(alices))})
    assert mfa_actions(cast.alice) == ["mfa.reset", "mfa.enrolled"]


def test_admins_cannot_add_or_edit_someone_elses_authenticator(client, cast, frozen):
    verified_login(client, cast.dave)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 404
