"""Reliability settings, proven against the database itself.

The process-level checks (a crash, a restart, the database down, backup and restore,
two app instances, the soak) need real servers: ``make reliability`` and ``make soak``.
"""

from unittest import mock
from uuid import uuid4

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from commitments.models import AuditEntry, ProgressUpdate

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


# --- The database unreachable: 503 with the site's own page, never 500 ----------------


@pytest.fixture
def outage():
    """While active, every statement fails as a dropped or refused connection does."""

    class Outage:
        def __init__(self):
            self.failing = False
            self.only = None  # a fragment of SQL: fail only statements containing it

        def __enter__(self):
            self.failing = True

        def __exit__(self, *exc):
            self.failing = False

    state = Outage()
    real_execute = CursorWrapper.execute

    def execute(cursor, sql, params=None):
        if state.failing and (state.only is None or state.only in sql):
            raise OperationalError("server closed the connection unexpectedly")
        return real_execute(cursor, sql, params)

    with mock.patch.object(CursorWrapper, "execute", execute):
        yield state


@pytest.fixture
def browser(cast):
    """A signed-in coordinator whose requests reach the error handler, as in production."""
    client = Client(raise_request_exception=False)
    client.force_login(cast.carol)
    return client


@pytest.mark.parametrize("name", ["dashboard", "update_list", "objective_list", "review_queue"])
def test_pages_answer_503_with_retry_after_while_the_database_is_down(browser, outage, name):
    with outage:
        response = browser.get(reverse(name))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert "The service is briefly unavailable" in response.text
    assert "Something went wrong" not in response.text
    # back up: the same client carries on, nothing to restart
    assert browser.get(reverse(name)).status_code == 200


def test_the_unavailable_page_speaks_the_readers_language(browser, outage):
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    with outage:
        spanish = browser.get(reverse("dashboard"), headers={"accept-language": "es"})
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    with outage:
        french = browser.get(reverse("dashboard"), headers={"accept-language": "fr"})
    assert spanish.status_code == french.status_code == 503
    assert '<html lang="es">' in spanish.text and '<html lang="fr">' in french.text
    assert "The service is briefly unavailable" not in spanish.text + french.text
    assert "no está disponible" in spanish.text
    assert "momentanément indisponible" in french.text


def test_the_feed_answers_a_json_503(cast, outage):
    client = Client(raise_request_exception=False)
    client.force_login(cast.carol)
    with outage:
        response = client.get(reverse("api_updates"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": "The service is briefly unavailable. Retry in a moment."}


def test_a_fault_of_ours_is_still_a_500_not_a_503(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast.carol)
    with mock.patch("commitments.views.overview.render", side_effect=ValueError("a bug")):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_write_cut_off_by_the_outage_saves_nothing_and_its_retry_saves_once(
    cast, objective, q1, outage
):
    client = Client(raise_request_exception=False)
    client.force_login(cast.alice)
    data = {"period": q1.pk, "status": "on_track", "narrative": "Sent", "token": str(uuid4())}
    url = reverse("update_create", args=[objective.pk])
    outage.only = "INSERT INTO"  # the reads pass; the write itself is refused
    with outage:
        refused = client.post(url, data)
    assert refused.status_code == 503 and refused["Retry-After"] == "30"
    assert not ProgressUpdate.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="update.").exists()
    # the user sends the same form again, twice (an impatient double click)
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert ProgressUpdate.objects.count() == 1
    assert AuditEntry.objects.filter(action="update.created").count() == 1


def test_an_edit_cut_off_by_the_outage_is_applied_once_on_retry(cast, make_update, outage):
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    client = Client(raise_request_exception=False)
    client.force_login(cast.alice)
    url = reverse("update_edit", args=[update.pk])
    data = {
        "period": update.period_id,
        "status": "at_risk",
        "narrative": "Edited once",
        "version": update.version,
    }
    outage.only = "UPDATE "
    with outage:
        assert client.post(url, data).status_code == 503
    update.refresh_from_db()
    assert (update.version, update.narrative) != (2, "Edited once")
    assert client.post(url, data).status_code == 302
    # the same form sent again is a conflict, never a second edit
    assert client.post(url, data).status_code == 409
    update.refresh_from_db()
    assert (update.version, update.narrative, update.status) == (2, "Edited once", "at_risk")


@pytest.mark.django_db(transaction=True)
def test_migrations_run_without_the_pages_statement_limit():
    """A migration over a million updates takes longer than the 30 s that guards a page:
    ``migrate`` lifts the limit for its own session only."""
    from django.core.management import call_command
    from django.core.management.commands.migrate import Command as MigrateCommand

    limits = []
    real_handle = MigrateCommand.handle

    def handle(command, *args, **options):
        limits.append(show("statement_timeout"))
        return real_handle(command, *args, **options)

    with mock.patch.object(MigrateCommand, "handle", handle):
        call_command("migrate", verbosity=0)  # nothing to apply
    assert limits == ["0"]  # while migrating
    assert show("statement_timeout") == "30s"  # and the connection serves on as before
