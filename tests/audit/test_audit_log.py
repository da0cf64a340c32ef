"""The audit trail: sign-ins recorded without secrets, and rows the database will not let
anyone change or delete."""

import io
import logging
import re
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from commitments import audit
from commitments.checks import check_audit_table_rights
from commitments.denials import log_denial
from commitments.models import AuditEntry, Comment, ProgressUpdate
from tests.conftest import PASSWORD


def sign_in(username, password):
    return Client().post(reverse("login"), {"username": username, "password": password})


def test_sign_in_success_and_failure_are_recorded_without_secrets(cast, caplog):
    caplog.set_level(logging.INFO, logger="commitments.auth")
    assert sign_in("alice", PASSWORD).status_code == 302
    assert sign_in("alice", "a wrong password for alice").status_code == 200
    assert sign_in("ghost", "a wrong password for ghost").status_code == 200
    success = AuditEntry.objects.get(action="auth.login")
    assert (success.actor, success.target_id) == (cast.alice, str(cast.alice.pk))
    failures = AuditEntry.objects.filter(action="auth.login_failed").order_by("id")
    assert [(f.actor, f.target_repr, f.target_id) for f in failures] == [
        (None, "alice", str(cast.alice.pk)),
        (None, "ghost", ""),
    ]
    text = " ".join(
        [str(e.changes) + e.target_repr for e in AuditEntry.objects.all()]
        + [r.getMessage() for r in caplog.records]
    )
    for secret in [PASSWORD, "a wrong password", "sessionid"]:
        assert secret not in text
    assert all(len(e.changes["request_id"]) == 32 for e in AuditEntry.objects.all())


def test_force_login_and_page_views_write_no_sign_in_entry(client, cast):
    client.force_login(cast.alice)
    client.get(reverse("dashboard"))
    assert not AuditEntry.objects.filter(action__startswith="auth.").exists()


def test_cr_lf_in_a_username_cannot_forge_log_lines(cast, caplog):
    caplog.set_level(logging.INFO, logger="commitments.auth")
    forged = "mallory\r\n2026-01-01 INFO commitments.auth login user_id=1"
    sign_in(forged, "whatever it is, it is wrong")
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert "\r" not in entry.target_repr and "\n" not in entry.target_repr
    assert entry.target_repr.startswith("mallory\\r\\n2026")
    [record] = [r for r in caplog.records if r.name == "commitments.auth"]
    assert "\n" not in record.getMessage() and "\r" not in record.getMessage()


FORGED = "2026-01-01 00:00:00,000 WARNING commitments.access [0] access granted user_id=1"


@pytest.fixture
def log_output():
    """What the configured console handler writes, with its real formatter and filter."""
    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


def test_cr_lf_in_a_path_cannot_forge_a_log_line(login, cast, log_output):
    login(cast.alice).get("/countries/ca%0d%0a" + quote(FORGED) + "/")
    # A view's denial log, given such a path (were it to reach one).
    request = RequestFactory().get("/updates/1/%0d%0a" + quote(FORGED))
    request.user = cast.alice
    log_denial(request, status=404, reason="not found\r\n" + FORGED)
    lines = log_output.getvalue().splitlines()
    assert len([line for line in lines if "access granted" in line]) >= 2
    for line in lines:
        assert not line.startswith(FORGED[:19]), line  # no line of the forger's
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+ \[", line), line
    assert "ca\\r\\n2026-01-01 00:00:00,000 WARNING" in log_output.getvalue()


def test_a_traceback_is_one_line_too(log_output):
    try:
        raise ValueError("bad value\r\n" + FORGED)
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /x")
    [line] = log_output.getvalue().splitlines()
    assert "Traceback (most recent call last):\\n" in line
    assert "ValueError: bad value\\r\\n2026-01-01" in line


def test_password_and_mfa_changes_are_recorded(client, cast):
    client.force_login(cast.alice)
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "yet another long passphrase 7",
            "new_password2": "yet another long passphrase 7",
        },
    )
    entry = AuditEntry.objects.get(action="auth.password_changed")
    assert entry.actor == cast.alice
    assert "passphrase" not in str(entry.changes)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE commitments_auditentry SET action = 'update.forged'",
        "DELETE FROM commitments_auditentry",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(make_update, statement):
    update = make_update()
    audit.record(actor=update.author, action="update.created", target=update)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.get().action == "update.created"


