"""Passwords, sign-in throttling, enumeration, sessions and timeouts (QUALITY S8-S10, S12-S14)."""

import datetime
import re
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher, check_password, make_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commitments.models import AuditEntry
from commitments.sessions import SessionStore, UserSession
from commitments.validators import CONTEXT_WORDS, _squash
from tests import test_permissions
from tests.conftest import PASSWORD

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
COMMON = CommonPasswordValidator().passwords


def is_acceptable(password):
    """The policy, written out independently of the validators."""
    return (
        len(password) >= 15
        and not password.isdigit()
        and password.lower().strip() not in COMMON
        and not any(_squash(word) in _squash(password) for word in CONTEXT_WORDS)
    )


# --- S8: password policy -------------------------------------------------------------------


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
@example("")
@example("short-but-ok")
@example("x" * 14)
@example("x" * 15)
@example("correct horse battery staple " * 3)
@example("Ünïcödé ☃ pässwörd with spaces")
@example("1234567890123456789")
@example("I love Canada and maple syrup")
@example("mexico-city-nights-in-november")
@example("our COOPERATION will prevail, surely")
@example("Objective: survive the meeting")
@example("n.a.d.d. is my favourite dialogue")
def test_s8_password_policy_property(password):
    try:
        validate_password(password)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == is_acceptable(password), password


@hypothesis_settings(max_examples=30, deadline=None)
@given(st.text(min_size=15, max_size=200))
def test_s8_passwords_are_never_truncated_or_case_folded(password):
    encoded = make_password(password, hasher="md5")
    assert check_password(password, encoded)
    assert not check_password(password[:-1], encoded)
    if password.swapcase() != password:
        assert not check_password(password.swapcase(), encoded)


def test_s8_long_passwords_of_any_composition_are_accepted():
    for password in ["a" * 64, "zq" * 100, "😀 lemon tree by the river 😀", "ábcdéfghíjklmnó"]:
        validate_password(password)


def test_s8_a_common_password_of_fifteen_characters_is_refused():
    common = next(p for p in sorted(COMMON) if len(p) >= 15 and is_acceptable(p + "!") is True)
    with pytest.raises(ValidationError):
        validate_password(common)


def test_s8_the_context_word_message_is_translatable_and_helpful():
    with pytest.raises(ValidationError) as error:
        validate_password("Welcome to Canada, friends!!")
    assert "canada" in error.value.messages[0]


# --- S9: throttling ------------------------------------------------------------------------


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_s9_ten_wrong_passwords_lock_the_username_not_the_office(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(10):
            assert sign_in(client, "alice", "wrong password, try again").status_code in {200, 429}
        locked = sign_in(client, "alice", PASSWORD)
        assert locked.status_code == 429
        assert "Too many attempts" in locked.text
        assert SESSION_KEY not in client.session
        # Same address, another account: not locked (no NAT-wide lockouts).
        other = Client()
        assert sign_in(other, "bob", PASSWORD).status_code == 302
        # Still locked 14 minutes later, open again after the 15-minute cool-off.
        traveller.shift(datetime.timedelta(minutes=14))
        assert sign_in(Client(), "alice", PASSWORD).status_code == 429
        traveller.shift(datetime.timedelta(minutes=16))
        assert sign_in(Client(), "alice", PASSWORD).status_code == 302


def test_s9_there_is_a_per_address_cap_on_sign_in_attempts(client, cast, settings):
    assert settings.RATE_LIMITS["login"][0] >= 20  # generous in real life: 100 an hour
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (5, 3600, "ip")}
    with time_machine.travel(START, tick=False):
        for n in range(5):
            assert sign_in(client, f"nobody{n}", "wrong", REMOTE_ADDR="10.0.0.1").status_code == 200
        assert sign_in(client, "bob", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429
        assert sign_in(client, "bob", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302


WRONG = "Please enter a correct username and password"


@pytest.mark.parametrize(
    "forged",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0\x00\x01\r\nX-Forged: 1"},
        {"HTTP_X_FORWARDED_FOR": "203.0.113.7\x00, \x1b[31m"},
        {"HTTP_ACCEPT": "text/html\x00"},
    ],
    ids=["user-agent", "x-forwarded-for", "accept"],
)
def test_s9_control_characters_in_headers_never_spare_a_failed_sign_in(cast, forged, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(START, tick=False):
        for _ in range(10):
            response = sign_in(Client(), "alice", "wrong password, try again", **forged)
            assert response.status_code in {200, 429}
        assert WRONG in sign_in(Client(), "bob", "wrong password", **forged).text
        # Every one was counted: alice is locked out, the header or not.
        assert sign_in(Client(), "alice", PASSWORD, **forged).status_code == 429
        assert sign_in(Client(), "alice", PASSWORD).status_code == 429
    for attempt in AccessAttempt.objects.all():
        assert "\x00" not in attempt.user_agent + attempt.http_accept + attempt.username
    assert AuditEntry.objects.filter(action="auth.login_failed").count() >= 11


@pytest.mark.parametrize(
    "username", ["alice\x00", "\x00", "ali\x01ce", "alice\r\nforged", "\u202ealice"]
)
def test_s9_a_username_with_control_characters_is_a_counted_failed_sign_in(cast, username):
    with time_machine.travel(START, tick=False):
        for _ in range(9):
            response = sign_in(Client(), username, PASSWORD)
            assert response.status_code == 200
            assert WRONG in response.text  # the answer to any wrong username or password
        assert sign_in(Client(), username, PASSWORD).status_code == 429  # the tenth
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 10
    assert attempt.username == username.encode("unicode_escape").decode()
    entry = AuditEntry.objects.filter(action="auth.login_failed").first()
    assert entry.target_repr == attempt.username and entry.target_id == ""


def test_s9_a_password_with_control_characters_is_a_wrong_password(cast):
    response = sign_in(Client(), "alice", "\x00\x01" + PASSWORD)
    assert WRONG in response.text
    assert AccessAttempt.objects.get().username == "alice"


# --- S10: enumeration ----------------------------------------------------------------------


def normalized(response, username):
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text)
    return text.replace(username, "USERNAME")


def test_s10_unknown_and_known_usernames_get_the_same_answer(cast):
    known = sign_in(Client(), "alice", "not her password at all")
    unknown = sign_in(Client(), "nosuchuser", "not her password at all")
    assert known.status_code == unknown.status_code == 200
    assert normalized(known, "alice") == normalized(unknown, "nosuchuser")


def test_s10_the_password_is_hashed_for_unknown_users_too(cast):
    # Equal work is what makes the timings equal: one hash either way.
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True) as encode:
        encode.side_effect = lambda self, password, salt: f"md5${salt}$x"
        sign_in(Client(), "alice", "wrong-password-here")
        known = encode.call_count
        sign_in(Client(), "nosuchuser", "wrong-password-here")
        unknown = encode.call_count - known
    assert known == unknown == 1


