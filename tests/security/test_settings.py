"""Production refuses to start without its secrets; development needs nothing."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ENV"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_without_a_required_variable_stops_with_a_clear_message(missing):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "tracker.example.org",
        "DATABASE_URL": "postgresql://app@127.0.0.1:1/nadd",
    }
    del env[missing]
    result = run_check(**env)
    assert result.returncode != 0
    assert "DJANGO_ENV=production needs these environment variables" in result.stderr
    assert missing in result.stderr


def test_a_database_url_that_is_not_postgresql_is_refused():
    result = run_check(DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "must name a PostgreSQL database" in result.stderr


# Imports the settings and loads every app with the embedded server's start replaced by a
# failure: reading the settings must not start (or even import) the server.
IMPORT_SETTINGS = """
import sys
from unittest import mock
from nadd import embedded_db
with mock.patch.object(embedded_db, "start", side_effect=SystemExit("started")):
    import django
    django.setup()
    from django.conf import settings
    print(settings.DATABASES["default"]["ENGINE"], "pgserver" in sys.modules)
"""


def test_importing_the_settings_starts_no_database():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ENV"}}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SETTINGS],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "nadd.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["nadd.embedded_postgresql", "False"]


def test_the_embedded_server_is_reached_where_the_settings_say(db):
    from django.db import connection

    from nadd import embedded_db

    if "DATABASE_URL" in os.environ:
        pytest.skip("a server named by DATABASE_URL")
    assert connection.settings_dict["ENGINE"] == "nadd.embedded_postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW unix_socket_directories")
        assert cursor.fetchone()[0] == embedded_db.socket_dir() == embedded_db.ensure_running()


def test_the_test_database_is_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"


# --- make run serves the site as people meet it --------------------------------------------

# What the served site answers, asked from inside the process `make run` would start.
SERVED = """
from django.conf import settings
from django.test import Client
client = Client()
missing = client.get("/no-such-page/")
print("DEBUG", settings.DEBUG)
print("404", missing.status_code, "URLconf" in missing.text, "Page not found" in missing.text)
static = client.get("/static/css/app.css")
print("STATIC", static.status_code, type(static).__name__)
"""


def make_run_server_command():
    """The command `make run` serves the site with, as make would run it (``make -n``:
    nothing is run), split into its environment assignments and its arguments."""
    dry_run = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    [line] = [line for line in dry_run.stdout.splitlines() if "manage.py runserver" in line]
    words = shlex.split(line)
    assignments = dict(word.split("=", 1) for word in words if "=" in word.split("/")[0])
    arguments = [word for word in words if "=" not in word.split("/")[0]]
    return assignments, arguments


def served(extra_env):
    assignments, arguments = make_run_server_command()
    python = arguments[arguments.index("manage.py") - 1]
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_ENV"}}
    env.update(assignments)
    env.update(extra_env)
    result = subprocess.run(
        [python, "manage.py", "shell", "-c", SERVED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)


def test_make_run_serves_real_error_pages_and_whitenoise_static_debug_only_when_asked():
    assignments, arguments = make_run_server_command()
    assert "--insecure" not in arguments  # static files are not Django's debug server's job
    answers = served({})
    assert answers["DEBUG"] == "False"
    # The site's own 404 page, not Django's debug page listing every URL pattern.
    assert answers["404"] == "404 False True"
    assert answers["STATIC"] == "200 WhiteNoiseFileResponse"
    # DJANGO_DEBUG=1 make run: a developer asking for the debug pages gets them.
    answers = served({"DJANGO_DEBUG": "1"})
    assert answers["DEBUG"] == "True"
    assert answers["404"].startswith("404 True")
