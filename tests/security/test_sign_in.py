"""Passwords, sign-in throttling, enumeration, sessions and timeouts."""

import datetime
import re
import secrets
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher, check_password, make_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    UserAttributeSimilarityValidator,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commitments.models import AuditEntry
from commitments.sessions import SessionStore, UserSession
from commitments.validators import CONTEXT_WORDS, _squash
from tests.conftest import PASSWORD

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
COMMON = CommonPasswordValidator().passwords


def is_short_pattern_repeated(text):
    """Two or more whole copies of something under 15 characters (the last one may be cut)."""
    return any(
        len(text) >= 2 * size and all(char == text[i % size] for i, char in enumerate(text))
        for size in range(1, 15)
    )


def is_acceptable(password):
    """The policy, written out independently of the validators."""
    return (
        len(password) >= 15
        and not password.isdigit()
        and password.lower().strip() not in COMMON
        and not any(_squash(word) in _squash(password) for word in CONTEXT_WORDS)
        and not is_short_pattern_repeated(password.casefold())
        and not is_short_pattern_repeated(_squash(password))
        and len(set(password.casefold())) >= 5
    )


# --- password policy -------------------------------------------------------------------


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
@example("aaaaaaaaaaaaaaa")
@example("abcabcabcabcabc")
@example("Hello world! Hello world!")
@example("correct horse battery staple correct horse battery staple")
@example("aabbaabbaabbaabbx")
def test_password_policy_property(password):
    try:
        validate_password(password)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == is_acceptable(password), password


@hypothesis_settings(max_examples=30, deadline=None)
@given(st.text(min_size=15, max_size=200))
def test_passwords_are_never_truncated_or_case_folded(password):
    encoded = make_password(password, hasher="md5")
    assert check_password(password, encoded)
    assert not check_password(password[:-1], encoded)
    if password.swapcase() != password:
        assert not check_password(password.swapcase(), encoded)


def test_long_passwords_of_any_composition_are_accepted():
    for password in [
        "😀 lemon tree by the river 😀",
        "ábcdéfghíjklmnó",
        "all lowercase words and no digits",
        "correct horse battery staple correct horse battery staple",
        "bookkeeper committee balloon",
    ]:
        validate_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaa",
        "a" * 64,
        "zq" * 100,
        "abcabcabcabcabc",
        "AbcAbcAbcAbcAbcAb",
        "Hello world! Hello world!",
        "summer-summer-summer",
        "aaaaaaaaaaaaaab",
        "abba baab abba baab x",
    ],
)
def test_a_short_pattern_repeated_or_a_handful_of_characters_is_refused(password):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert {e.code for e in error.value.error_list} & {
        "password_repeated",
        "password_too_few_characters",
    }


@pytest.mark.parametrize(
    "password",
    [
        "alicealicealice",
        "AliceAliceAlice",
        "alice.smith.alice.smith",
        "SmithAliceSmith",
        "asmith-asmith-asmith",
        "alicesmithalice2024!",
        "alice alice alice smith",
    ],
)
def test_the_users_own_names_repeated_or_joined_are_refused(cast, password):
    user = cast.alice
    user.last_name, user.email = "Smith", "asmith@international.gc.ca"
    # Django's similarity rule lets them through (it compares with each name as a whole).
    UserAttributeSimilarityValidator().validate(password, user)
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert "password_own_names" in {e.code for e in error.value.error_list}


def test_a_passphrase_that_merely_mentions_a_name_is_accepted(cast):
    validate_password("alice in wonderland by the sea", cast.alice)
    validate_password("a walk with alice on tuesday", cast.alice)


def test_the_password_change_page_refuses_repetition_and_own_names_in_the_users_language(
    client, cast
):
    client.force_login(cast.alice)
    page = client.get(reverse("password_change")).text
    assert "cannot be a short pattern repeated" in page
    assert "cannot be your user name" in page
    for new, message in [
        ("alicealicealice", "made of your user name"),
        ("aaaaaaaaaaaaaaa", "short pattern repeated"),
    ]:
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 200 and message in response.text, new
        cast.alice.refresh_from_db()
        assert cast.alice.check_password(PASSWORD)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        validate_password("alicealicealice", cast.alice)
    assert "votre nom d’utilisateur" in " ".join(error.value.messages)


def test_a_new_password_too_long_to_sign_in_with_is_refused(client, cast):
    client.force_login(cast.alice)
    huge = secrets.token_urlsafe(4000)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": huge, "new_password2": huge},
    )
    assert response.status_code == 200
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(PASSWORD)