def test_bulk_queryset_paths_are_refused_too(make_update):
    update = make_update()
    audit.record(actor=update.author, action="update.created", target=update)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all()._raw_delete(connection.alias)
    assert AuditEntry.objects.count() == 1


def test_every_audit_entry_names_the_request_that_made_it(client, cast, objective, q1, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # the proxy's X-Request-ID is the request's id
    client.force_login(cast.alice)
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Traced."},
        HTTP_X_REQUEST_ID="trace-0123456789",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update.created")
    assert (entry.request_id, entry.actor, entry.created_at.tzname()) == (
        "trace-0123456789",
        cast.alice,
        "UTC",
    )
    assert AuditEntry.objects.filter(request_id="").count() == 0


def test_a_clients_own_request_id_never_reaches_the_audit_trail(client, cast, objective, q1):
    # No trusted proxy: whatever the client sends, the id is ours (32 hex digits).
    client.force_login(cast.alice)
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Traced."},
        HTTP_X_REQUEST_ID="someone-elses-request-id",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update.created")
    assert entry.request_id == response["X-Request-ID"] != "someone-elses-request-id"
    assert re.fullmatch(r"[0-9a-f]{32}", entry.request_id)


@pytest.mark.parametrize(
    "header",
    ["short", "x" * 65, "bad id\r\nX-Evil: 1", "<script>alert(1)</script>", "naïve-request-id"],
)
def test_a_trusted_proxys_request_id_is_kept_only_when_it_is_a_short_safe_token(
    client, cast, settings, header
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxys = client.get(reverse("login"), HTTP_X_REQUEST_ID="req-0123456789")
    assert proxys["X-Request-ID"] == "req-0123456789"
    replaced = client.get(reverse("login"), HTTP_X_REQUEST_ID=header)
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


# --- The application's own database role cannot switch the audit trail off ----------------

APP_ROLE = "nadd_app_under_test"


@contextmanager
def acting_as(role):
    """This connection, as ``role`` (the test connection is a superuser)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture
def app_role(db):
    """A role given its rights by grant_app_role, as an operator does after migrate.
    Dropped at the end (and the test's transaction takes it away in any case)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    call_command("grant_app_role", APP_ROLE, stdout=io.StringIO())
    yield APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP OWNED BY {APP_ROLE}")
        cursor.execute(f"DROP ROLE {APP_ROLE}")


def refused(statement):
    """Run ``statement`` in a savepoint and return the permission error it must raise."""
    with pytest.raises(ProgrammingError) as caught:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert caught.value.__cause__.pgcode == "42501", caught.value  # insufficient_privilege
    return str(caught.value)


def test_the_application_role_cannot_truncate_alter_change_or_delete_the_audit_log(
    app_role, make_update
):
    update = make_update()
    audit.record(actor=update.author, action="update.created", target=update)
    with acting_as(app_role):
        assert "permission denied" in refused("TRUNCATE commitments_auditentry")
        assert "must be owner" in refused(
            "ALTER TABLE commitments_auditentry DISABLE TRIGGER commitments_auditentry_append_only"
        )
        assert "must be owner" in refused("ALTER TABLE commitments_auditentry DISABLE TRIGGER ALL")
        assert "must be owner" in refused("DROP TABLE commitments_auditentry")
        assert "permission denied" in refused("UPDATE commitments_auditentry SET action = 'x'")
        assert "permission denied" in refused("DELETE FROM commitments_auditentry")
    assert AuditEntry.objects.get().action == "update.created"


def test_the_application_role_still_reads_writes_and_appends_to_the_audit_log(
    app_role, make_update, cast, client, objective, q1
):
    update = make_update()
    client.force_login(cast.uma)
    with acting_as(app_role):
        assert client.get(reverse("dashboard")).status_code == 200
        response = client.post(
            reverse("update_create", args=[objective.pk]),
            {"period": q1.pk, "status": "on_track", "narrative": "Written as the app role."},
        )
        assert response.status_code == 302
        assert AuditEntry.objects.filter(action="update.created", actor=cast.uma).exists()
        audit.record(actor=cast.alice, action="update.edited", target=update)
        assert AuditEntry.objects.filter(action="update.edited").count() == 1
        update.narrative = "Edited by the application's own role."
        update.save()
        ProgressUpdate.objects.filter(pk=update.pk).update(version=F("version") + 1)
        Comment.objects.create(update=update, author=cast.carol, body="Noted.")
        Comment.objects.filter(update=update).delete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM nadd_cache")
            cursor.execute("SELECT count(*) FROM axes_accessattempt")
    update.refresh_from_db()
    assert update.narrative == "Edited by the application's own role."


def test_granting_the_application_role_is_idempotent_and_takes_back_extra_rights(app_role):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE, UPDATE ON commitments_auditentry TO {app_role}")
        call_command("grant_app_role", app_role, stdout=io.StringIO())
        call_command("grant_app_role", app_role, stdout=io.StringIO())
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'commitments_auditentry' ORDER BY 1",
            [app_role],
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


def test_tables_of_later_migrations_are_usable_by_the_application_role(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE commitments_later (id bigint GENERATED BY DEFAULT AS IDENTITY)"
        )
    with acting_as(app_role), connection.cursor() as cursor:
        cursor.execute("INSERT INTO commitments_later DEFAULT VALUES")
        cursor.execute("SELECT count(*) FROM commitments_later")
        assert cursor.fetchone() == (1,)


def test_granting_refuses_a_role_that_owns_tables_or_is_a_superuser(app_role):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE commitments_stray (id int)")
        cursor.execute(f"ALTER TABLE commitments_stray OWNER TO {app_role}")
    with pytest.raises(CommandError, match="owns"):
        call_command("grant_app_role", app_role, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE commitments_stray")
        cursor.execute("SELECT current_user")
        (superuser,) = cursor.fetchone()
    with pytest.raises(CommandError, match="superuser|running this command"):
        call_command("grant_app_role", superuser, stdout=io.StringIO())
    with pytest.raises(CommandError, match="no role"):
        call_command("grant_app_role", "nobody_by_that_name", stdout=io.StringIO())


def test_the_deploy_check_warns_when_the_running_role_could_erase_the_audit_log(app_role):
    # The test connection is a superuser, which owns the tables and may truncate them.
    [warning] = check_audit_table_rights(None)
    assert warning.id == "commitments.W004"
    assert "owns it" in warning.msg and "TRUNCATE" in warning.msg
    with acting_as(app_role):
        assert check_audit_table_rights(None) == []


def test_the_application_role_takes_snapshots_but_never_changes_one(app_role, cast, make_update):
    """Meeting snapshots are append-only like the audit log: the application's role may
    add them (the coordinator's button) and nothing more, whatever the triggers."""
    import datetime

    from commitments import snapshots
    from commitments.models import Meeting, MeetingSnapshot

    make_update(published_at=datetime.datetime(2024, 10, 1, tzinfo=datetime.UTC))
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    with acting_as(app_role):
        snapshots.take_snapshot(
            actor=cast.carol, meeting=eighth, cutoff=datetime.date(2024, 11, 12)
        )
        for table in ("commitments_meetingsnapshot", "commitments_meetingsnapshotrow"):
            assert "permission denied" in refused("TRUNCATE " + table)
            assert "permission denied" in refused("DELETE FROM " + table)  # noqa: S608
            assert "must be owner" in refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert "permission denied" in refused(
            "UPDATE commitments_meetingsnapshotrow SET status = 'completed'"
        )
    assert MeetingSnapshot.objects.get().rows.count() == 27
