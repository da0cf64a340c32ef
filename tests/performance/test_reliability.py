"""Reliability settings, proven against the database itself.

The process-level checks (a crash, a restart, the database down, backup and restore,
two app instances, the soak) need real servers: ``make reliability`` and ``make soak``.
"""

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.urls import reverse

pytestmark = pytest.mark.django_db


def show(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("name", ["fsync", "synchronous_commit", "full_page_writes"])
def test_a_reported_commit_survives_a_crash(name):
    # with these on, a commit acknowledged to the user is on disk.
    assert show(name) == "on"


def test_connections_persist_with_health_checks_and_time_out():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["connect_timeout"] == 3
    assert show("statement_timeout") == "30s"


def test_queries_are_never_jit_compiled():
    # Pages run short indexed queries: JIT compilation would only add latency.
    assert show("jit") == "off"


def test_a_runaway_statement_is_cut_off_with_an_error():
    # the same mechanism as the 30 s setting, with a limit short enough for a test.
    with pytest.raises(OperationalError, match="statement timeout"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '50ms'")
            cursor.execute("SELECT pg_sleep(5)")
    # The connection is still usable afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_livez_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("livez"))
    assert (response.status_code, response.text) == (200, "ok")
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        assert client.get(reverse("livez")).status_code == 200
        assert client.get(reverse("healthz")).status_code == 503


def test_sessions_live_in_the_database_not_in_a_process():
    # Any app process can serve any request: nothing per-process holds user state.
    from importlib import import_module

    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

    engine = import_module(settings.SESSION_ENGINE)
    assert issubclass(engine.SessionStore, DatabaseStore)
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_the_cache_is_shared_through_the_database():
    from django.core.cache import cache

    cache.set("reliability-check", 41)
    assert cache.incr("reliability-check") == 42
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM nadd_cache")
        assert cursor.fetchone()[0] == 1