def test_a_common_password_of_fifteen_characters_is_refused():
    common = next(p for p in sorted(COMMON) if len(p) >= 15 and is_acceptable(p + "!") is True)
    with pytest.raises(ValidationError):
        validate_password(common)


def test_the_context_word_message_is_translatable_and_helpful():
    with pytest.raises(ValidationError) as error:
        validate_password("Welcome to Canada, friends!!")
    assert "canada" in error.value.messages[0]


# --- throttling ------------------------------------------------------------------------

OFFICE = "203.0.113.10"  # one government office behind one NAT
ELSEWHERE = "198.51.100.20"
WRONG = "wrong password, try again"


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def browser(address=OFFICE):
    """A browser with no cookies yet, at ``address``."""
    return Client(REMOTE_ADDR=address)


def minutes(response):
    return int(response["Retry-After"]) / 60


def test_the_sign_in_limits_are_the_documented_ones():
    assert django_settings.SIGN_IN_LOCKOUTS == [
        (["ip_address", "username"], 5),
        (["username"], 20),
    ]
    assert django_settings.SIGN_IN_LOCK_FIRST == datetime.timedelta(minutes=15)
    assert django_settings.SIGN_IN_LOCK_LONGEST == datetime.timedelta(hours=4)
    assert django_settings.AXES_COOLOFF_TIME == datetime.timedelta(hours=24)
    assert django_settings.RATE_LIMITS["login_failures_hour"] == (100, 3600, "ip")
    assert django_settings.RATE_LIMITS["login_failures_day"] == (300, 86400, "ip")
    assert "login" not in django_settings.RATE_LIMITS  # successful sign-ins are never capped


def test_five_hundred_officials_signing_in_from_one_address_within_an_hour_all_get_in(db):
    encoded = make_password(PASSWORD)
    get_user_model().objects.bulk_create(
        get_user_model()(username=f"official{n:03}", password=encoded) for n in range(500)
    )
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(500):
            client = browser()
            if n % 10 == 0:  # one in ten mistypes first, as people do at nine in the morning
                assert sign_in(client, f"official{n:03}", "mistyped password").status_code == 200
            assert sign_in(client, f"official{n:03}", PASSWORD).status_code == 302, n
            traveller.shift(datetime.timedelta(seconds=7))  # 500 sign-ins in 58 minutes


def test_guessing_one_password_from_one_address_locks_that_address_out_of_that_account(cast):
    with time_machine.travel(START, tick=False) as traveller:
        attacker = browser()
        for _ in range(4):
            assert sign_in(attacker, "alice", WRONG).status_code == 200
        fifth = sign_in(attacker, "alice", WRONG)
        assert fifth.status_code == 429 and minutes(fifth) == 15
        # Locked for 15 minutes: not even the right password is checked, from any browser there.
        locked = sign_in(browser(), "alice", PASSWORD)
        assert locked.status_code == 429 and minutes(locked) == 15
        assert "Too many attempts" in locked.text and "15 minutes" in locked.text
        assert SESSION_KEY not in locked.wsgi_request.session
        # Refused attempts during the lock are no failures: they neither extend nor escalate it.
        for _ in range(20):
            assert sign_in(attacker, "alice", WRONG).status_code == 429
        # Colleagues at that address are not locked, nor is alice anywhere else; and her
        # signing in elsewhere does not clear what the attacker did here.
        assert sign_in(browser(), "bob", PASSWORD).status_code == 302
        assert sign_in(browser(ELSEWHERE), "alice", PASSWORD).status_code == 302
        traveller.shift(datetime.timedelta(minutes=14, seconds=59))
        assert sign_in(browser(), "alice", PASSWORD).status_code == 429
        traveller.shift(datetime.timedelta(seconds=2))
        assert sign_in(browser(), "alice", PASSWORD).status_code == 302


def test_each_failure_after_a_lock_locks_again_for_longer_up_to_four_hours(cast):
    waits = []
    with time_machine.travel(START, tick=False) as traveller:
        attacker = browser()
        for failure in range(1, 31):
            response = sign_in(attacker, "alice", WRONG)
            assert response.status_code == (429 if failure >= 5 else 200)
            if failure >= 5:
                waits.append(minutes(response))
                traveller.shift(datetime.timedelta(seconds=int(response["Retry-After"]) + 1))
    assert waits == [15] * 5 + [30] * 5 + [60] * 5 + [120] * 5 + [240] * 6


