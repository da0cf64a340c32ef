"""The audit trail: sign-ins recorded without secrets, and rows the database will not let
anyone change or delete (QUALITY S29)."""

import io
import logging
import re
from urllib.parse import quote

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from commitments import services
from commitments.middleware import log_denial
from commitments.models import AuditEntry
from tests.conftest import PASSWORD


def sign_in(username, password):
    return Client().post(reverse("login"), {"username": username, "password": password})


def test_s29_sign_in_success_and_failure_are_recorded_without_secrets(cast, caplog):
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


def test_s29_force_login_and_page_views_write_no_sign_in_entry(client, cast):
    client.force_login(cast.alice)
    client.get(reverse("dashboard"))
    assert not AuditEntry.objects.filter(action__startswith="auth.").exists()


def test_s29_cr_lf_in_a_username_cannot_forge_log_lines(cast, caplog):
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


def test_s29_cr_lf_in_a_path_cannot_forge_a_log_line(login, cast, log_output):
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


def test_s29_a_traceback_is_one_line_too(log_output):
    try:
        raise ValueError("bad value\r\n" + FORGED)
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /x")
    [line] = log_output.getvalue().splitlines()
    assert "Traceback (most recent call last):\\n" in line
    assert "ValueError: bad value\\r\\n2026-01-01" in line


def test_s29_password_and_mfa_changes_are_recorded(client, cast):
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
def test_s29_the_database_refuses_to_change_or_delete_audit_rows(make_update, statement):
    update = make_update()
    services.record(actor=update.author, action="update.created", target=update)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.get().action == "update.created"


def test_s29_bulk_queryset_paths_are_refused_too(make_update):
    update = make_update()
    services.record(actor=update.author, action="update.created", target=update)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all()._raw_delete(connection.alias)
    assert AuditEntry.objects.count() == 1


def test_s29_every_audit_entry_names_the_request_that_made_it(client, cast, objective, q1):
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
