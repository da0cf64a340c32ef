"""Production refuses to start without its secrets; development needs nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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


def test_the_test_database_is_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