# --- S12: session fixation and logout ---------------------------------------------------------


def test_s12_sign_in_rotates_the_session_and_the_old_key_is_dead(cast):
    client = Client()
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = planted.session_key
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    new_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    assert re.fullmatch(r"[a-z0-9]{32}", new_key)  # 32 of 36 symbols: > 160 bits
    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = planted.session_key
    assert attacker.get(reverse("dashboard")).status_code == 302
    assert UserSession.objects.get(session_key=new_key).user == cast.alice


def test_s12_logout_is_post_only_and_deletes_the_session_row(cast):
    client = Client()
    sign_in(client, "alice", PASSWORD)
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    for name in ["dashboard", "update_list", "objective_list", "password_change"]:
        assert 'action="/accounts/logout/"' in client.get(reverse(name)).text, name
    assert client.get(reverse("logout")).status_code == 405
    assert UserSession.objects.filter(session_key=key).exists()
    assert client.post(reverse("logout")).status_code == 302
    assert not UserSession.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    response = replay.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- S13: idle and absolute timeouts --------------------------------------------------------


def test_s13_thirty_minutes_idle_ends_the_session(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert not UserSession.objects.filter(user=cast.alice).exists()


def test_s13_twelve_hours_after_sign_in_the_session_ends_despite_activity(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        for _ in range(12 * 6):
            traveller.shift(datetime.timedelta(minutes=10))
            assert client.get(reverse("password_change")).status_code == 200
        traveller.shift(datetime.timedelta(seconds=1))
        response = client.get(reverse("password_change"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_s13_the_values_are_the_documented_ones():
    assert django_settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert django_settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60


# --- S14: ending sessions on account changes ------------------------------------------------


def test_s14_deactivation_ends_every_session_now(cast):
    first, second = Client(), Client()
    first.force_login(cast.alice)
    second.force_login(cast.alice)
    assert UserSession.objects.filter(user=cast.alice).count() == 2
    cast.alice.is_active = False
    cast.alice.save()
    assert not UserSession.objects.filter(user=cast.alice).exists()
    assert first.get(reverse("dashboard")).status_code == 302


def test_s14_a_password_change_ends_the_other_sessions_and_keeps_this_one(cast):
    mine, other = Client(), Client()
    mine.force_login(cast.alice)
    other.force_login(cast.alice)
    response = mine.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new long passphrase 42",
            "new_password2": "a brand new long passphrase 42",
        },
    )
    assert response.status_code == 302
    assert mine.get(reverse("dashboard")).status_code == 200
    assert other.get(reverse("dashboard")).status_code == 302
    assert UserSession.objects.filter(user=cast.alice).count() == 1


def test_s14_an_admin_can_sign_a_user_out_everywhere(cast):
    victim = Client()
    victim.force_login(cast.alice)
    admin = Client()
    admin.force_login(cast.dave)
    response = admin.post(
        "/admin/auth/user/",
        {"action": "end_sessions", "_selected_action": [cast.alice.pk]},
    )
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=cast.alice).exists()
    assert victim.get(reverse("dashboard")).status_code == 302


def test_s9_behind_a_proxy_the_cap_counts_the_client_not_the_proxy(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (2, 3600, "ip")}
    proxy = {"REMOTE_ADDR": "10.9.9.9"}
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            sign_in(client, "ghost", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
        # A forged left-most entry does not help: the proxy's own entry is the last one.
        forged = sign_in(
            client, "bob", PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy
        )
        assert forged.status_code == 429
        other = sign_in(client, "bob", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
        assert other.status_code == 302


def test_s9_a_forwarded_header_that_is_not_an_address_is_ignored(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = sign_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR="<script>, not-an-ip")
    assert response.status_code == 200


def test_s12_every_signed_in_page_has_the_sign_out_control(client, cast, sample):
    from tests.test_permissions import MATRIX, url_for

    client.force_login(cast.carol)
    checked = 0
    for name in MATRIX:
        response = client.get(url_for(name, sample))
        if response.status_code == 200 and "text/html" in response["Content-Type"]:
            assert 'action="/accounts/logout/"' in response.text, name
            checked += 1
    assert checked >= 10


sample = test_permissions.sample  # the sweep's fixture: one update, sample ids
