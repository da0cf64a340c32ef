"""Production configuration, headers, cookies, error pages and exposure."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from commitments.models import AuditEntry, ProgressUpdate
from commitments.request_id import RequestIDLogFilter
from tests.support.urls import MATRIX, url_for

ROOT = Path(__file__).resolve().parents[2]
CHECK_ROLE = "nadd_check"  # a non-superuser role, as production must use


# What this test process may carry that a production environment never has: settings under
# test, pyenv's, and DJANGO_ALLOW_ASYNC_UNSAFE (set by tests/browser/conftest.py for
# Playwright, which the deploy check rightly refuses).
NOT_PRODUCTION = {
    "TRUSTED_PROXY_COUNT",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DJANGO_DEBUG",
    "REQUIRE_MFA",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(database_url):
    env = {
        k: v for k, v in os.environ.items() if k not in NOT_PRODUCTION and not k.startswith("PYENV")
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tracker.example.org",
        DATABASE_URL=database_url,
        TRUSTED_PROXY_COUNT="1",
    )
    return env


def app_role_database_url():
    """The embedded server, reached as a plain (non-superuser) login role."""
    with psycopg2.connect(django_settings.DATABASE_URL) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [CHECK_ROLE])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE ROLE {CHECK_ROLE} LOGIN")
    return django_settings.DATABASE_URL.replace("postgres:@", f"{CHECK_ROLE}:unused@")


def run_deploy_check(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_the_production_environment():
    result = run_deploy_check(production_env(app_role_database_url()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


def test_the_deploy_check_fails_when_production_runs_as_the_postgres_superuser():
    result = run_deploy_check(production_env(django_settings.DATABASE_URL))
    assert result.returncode != 0
    assert "commitments.W001" in result.stdout + result.stderr


def test_the_deploy_check_fails_until_the_proxy_count_is_set():
    # Unset behind a proxy, every client would share the proxy's address for sign-in limits.
    env = production_env(app_role_database_url())
    del env["TRUSTED_PROXY_COUNT"]
    result = run_deploy_check(env)
    assert result.returncode != 0
    assert "commitments.W003" in result.stdout + result.stderr
    env["TRUSTED_PROXY_COUNT"] = "0"  # said explicitly: clients connect directly
    assert run_deploy_check(env).returncode == 0


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env = production_env(app_role_database_url())
    del env["SECRET_KEY"]
    env["SECRET_KEY_FILE"] = str(key_file)
    result = run_deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_secret_in_the_repository():
    text = (ROOT / "nadd" / "settings.py").read_text()
    assert re.search(r"SECRET_KEY\s*=\s*os\.environ", text)
    assert "dev-only-insecure-key" in text  # the only literal key, refused in production


# --- headers and cookies over a response matrix --------------------------------


@pytest.fixture
def production(settings):
    """This process, with the production security settings applied (DEBUG off, HTTPS)."""
    for name, value in settings.PRODUCTION_SECURITY.items():
        setattr(settings, name, value)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver", "tracker.example.org"]
    return settings


def https_client(**extra):
    # SECURE_PROXY_SSL_HEADER: the proxy tells us the request came over TLS.
    return Client(HTTP_X_FORWARDED_PROTO="https", raise_request_exception=False, **extra)


def assert_security_headers(response, html):
    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert directives["default-src"] in (["'none'"], ["'self'"])
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.get("X-Frame-Options", "DENY") == "DENY"
    if html:
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", response["X-Request-ID"])


@pytest.fixture
def boom(settings):
    """A URLconf with one extra route that raises, to see the 500 page."""
    settings.ROOT_URLCONF = "tests.urls_boom"


@pytest.mark.parametrize("role", ["anonymous", "bob", "carol", "dave"])
def test_every_kind_of_response_carries_the_security_headers(
    production, boom, cast, make_update, role
):
    update = make_update()
    client = https_client()
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    cases = {
        "page": (reverse("login") if role == "anonymous" else reverse("dashboard"), None),
        "redirect": ("/updates/" if role == "anonymous" else "/admin/login/", 302),
        "forbidden": (reverse("update_create", args=[update.objective_id]), None),
        "not found": ("/no/such/page/", 404),
        "error": ("/boom/", None),
        "static": ("/static/css/app.css", 200),
    }
    for label, (path, expected) in cases.items():
        response = client.get(path)
        if expected:
            assert response.status_code == expected, label
        assert_security_headers(response, html="text/html" in response.get("Content-Type", ""))
        if role != "anonymous" and label != "static":
            # nothing a signed-in user sees may be kept in a cache.
            assert "no-store" in response["Cache-Control"], label
    if role != "anonymous":
        assert client.get("/updates/").status_code == 200


def test_cookies_are_host_prefixed_secure_and_httponly(production, cast):
    from tests.conftest import PASSWORD

    client = https_client()
    client.get(reverse("login"))
    csrf = client.cookies["__Host-csrftoken"]
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
    )
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    for cookie in (session, csrf):
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert not cookie["domain"]
    assert session["httponly"] is True
    assert session["samesite"] in {"Lax", "Strict"}
    assert "sessionid" not in client.cookies and "csrftoken" not in client.cookies
    later = client.get(reverse("dashboard"))
    assert later.status_code == 200
    assert sum(len(morsel.OutputString()) for morsel in client.cookies.values()) < 4096


def test_the_language_cookie_is_host_prefixed_too(production, cast):
    client = https_client()
    client.force_login(cast.alice)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies["__Host-language"]
    assert (cookie.value, cookie["secure"], cookie["httponly"], cookie["path"]) == (
        "es",
        True,
        True,
        "/",
    )
    assert not cookie["domain"]


def test_signed_in_responses_are_never_cached_anonymous_static_may_be(production, cast):
    client = https_client()
    client.force_login(cast.alice)
    for name in ["dashboard", "update_list", "password_change", "mfa_recovery_codes"]:
        assert "no-store" in client.get(reverse(name))["Cache-Control"], name


# --- error pages --------------------------------------------------------------------

LEAKS = ["Traceback", "django", "Django", "psycopg", "SELECT ", "settings.py", "Python", "/work/"]


def test_a_crash_shows_the_generic_page_and_logs_the_request_id(production, boom, caplog):
    response = https_client().get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    for leak in LEAKS + ["ZeroDivisionError", "secret sauce"]:
        assert leak not in response.text, leak
    request_id = response["X-Request-ID"]
    errors = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is not None
    RequestIDLogFilter().filter(errors[0])  # the filter the console handler applies
    assert errors[0].request_id == request_id


def test_not_found_and_bad_host_reveal_nothing(production, cast):
    client = https_client()
    client.force_login(cast.bob)
    missing = client.get("/updates/999999/")
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    bad_host = https_client().get(reverse("login"), HTTP_HOST="evil.example.com")
    assert bad_host.status_code == 400
    for response in (missing, bad_host):
        for leak in LEAKS:
            assert leak not in response.text, leak
        assert "Server" not in response


# --- methods and probes --------------------------------------------------------------


@pytest.mark.parametrize("method", ["trace", "put", "delete", "patch", "options"])
def test_other_methods_answer_405_on_every_route(client, cast, sample, method):
    counts = (ProgressUpdate.objects.count(), AuditEntry.objects.count())
    for role in [None, cast.alice, cast.carol]:
        if role:
            client.force_login(role)
        for name in MATRIX:
            response = getattr(client, method)(url_for(name, sample))
            assert response.status_code == 405, (name, method)
        assert getattr(client, method)("/static/css/app.css").status_code == 405
    assert (ProgressUpdate.objects.count(), AuditEntry.objects.count()) == counts


def test_the_allow_header_lists_what_each_view_accepts(client, cast):
    assert client.put(reverse("healthz"))["Allow"] == "GET"
    assert client.delete(reverse("login"))["Allow"] == "GET, HEAD, POST"
    client.force_login(cast.alice)
    assert client.trace(reverse("update_list"))["Allow"] == "GET"


def test_no_get_changes_state(client, cast, sample):
    counts = lambda: (  # noqa: E731
        ProgressUpdate.objects.count(),
        AuditEntry.objects.count(),
        ProgressUpdate.objects.get(pk=sample["pk"]).version,
    )
    before = counts()
    for role in [cast.alice, cast.bob, cast.carol, cast.dave]:
        client.force_login(role)
        for name in MATRIX:
            if name != "logout":
                client.get(url_for(name, sample))
    assert counts() == before


@pytest.mark.parametrize(
    "path", ["/.git/HEAD", "/static/../settings.py", "/__debug__/", "/media/", "/.env", "/nadd/"]
)
def test_probes_find_nothing(production, cast, path):
    client = https_client()
    client.force_login(cast.alice)
    assert client.get(path).status_code == 404


def test_no_debug_toolbar_in_installed_apps(settings):
    assert not any("debug_toolbar" in app for app in settings.INSTALLED_APPS)


# --- no default accounts -------------------------------------------------------------


def test_migrations_create_no_account(db):
    assert not get_user_model().objects.exists()


def test_demo_accounts_are_refused_in_production(settings, db):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never created in production"):
        call_command("load_demo")
    assert not get_user_model().objects.filter(username__in=["admin", "root", "test"]).exists()