def test_failures_are_remembered_for_a_day_after_the_last_one(cast):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            assert sign_in(browser(), "alice", WRONG).status_code == 200
        traveller.shift(datetime.timedelta(hours=23))  # a slow guesser gains nothing
        assert sign_in(browser(), "alice", WRONG).status_code == 429
        for _ in range(4):
            assert sign_in(browser(), "bob", WRONG).status_code == 200
        traveller.shift(datetime.timedelta(hours=24, seconds=1))
        for _ in range(4):
            assert sign_in(browser(), "bob", WRONG).status_code == 200


def test_guessing_one_password_from_many_addresses_locks_the_account_everywhere(cast):
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(19):
            assert sign_in(browser(f"192.0.2.{n + 1}"), "alice", WRONG).status_code == 200
        assert sign_in(browser("192.0.2.100"), "alice", WRONG).status_code == 429
        assert sign_in(browser(ELSEWHERE), "alice", PASSWORD).status_code == 429
        assert sign_in(browser(ELSEWHERE), "bob", PASSWORD).status_code == 302
        traveller.shift(datetime.timedelta(minutes=15, seconds=1))
        assert sign_in(browser(ELSEWHERE), "alice", PASSWORD).status_code == 302


def test_password_spraying_from_one_address_is_refused_while_known_browsers_sign_in(cast, settings):
    limit = settings.RATE_LIMITS["login_failures_hour"][0]
    with time_machine.travel(START, tick=False) as traveller:
        alices_browser = browser()
        assert sign_in(alices_browser, "alice", PASSWORD).status_code == 302
        alices_browser.post(reverse("logout"))
        # A few guesses at each of many usernames, from one address, changing browser.
        sprayer = browser()
        for n in range(limit):
            agent = f"Browser/{n}"
            response = sign_in(sprayer, f"user{n % 40}", "Winter2026!Winter", HTTP_USER_AGENT=agent)
            assert response.status_code == 200, n
        # Past the limit, a browser that has not signed in to the account is refused
        # without its password being checked, the right password included.
        refused = sign_in(sprayer, "bob", PASSWORD)
        assert refused.status_code == 429 and 0 < minutes(refused) <= 60
        assert "failed from your network" in refused.text
        assert sign_in(browser(), "bob", PASSWORD).status_code == 429
        # A browser where alice has signed in still signs her in, and her only.
        assert sign_in(alices_browser, "alice", PASSWORD).status_code == 302
        borrowed = browser()
        borrowed.cookies = alices_browser.cookies
        assert sign_in(borrowed, "bob", PASSWORD).status_code == 429
        forged = browser()
        forged.cookies[settings.SIGN_IN_DEVICE_COOKIE_NAME] = "0123456789abcdef01234567:x:y"
        assert sign_in(forged, "bob", PASSWORD).status_code == 429
        # Other addresses are not slowed, and the address is open again an hour on.
        assert sign_in(browser(ELSEWHERE), "bob", PASSWORD).status_code == 302
        traveller.shift(datetime.timedelta(hours=1))
        assert sign_in(browser(), "bob", PASSWORD).status_code == 302


def test_the_device_cookie_names_no_account_and_scripts_cannot_read_it(cast, settings):
    client = browser()
    response = sign_in(client, "alice", PASSWORD)
    cookie = response.cookies[settings.SIGN_IN_DEVICE_COOKIE_NAME]
    assert "alice" not in cookie.value
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 90 * 24 * 60 * 60


def test_a_spraying_address_also_has_a_daily_allowance(cast, settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "login_failures_hour": (3, 3600, "ip"),
        "login_failures_day": (5, 86400, "ip"),
    }
    with time_machine.travel(START, tick=False) as traveller:  # 09:00 UTC
        for n in range(3):
            assert sign_in(browser(), f"user{n}", WRONG).status_code == 200
        assert sign_in(browser(), "bob", PASSWORD).status_code == 429
        traveller.shift(datetime.timedelta(hours=1))
        for n in range(2):
            assert sign_in(browser(), f"user{n}", WRONG).status_code == 200
        refused = sign_in(browser(), "bob", PASSWORD)
        assert refused.status_code == 429 and minutes(refused) == 14 * 60  # until midnight UTC
        traveller.shift(datetime.timedelta(hours=14))
        assert sign_in(browser(), "bob", PASSWORD).status_code == 302


