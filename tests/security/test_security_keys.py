"""Security keys and passkeys (WebAuthn, django-otp-webauthn) as a second factor beside the
authenticator app: the same rules for every change, the second step after the password,
and the roles that must use a key (phishing-resistant MFA).

``SoftKey`` is a software authenticator: a P-256 key pair that answers the server's JSON
options the way a browser and a USB key would (``none`` attestation, user presence).
"""

import base64
import datetime
import hashlib
import json
import os
import re
import struct
from pathlib import Path

import cbor2  # noqa: I001 - django-otp-webauthn's own dependency (through py_webauthn)
import pytest
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import checks
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from commitments import mfa
from commitments.checks import check_security_settings
from commitments.models import AuditEntry
from commitments.sessions import REAUTH_AT
from tests.conftest import PASSWORD
from tests.support.two_factor import code_for, give_device, keep_alive, sign_in, verify

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
ORIGIN = "http://testserver"

REGISTER_BEGIN = "otp_webauthn:credential-registration-begin"
REGISTER_COMPLETE = "otp_webauthn:credential-registration-complete"
AUTH_BEGIN = "otp_webauthn:credential-authentication-begin"
AUTH_COMPLETE = "otp_webauthn:credential-authentication-complete"


@pytest.fixture(autouse=True)
def require_mfa(settings):
    settings.REQUIRE_MFA = True


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftKey:
    """A security key in software: registers one credential and signs challenges."""

    def __init__(self, rp_id="testserver", origin=ORIGIN):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id, self.origin = rp_id, origin
        self.sign_count = 0

    def _cose_key(self):
        numbers = self.private.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind, challenge):
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        ).encode()

    def register(self, options):
        """The browser's answer to ``navigator.credentials.create`` with ``options``."""
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        attested = (
            bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        auth_data = rp_hash + bytes([0x41]) + struct.pack(">I", self.sign_count) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64(attestation),
                "transports": ["usb"],
            },
            "clientExtensionResults": {"credProps": {"rk": False}},
        }

    def sign(self, options, credential_id=None):
        """The browser's answer to ``navigator.credentials.get`` with ``options``."""
        self.sign_count += 1
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([0x01]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.private.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        raw_id = credential_id or self.credential_id
        return {
            "id": b64(raw_id),
            "rawId": b64(raw_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
            },
            "clientExtensionResults": {},
        }


def post_json(client, name, data=None):
    return client.post(reverse(name), json.dumps(data or {}), content_type="application/json")


def register_key(client, key=None):
    """Run the registration ceremony in ``client``'s session; returns (key, response)."""
    key = key or SoftKey()
    begin = post_json(client, REGISTER_BEGIN)
    if begin.status_code != 200:
        return key, begin
    return key, post_json(client, REGISTER_COMPLETE, key.register(begin.json()))


def sign_in_with_key(client, key, **kwargs):
    begin = post_json(client, AUTH_BEGIN)
    assert begin.status_code == 200, begin.content
    return post_json(client, AUTH_COMPLETE, key.sign(begin.json(), **kwargs))


def give_key(user):
    """A key registered through the ceremony by its owner's (first, password-only) session."""
    had = mfa.has_device(user)
    client = Client()
    client.force_login(user)
    if had:
        verified_by_recovery_code(client, user)
    key, response = register_key(client)
    assert response.status_code == 200, response.content
    return key


def verified_by_recovery_code(client, user):
    device = mfa.RecoveryCodeDevice.objects.filter(user=user).first()
    if device is None:
        mfa.replace_recovery_codes(user)
        device = mfa.RecoveryCodeDevice.objects.get(user=user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def plant_registration_state(client, key_challenge="c29tZS1jaGFsbGVuZ2U"):
    """A registration state as a begun ceremony leaves it in the session."""
    session = client.session
    session["otp_webauthn_register_state"] = {
        "challenge": key_challenge,
        "require_user_verification": False,
    }
    session.save()
    return {"rp": {"id": "testserver"}, "challenge": key_challenge}


def actions(user, prefix="mfa."):
    return list(
        AuditEntry.objects.filter(action__startswith=prefix, target_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- What counts as a second factor --------------------------------------------------------


def test_a_confirmed_security_key_is_a_second_factor(cast):
    assert not mfa.has_device(cast.alice)
    give_key(cast.alice)
    assert mfa.has_device(cast.alice)
    WebAuthnCredential.objects.filter(user=cast.alice).update(confirmed=False)
    assert not mfa.has_device(cast.alice)


def test_passwordless_sign_in_is_off(client, cast, settings):
    give_key(cast.alice)
    assert settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False
    for name in [AUTH_BEGIN, AUTH_COMPLETE]:
        response = post_json(client, name)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


# --- Enrolment and adding keys: the rules of every second-factor change ---------------------


def test_a_password_only_session_registers_a_first_key_which_verifies_it(
    cast, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    cast.bob.email = "bob@example.gob.mx"
    cast.bob.save()
    laptop, phone = Client(), Client()
    sign_in(phone, "bob")
    sign_in(laptop, "bob")
    assert laptop.get(reverse("dashboard")).url.startswith(reverse("mfa_setup"))
    page = laptop.get(reverse("mfa_setup"))
    assert 'id="passkey-register-button"' in page.text
    assert 'id="passkey-registration-placeholder"' in page.text
    assert "needs JavaScript" in page.text  # what the page says without its script
    before = laptop.cookies["sessionid"].value
    with django_capture_on_commit_callbacks(execute=True):
        key, response = register_key(laptop)
    assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user=cast.bob)
    assert credential.name == "Security key 1" and credential.confirmed
    assert bytes(credential.credential_id) == key.credential_id
    # Verified by the key just registered, on a new session key; the other session ended.
    assert laptop.cookies["sessionid"].value != before
    assert laptop.get(reverse("dashboard")).status_code == 200
    assert phone.get(reverse("dashboard")).url.startswith(reverse("login"))
    entry = AuditEntry.objects.get(action="mfa.enrolled", target_id=str(cast.bob.pk))
    assert entry.changes == {"security_key": [None, "Security key 1"]}
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["bob@example.gob.mx"]


@pytest.mark.parametrize("existing", ["key", "app"])
def test_a_password_only_session_cannot_add_a_key_to_an_account_that_has_a_second_factor(
    client, cast, frozen, existing
):
    if existing == "key":
        give_key(cast.alice)
    else:
        give_device(cast.alice)
    before = actions(cast.alice)
    sign_in(client, "alice")  # the stolen password
    begin = post_json(client, REGISTER_BEGIN)
    assert begin.status_code == 403 and begin.json()["code"] == "user_not_verified"
    assert "otp_webauthn_register_state" not in client.session
    # Even with a registration state in the session (begun before the owner enrolled).
    options = plant_registration_state(client)
    response = post_json(client, REGISTER_COMPLETE, SoftKey().register(options))
    assert response.status_code == 403 and response.json()["code"] == "user_not_verified"
    assert WebAuthnCredential.objects.filter(user=cast.alice).count() == (
        1 if existing == "key" else 0
    )
    assert actions(cast.alice) == before
    assert client.get(reverse("dashboard")).url.startswith(reverse("mfa_verify"))


def test_adding_a_key_needs_the_second_factor_and_the_password_within_30_minutes(
    client, cast, frozen
):
    _, app_key = give_device(cast.alice)
    sign_in(client, "alice")
    assert verify(client, code_for(app_key)).status_code == 302
    keep_alive(client, frozen, 40)
    assert client.get(reverse("mfa_setup")).url.startswith(reverse("reauth"))
    begin = post_json(client, REGISTER_BEGIN)
    assert begin.status_code == 403 and begin.json()["code"] == "reauth_required"
    options = plant_registration_state(client)
    response = post_json(client, REGISTER_COMPLETE, SoftKey().register(options))
    assert response.status_code == 403 and response.json()["code"] == "reauth_required"
    assert not WebAuthnCredential.objects.filter(user=cast.alice).exists()
    client.post(reverse("reauth"), {"password": PASSWORD, "next": "/"})
    _, response = register_key(client)
    assert response.status_code == 200
    assert actions(cast.alice) == ["mfa.security_key_added"]
    # Adding a key changes nothing about how this session was verified.
    app = mfa.TOTPDevice.objects.get(user=cast.alice)
    assert client.session[DEVICE_ID_SESSION_KEY] == app.persistent_id
    assert client.get(reverse("review_queue")).status_code == 403  # in, as an official


def test_a_key_registered_twice_is_refused_without_an_error_page(client, cast, frozen):
    key = give_key(cast.alice)
    client.force_login(cast.bob)
    _, response = register_key(client, key)  # the same credential id for another account
    assert response.status_code == 409 and response.json()["code"] == "credential_taken"
    assert not WebAuthnCredential.objects.filter(user=cast.bob).exists()
    assert actions(cast.bob) == []


@pytest.mark.parametrize("body", ["[]", "42", '"text"', "not json", '{"id": 1}', "{}"])
def test_malformed_key_answers_get_a_4xx_never_a_500(client, cast, frozen, body):
    give_key(cast.alice)
    sign_in(client, "alice")
    post_json(client, AUTH_BEGIN)
    response = client.post(reverse(AUTH_COMPLETE), body, content_type="application/json")
    assert 400 <= response.status_code < 500 and "detail" in response.json()
    other = Client()
    other.force_login(cast.bob)
    post_json(other, REGISTER_BEGIN)
    response = other.post(reverse(REGISTER_COMPLETE), body, content_type="application/json")
    assert 400 <= response.status_code < 500 and "detail" in response.json()
    assert not WebAuthnCredential.objects.filter(user=cast.bob).exists()


# --- Signing in with a key -----------------------------------------------------------------


def test_a_key_is_the_second_step_after_the_password(client, cast, frozen):
    key = give_key(cast.alice)
    sign_in(client, "alice")
    assert client.get(reverse("dashboard")).url.startswith(reverse("mfa_verify"))
    page = client.get(reverse("mfa_verify"))
    assert 'id="passkey-verification-button"' in page.text
    assert 'name="token"' not in page.text  # no app, no recovery codes: no code form
    begin = post_json(client, AUTH_BEGIN)
    options = begin.json()
    assert options["rpId"] == "testserver"
    assert [c["id"] for c in options["allowCredentials"]] == [b64(key.credential_id)]
    before = client.cookies["sessionid"].value
    frozen.shift(datetime.timedelta(minutes=5))
    complete = client.post(
        reverse(AUTH_COMPLETE) + "?next=/updates/",
        json.dumps(key.sign(options)),
        content_type="application/json",
    )
    assert complete.status_code == 200, complete.content
    assert complete.json()["redirect_url"] == "/updates/"
    assert client.cookies["sessionid"].value != before
    assert client.session[REAUTH_AT] == START.timestamp() + 300
    assert client.get(reverse("dashboard")).status_code == 200
    entry = AuditEntry.objects.get(action="auth.otp_verified", actor=cast.alice)
    assert entry.changes["method"] == "security_key"
    assert WebAuthnCredential.objects.get(user=cast.alice).last_used_at is not None


def test_another_users_key_is_refused_and_verifies_nothing(client, cast, frozen):
    give_key(cast.alice)
    bobs_key = give_key(cast.bob)
    sign_in(client, "alice")
    begin = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, AUTH_COMPLETE, bobs_key.sign(begin))
    assert response.status_code == 403
    assert response.json()["code"] == "credential_user_mismatch"
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("dashboard")).url.startswith(reverse("mfa_verify"))
    failed = AuditEntry.objects.get(action="auth.otp_failed", actor=cast.alice)
    assert failed.changes == {"method": "security_key", "reason": "credential_user_mismatch"}
    assert not AuditEntry.objects.filter(action="auth.otp_verified").exists()


def test_a_cloned_key_whose_sign_count_does_not_increase_is_refused(client, cast, frozen):
    key = give_key(cast.alice)
    WebAuthnCredential.objects.filter(user=cast.alice).update(sign_count=1000)
    sign_in(client, "alice")
    begin = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, AUTH_COMPLETE, key.sign(begin))
    assert response.status_code == 422
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert WebAuthnCredential.objects.get(user=cast.alice).sign_count == 1000
    assert AuditEntry.objects.filter(action="auth.otp_failed", actor=cast.alice).exists()


def test_a_signature_is_good_for_one_challenge_only(client, cast, frozen):
    key = give_key(cast.alice)
    sign_in(client, "alice")
    answer = key.sign(post_json(client, AUTH_BEGIN).json())
    assert post_json(client, AUTH_COMPLETE, answer).status_code == 200
    other = Client()
    sign_in(other, "alice")
    post_json(other, AUTH_BEGIN)  # a fresh challenge the old answer does not sign
    response = post_json(other, AUTH_COMPLETE, answer)
    assert response.status_code == 422 and DEVICE_ID_SESSION_KEY not in other.session


def test_key_attempts_count_against_the_otp_steps_limit(client, cast, frozen, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mfa_verify": (3, 24 * 60 * 60, "user")}
    key = give_key(cast.alice)
    give_device(cast.alice)
    sign_in(client, "alice")
    verify(client, "not-a-code")
    for _ in range(2):
        post_json(client, AUTH_BEGIN)
        post_json(client, AUTH_COMPLETE, {"id": "x"})
    begin = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, AUTH_COMPLETE, key.sign(begin))
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_the_relying_party_comes_from_the_settings_when_given(client, cast, frozen, settings):
    settings.WEBAUTHN_RP_ID = "tracker.example.org"
    settings.WEBAUTHN_ORIGINS = ["https://tracker.example.org"]
    client.force_login(cast.alice)
    options = post_json(client, REGISTER_BEGIN).json()
    assert options["rp"] == {"id": "tracker.example.org", "name": "NADD Commitment Tracker"}
    # A key answering for this (http://testserver) origin is refused: not an allowed one.
    key = SoftKey(rp_id="tracker.example.org")
    response = post_json(client, REGISTER_COMPLETE, key.register(options))
    assert response.status_code == 422
    assert not WebAuthnCredential.objects.filter(user=cast.alice).exists()
    settings.WEBAUTHN_ORIGINS = []
    settings.WEBAUTHN_RP_ID = ""
    options = post_json(client, REGISTER_BEGIN).json()
    assert options["rp"]["id"] == "testserver"  # the request's host, without a port
    assert post_json(client, REGISTER_COMPLETE, SoftKey().register(options)).status_code == 200


# --- Removing a key ------------------------------------------------------------------------


def test_removing_a_key_needs_the_second_factor_and_a_recent_password(
    client, cast, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    cast.alice.email = "alice@example.gc.ca"
    cast.alice.save()
    first = give_key(cast.alice)
    give_key(cast.alice)
    key = WebAuthnCredential.objects.filter(user=cast.alice).order_by("pk").first()
    url = reverse("mfa_security_key_remove", args=[key.pk])
    sign_in(client, "alice")  # password only
    response = client.post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    assert sign_in_with_key(client, first).status_code == 200
    keep_alive(client, frozen, 40)
    response = client.post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("reauth"))
    assert WebAuthnCredential.objects.filter(user=cast.alice).count() == 2
    client.post(reverse("reauth"), {"password": PASSWORD, "next": "/"})
    page = client.get(url)
    assert page.status_code == 200 and "Security key 1" in page.text
    laptop = Client()
    laptop.force_login(cast.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("mfa_recovery_codes")
    assert list(
        WebAuthnCredential.objects.filter(user=cast.alice).values_list("name", flat=True)
    ) == ["Security key 2"]
    assert actions(cast.alice)[-1] == "mfa.security_key_removed"
    assert laptop.get(reverse("dashboard")).url.startswith(reverse("login"))
    assert "removed" in mailoutbox[-1].subject
    # The removed key no longer signs in.
    again = Client()
    sign_in(again, "alice")
    begin = post_json(again, AUTH_BEGIN).json()
    assert b64(first.credential_id) not in json.dumps(begin)
    response = post_json(again, AUTH_COMPLETE, first.sign(begin))
    assert response.status_code == 404 and DEVICE_ID_SESSION_KEY not in again.session


def test_another_accounts_key_cannot_be_removed(client, cast, frozen):
    give_key(cast.bob)
    bobs = WebAuthnCredential.objects.get(user=cast.bob)
    alices = give_key(cast.alice)
    sign_in(client, "alice")
    sign_in_with_key(client, alices)
    url = reverse("mfa_security_key_remove", args=[bobs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=bobs.pk).exists()


def test_the_last_second_factor_is_not_removed_where_one_is_required(client, cast, frozen):
    key = give_key(cast.alice)
    credential = WebAuthnCredential.objects.get(user=cast.alice)
    sign_in(client, "alice")
    sign_in_with_key(client, key)
    url = reverse("mfa_security_key_remove", args=[credential.pk])
    response = client.post(url)
    assert response.status_code == 409 and "only second factor" in response.text
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    give_device(cast.alice)  # with an app beside it, the key may go
    assert client.post(url).status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=credential.pk).exists()


# --- The two-factor settings page ----------------------------------------------------------


def test_the_settings_page_lists_keys_the_app_and_the_recovery_codes(client, cast, frozen):
    key = give_key(cast.alice)
    sign_in(client, "alice")
    sign_in_with_key(client, key)
    page = client.get(reverse("mfa_recovery_codes"))
    assert page.status_code == 200
    text = page.text
    credential = WebAuthnCredential.objects.get(user=cast.alice)
    assert "Security key 1" in text
    assert reverse("mfa_security_key_remove", args=[credential.pk]) in text
    assert 'id="passkey-register-button"' in text  # add another
    assert "Set up an authenticator app" in text
    assert "Issue recovery codes" in text


# --- Roles that must use a key -------------------------------------------------------------


@pytest.fixture
def coordinators_use_keys(settings):
    settings.PHISHING_RESISTANT_ROLES = ["admin", "coordinator"]


def test_a_coordinator_verified_by_the_app_is_sent_to_the_key_step(
    client, cast, frozen, coordinators_use_keys
):
    _, app_key = give_device(cast.carol)
    key = give_key(cast.carol)
    sign_in(client, "carol")
    # The code form takes recovery codes only: an app code does not count.
    assert verify(client, code_for(app_key)).status_code == 200
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = mfa.TOTPDevice.objects.get(user=cast.carol).persistent_id
    session.save()  # as if verified by the app (before the role had to use a key)
    response = client.get(reverse("review_queue"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    page = client.get(reverse("mfa_verify"))
    assert page.status_code == 200 and 'id="passkey-verification-button"' in page.text
    assert client.get(reverse("mfa_recovery_codes")).url.startswith(reverse("mfa_verify"))
    assert sign_in_with_key(client, key).status_code == 200
    assert client.get(reverse("review_queue")).status_code == 200


def test_a_role_that_must_use_a_key_is_not_offered_the_app(
    client, cast, frozen, coordinators_use_keys
):
    client.force_login(cast.dave)
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200
    assert 'id="passkey-register-button"' in page.text and "otpauth" not in page.text
    assert "nadd_pending_totp_key" not in client.session
    response = client.post(reverse("mfa_setup"), {"token": "123456"})
    assert response.status_code == 403
    assert not mfa.has_device(cast.dave)


def test_a_coordinator_with_only_the_app_is_sent_to_register_a_key(
    client, cast, frozen, coordinators_use_keys
):
    _, app_key = give_device(cast.carol)
    sign_in(client, "carol")
    assert verify(client, code_for(app_key)).status_code == 302
    response = client.get(reverse("review_queue"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_setup"))
    _, registered = register_key(client)
    assert registered.status_code == 200
    assert client.get(reverse("review_queue")).status_code == 200


def test_a_recovery_code_lets_a_coordinator_reach_only_the_key_registration_page(
    client, cast, frozen, coordinators_use_keys
):
    give_key(cast.carol)
    codes = mfa.replace_recovery_codes(cast.carol)
    sign_in(client, "carol")
    response = verify(client, codes[0])
    assert response.status_code == 302 and response.url == reverse("mfa_setup")
    for name in ["review_queue", "dashboard", "mfa_recovery_codes", "password_change"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith((reverse("mfa_setup"), reverse("mfa_verify"))), name
        assert client.get(response.url, follow=True).request["PATH_INFO"] == reverse("mfa_setup")
    assert client.get(reverse("mfa_setup")).status_code == 200
    # The lost key replaced: the new key verifies the session.
    _, registered = register_key(client)
    assert registered.status_code == 200
    assert client.get(reverse("review_queue")).status_code == 200
    assert actions(cast.carol)[-1] == "mfa.security_key_added"


def test_the_last_key_of_a_role_that_must_use_one_is_not_removed(
    client, cast, frozen, settings, coordinators_use_keys
):
    settings.REQUIRE_MFA = False
    give_device(cast.carol)
    key = give_key(cast.carol)
    sign_in(client, "carol")
    sign_in_with_key(client, key)
    credential = WebAuthnCredential.objects.get(user=cast.carol)
    response = client.post(reverse("mfa_security_key_remove", args=[credential.pk]))
    assert response.status_code == 409
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_the_roles_that_must_use_a_key_default_to_admins_and_coordinators_in_production():
    from nadd import settings as module

    assert module.PRODUCTION is False and module.PHISHING_RESISTANT_ROLES == []
    text = Path(module.__file__).read_text()
    assert re.search(r'\["admin", "coordinator"\] if PRODUCTION else \[\]', text)


def test_the_deploy_check_warns_when_no_role_must_use_a_key(settings):
    settings.REQUIRE_MFA = True
    settings.PHISHING_RESISTANT_ROLES = []
    ids = [w.id for w in check_security_settings(None)]
    assert "commitments.W005" in ids
    settings.PHISHING_RESISTANT_ROLES = ["admin", "coordinator"]
    assert "commitments.W005" not in [w.id for w in check_security_settings(None)]
    assert all(isinstance(w, checks.Warning) for w in check_security_settings(None))


# --- The admin -----------------------------------------------------------------------------


def test_the_admin_reset_removes_keys_and_the_user_list_counts_them(client, cast, frozen):
    give_key(cast.alice)
    from tests.support.two_factor import verified_login

    verified_login(client, cast.dave)
    listing = client.get("/admin/auth/user/")
    rows = {user.username: user.has_second_factor for user in listing.context["cl"].result_list}
    assert rows["alice"] is True and rows["bob"] is False
    response = client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [cast.alice.pk]}
    )
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(user=cast.alice).exists()
    assert not mfa.has_device(cast.alice)
    assert actions(cast.alice)[-1] == "mfa.reset"


def test_the_admin_has_no_page_to_add_or_edit_keys(client, cast, frozen):
    from tests.support.two_factor import verified_login

    verified_login(client, cast.dave)
    assert client.get("/admin/django_otp_webauthn/webauthncredential/").status_code == 404


# --- The key buttons' script in Spanish and French -----------------------------------------


def library_js_messages():
    static = Path(mfa.helpers.__file__).parent / "static" / "django_otp_webauthn"
    messages = set()
    for name in ["otp_webauthn_register.js", "otp_webauthn_auth.js"]:
        text = (static / name).read_text(encoding="utf-8")
        found = re.findall(r"""gettext\((["'`])((?:\\.|(?!\1).)*)\1\)""", text)
        assert found, name
        messages |= {json.loads(f'"{message}"') for _, message in found}
    return messages


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_message_of_the_key_scripts_is_translated(client, cast, language):
    """The library's scripts ask its JavaScript catalogue (gettext) for their messages; it
    ships no French and an incomplete Spanish one: ours (commitments/locale/*/djangojs.po)
    merge into it."""
    from django.utils.translation.trans_real import DjangoTranslation
    from django.views.i18n import JavaScriptCatalog

    messages = library_js_messages()
    assert len(messages) >= 20
    paths = JavaScriptCatalog().get_paths(["django_otp_webauthn"])
    catalog = DjangoTranslation(language, domain="djangojs", localedirs=paths)._catalog
    missing = sorted(m for m in messages if not catalog.get(m))
    assert missing == []
    # And the page's script gets them: the catalogue served in the user's language.
    cast.alice.membership.language = language
    cast.alice.membership.save()
    client.force_login(cast.alice)
    served = client.get(reverse("otp_webauthn:js-i18n-catalog")).content.decode()
    assert json.dumps(catalog.get("Registration successful!")) in served


def test_a_factor_enrolled_by_another_session_meanwhile_makes_the_completion_refused(
    client, cast, frozen, monkeypatch
):
    """Checked again under the account's lock: between this session's begin and its
    completion, another session (the owner's) enrolled an app; this one had only the
    password, so its key is not saved."""
    client.force_login(cast.alice)
    begin = post_json(client, REGISTER_BEGIN)
    assert begin.status_code == 200
    lock_account = mfa.lock_account

    def owner_enrols_first(user):
        if not mfa.has_device(user):
            give_device(user)
        lock_account(user)

    monkeypatch.setattr(mfa, "lock_account", owner_enrols_first)
    response = post_json(client, REGISTER_COMPLETE, SoftKey().register(begin.json()))
    assert response.status_code == 403 and response.json()["code"] == "user_not_verified"
    assert not WebAuthnCredential.objects.filter(user=cast.alice).exists()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_key_only_account_needs_its_key_even_where_mfa_is_optional(
    client, cast, frozen, settings
):
    settings.REQUIRE_MFA = False
    key = give_key(cast.carol)
    sign_in(client, "carol")
    assert client.session["nadd_enrolled"] is True
    response = client.get(reverse("review_queue"))
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    assert sign_in_with_key(client, key).status_code == 200
    assert client.get(reverse("review_queue")).status_code == 200


def test_an_app_added_beside_a_key_is_its_own_audited_change(client, cast, frozen):
    key = give_key(cast.alice)
    sign_in(client, "alice")
    sign_in_with_key(client, key)
    client.get(reverse("mfa_setup"))
    pending = client.session["nadd_pending_totp_key"]
    assert client.post(reverse("mfa_setup"), {"token": code_for(pending)}).status_code == 200
    assert actions(cast.alice) == ["mfa.enrolled", "mfa.app_added"]
    assert mfa.has_app(cast.alice) and mfa.has_security_key(cast.alice)
