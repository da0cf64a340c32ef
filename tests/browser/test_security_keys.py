"""Security keys in a real browser: Chromium's virtual authenticator (DevTools' WebAuthn
domain) stands in for a USB key, and django-otp-webauthn's own scripts drive it.

WebAuthn needs a secure context and a domain as relying party id: the live server is
reached as http://localhost (a secure context), never 127.0.0.1.
"""

import json

import pytest
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect
from webauthn.helpers import bytes_to_base64url

from commitments import mfa
from commitments.models import AuditEntry
from tests.browser.conftest import BROWSER_DB, accessibility_violations, sign_in

pytestmark = BROWSER_DB

ADD_KEY = "Add a security key or passkey"
USE_KEY = "Use your security key or passkey"
AUTH_BEGIN = "**/accounts/mfa/webauthn/authentication/begin/"


@pytest.fixture(autouse=True)
def require_mfa(settings, live_server):
    settings.REQUIRE_MFA = True
    assert live_server.url.startswith("http://localhost:"), live_server.url


def add_authenticator(page):
    """A USB security key with a PIN, plugged into this tab."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, authenticator["authenticatorId"]


def watch_errors(page):
    """Console errors and uncaught exceptions (a CSP refusal is a console error)."""
    errors = []

    def on_console(message):
        # The site has no favicon; the browser asks for one anyway.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def sign_out(page):
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url("**/accounts/login/")


def enrol_key(page, user):
    """Sign in with the password and register a first key from the set-up page."""
    sign_in(page, user)
    assert "/accounts/mfa/setup/" in page.url  # no second factor yet: sent to set one up
    page.get_by_role("button", name=ADD_KEY).click()
    page.wait_for_url("**/accounts/mfa/recovery-codes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("status")).to_contain_text("“Security key 1” was added.")
    expect(page.locator("table.security-keys")).to_contain_text("Security key 1")
    return WebAuthnCredential.objects.get(user=user)


def sign_in_with_key(page, user):
    sign_in(page, user)
    assert "/accounts/mfa/verify/" in page.url
    page.get_by_role("button", name=USE_KEY).click()


def test_a_key_is_enrolled_after_the_password_and_then_signs_in(page, cast):
    errors = watch_errors(page)
    add_authenticator(page)
    credential = enrol_key(page, cast.alice)
    assert AuditEntry.objects.filter(action="mfa.enrolled", target_id=str(cast.alice.pk)).exists()
    sign_out(page)

    sign_in_with_key(page, cast.alice)
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the 2024 objectives stand")
    entry = AuditEntry.objects.get(action="auth.otp_verified", actor=cast.alice)
    assert entry.changes["method"] == "security_key"
    credential.refresh_from_db()
    assert credential.sign_count > 0 and credential.last_used_at is not None
    # The library's scripts, its config (json_script) and its catalogue pass our CSP.
    assert errors == []


def test_without_javascript_the_key_buttons_say_a_key_needs_it(browser, live_server, cast):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, cast.bob)
    expect(page.locator("#passkey-registration-placeholder")).to_contain_text("needs JavaScript")
    expect(page.get_by_role("button", name=ADD_KEY)).to_have_count(0)
    context.close()


def test_a_cloned_key_is_refused(page, cast):
    add_authenticator(page)
    enrol_key(page, cast.alice)
    sign_out(page)
    # The stored count is ahead of the authenticator's: the one signing is a copy.
    WebAuthnCredential.objects.filter(user=cast.alice).update(sign_count=1_000_000)
    sign_in_with_key(page, cast.alice)
    expect(page.locator("#passkey-verification-status-message")).to_have_text(
        "This key was not accepted. Try again, or use another key."
    )
    assert "/accounts/mfa/verify/" in page.url
    page.goto(reverse("dashboard"))
    assert "/accounts/mfa/verify/" in page.url
    failed = AuditEntry.objects.get(action="auth.otp_failed", actor=cast.alice)
    assert failed.changes["method"] == "security_key"


def test_another_users_key_is_refused(page, cast):
    add_authenticator(page)
    alices = enrol_key(page, cast.alice)
    sign_out(page)
    enrol_key(page, cast.bob)  # on the same authenticator
    sign_out(page)

    def offer_alices_key(route):
        """What a tampered page would ask the authenticator for: Alice's credential."""
        response = route.fetch()
        options = response.json()
        options["allowCredentials"] = [
            {"id": bytes_to_base64url(bytes(alices.credential_id)), "type": "public-key"}
        ]
        route.fulfill(response=response, body=json.dumps(options))

    page.route(AUTH_BEGIN, offer_alices_key)
    sign_in_with_key(page, cast.bob)
    expect(page.locator("#passkey-verification-status-message")).to_have_text(
        "This key is not registered to your account."
    )
    page.goto(reverse("dashboard"))
    assert "/accounts/mfa/verify/" in page.url
    failed = AuditEntry.objects.get(action="auth.otp_failed", actor=cast.bob)
    assert failed.changes["reason"] == "credential_user_mismatch"
    assert not AuditEntry.objects.filter(action="auth.otp_verified").exists()


def test_a_removed_key_no_longer_signs_in(page, cast):
    add_authenticator(page)
    enrol_key(page, cast.alice)
    mfa.set_totp_device(cast.alice, mfa.new_totp_key(), last_t=-1)  # an app beside it
    page.goto(reverse("mfa_recovery_codes"))
    page.get_by_role("link", name="Remove Security key 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove a security key")
    page.get_by_role("button", name="Remove this key").click()
    # The key that verified this session is gone: the second step is asked again.
    page.wait_for_url("**/accounts/mfa/verify/**")
    assert not WebAuthnCredential.objects.filter(user=cast.alice).exists()
    assert AuditEntry.objects.filter(action="mfa.security_key_removed").exists()
    sign_out(page)

    sign_in(page, cast.alice)
    assert "/accounts/mfa/verify/" in page.url
    expect(page.get_by_role("button", name=USE_KEY)).to_have_count(0)
    status, body = page.evaluate(
        """async () => {
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const response = await fetch("/accounts/mfa/webauthn/authentication/begin/", {
                method: "POST", headers: {"X-CSRFToken": token}});
            return [response.status, await response.json()];
        }"""
    )
    assert status == 400 and body["code"] == "no_security_key"


def test_the_key_pages_have_no_accessibility_violations(page, axe_source, cast):
    add_authenticator(page)
    sign_in(page, cast.alice)
    assert accessibility_violations(page, axe_source) == [], "set-up"
    page.get_by_role("button", name=ADD_KEY).click()
    page.wait_for_url("**/accounts/mfa/recovery-codes/")
    assert accessibility_violations(page, axe_source) == [], "two-factor settings"
    page.get_by_role("link", name="Remove Security key 1").click()
    assert accessibility_violations(page, axe_source) == [], "remove a key"
    sign_out(page)
    sign_in(page, cast.alice)
    expect(page.get_by_role("button", name=USE_KEY)).to_be_visible()
    assert accessibility_violations(page, axe_source) == [], "second step"