def test_an_ipv6_sprayer_cannot_escape_by_changing_address_within_its_network(cast, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failures_hour": (3, 3600, "ip")}
    with time_machine.travel(START, tick=False):
        for n in range(3):
            assert sign_in(browser(f"2001:db8:0:1::{n + 1:x}"), "ghost", WRONG).status_code == 200
        assert sign_in(browser("2001:db8:0:1:ffff::9"), "bob", PASSWORD).status_code == 429
        assert sign_in(browser("2001:db8:0:2::1"), "bob", PASSWORD).status_code == 302


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
def test_control_characters_in_headers_never_spare_a_failed_sign_in(cast, forged, settings):
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
def test_a_username_with_control_characters_is_a_counted_failed_sign_in(cast, username, settings):
    limit = dict((tuple(p), n) for p, n in settings.SIGN_IN_LOCKOUTS)[("ip_address", "username")]
    with time_machine.travel(START, tick=False):
        for _ in range(limit - 1):
            response = sign_in(Client(), username, PASSWORD)
            assert response.status_code == 200
            assert WRONG in response.text  # the answer to any wrong username or password
        assert sign_in(Client(), username, PASSWORD).status_code == 429  # the last allowed
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == limit
    assert attempt.username == username.encode("unicode_escape").decode()
    entry = AuditEntry.objects.filter(action="auth.login_failed").first()
    assert entry.target_repr == attempt.username and entry.target_id == ""


def test_a_password_with_control_characters_is_a_wrong_password(cast):
    response = sign_in(Client(), "alice", "\x00\x01" + PASSWORD)
    assert WRONG in response.text
    assert AccessAttempt.objects.get().username == "alice"


# --- enumeration ----------------------------------------------------------------------


def normalized(response, username):
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text)
    return text.replace(username, "USERNAME")


def test_unknown_and_known_usernames_get_the_same_answer(cast):
    known = sign_in(Client(), "alice", "not her password at all")
    unknown = sign_in(Client(), "nosuchuser", "not her password at all")
    assert known.status_code == unknown.status_code == 200
    assert normalized(known, "alice") == normalized(unknown, "nosuchuser")


def test_the_password_is_hashed_for_unknown_users_too(cast):
    # Equal work is what makes the timings equal: one hash either way.
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True) as encode:
        encode.side_effect = lambda self, password, salt: f"md5${salt}$x"
        sign_in(Client(), "alice", "wrong-password-here")
        known = encode.call_count
        sign_in(Client(), "nosuchuser", "wrong-password-here")
        unknown = encode.call_count - known
    assert known == unknown == 1


# --- session fixation and logout ---------------------------------------------------------


def test_sign_in_rotates_the_session_and_the_old_key_is_dead(cast):
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


def test_logout_is_post_only_and_deletes_the_session_row(cast):
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


# --- idle and absolute timeouts --------------------------------------------------------


def test_thirty_minutes_idle_ends_the_session(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert not UserSession.objects.filter(user=cast.alice).exists()


def test_twelve_hours_after_sign_in_the_session_ends_despite_activity(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        for _ in range(12 * 6):
            traveller.shift(datetime.timedelta(minutes=10))
            assert client.get(reverse("password_change")).status_code == 200
        traveller.shift(datetime.timedelta(seconds=1))
        response = client.get(reverse("password_change"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_values_are_the_documented_ones():
    assert django_settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert django_settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60


# --- ending sessions on account changes ------------------------------------------------


def test_deactivation_ends_every_session_now(cast):
    first, second = Client(), Client()
    first.force_login(cast.alice)
    second.force_login(cast.alice)
    assert UserSession.objects.filter(user=cast.alice).count() == 2
    cast.alice.is_active = False
    cast.alice.save()
    assert not UserSession.objects.filter(user=cast.alice).exists()
    assert first.get(reverse("dashboard")).status_code == 302


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(cast):
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


def test_an_admin_can_sign_a_user_out_everywhere(cast):
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


def test_behind_a_proxy_failures_count_for_the_client_not_the_proxy(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failures_hour": (2, 3600, "ip")}
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


def test_a_forwarded_header_that_is_not_an_address_is_ignored(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = sign_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR="<script>, not-an-ip")
    assert response.status_code == 200


def test_every_signed_in_page_has_the_sign_out_control(client, cast, sample):
    from tests.support.urls import MATRIX, url_for

    client.force_login(cast.carol)
    checked = 0
    for name in MATRIX:
        response = client.get(url_for(name, sample))
        if response.status_code == 200 and "text/html" in response["Content-Type"]:
            assert 'action="/accounts/logout/"' in response.text, name
            checked += 1
    assert checked >= 10
