"""What is audited, in one list, through one entry point (commitments/audit.py).

Every audit entry is written by ``audit.record``, which refuses an action that is not
declared there; every declared action has a label in English, Spanish and French, and
that label is what the pages show. The code is scanned so that a second way of writing
entries, or an action name spelled out at a call site, fails here.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from commitments import audit, services
from commitments.models import AuditEntry, Objective, ProgressUpdate

pytestmark = pytest.mark.django_db

CODE = Path(__file__).resolve().parents[2] / "commitments"
ENTRY_POINT = CODE / "audit.py"
# The one other writer, and why: the benchmark's generator puts millions of entries in by
# COPY (an INSERT each through audit.record would take hours), with audit.Action names.
BULK_WRITERS = {CODE / "management" / "commands" / "generate_load_data.py"}
WRITE_METHODS = {
    "create",
    "acreate",
    "bulk_create",
    "abulk_create",
    "get_or_create",
    "aget_or_create",
    "update_or_create",
    "aupdate_or_create",
    "_insert",
    "_batched_insert",
}
# Calls that may be handed the AuditEntry model itself: they read, never write.
READERS = {"register", "get_for_model"}


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _called(func):
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def audit_writes(source):
    """The lines of ``source`` that create audit entries or hand the model to a writer."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            sql = " ".join(node.value.lower().split())
            table = AuditEntry._meta.db_table
            if f"insert into {table}" in sql or f"copy {table}" in sql:
                found.append(node.lineno)
        if not isinstance(node, ast.Call):
            continue
        called = _called(node.func)
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        mentioned = set().union(*(_names(argument) for argument in arguments))
        strings = {
            n.value.lower()
            for argument in arguments
            for n in ast.walk(argument)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        if (
            called == "AuditEntry"  # AuditEntry(...), then save()
            or (called in WRITE_METHODS and "AuditEntry" in _names(node.func))
            or (called in {"bulk_create", "abulk_create"} and "AuditEntry" in mentioned)
            or (called == "get_model" and "auditentry" in strings)
            or (called not in READERS and "AuditEntry" in {getattr(a, "id", "") for a in arguments})
        ):
            found.append(node.lineno)
    return found


def test_the_scan_finds_every_way_of_writing_an_audit_entry():
    for source in [
        "AuditEntry.objects.create(action='x')",
        "AuditEntry(action='x').save()",
        "models.AuditEntry.objects.bulk_create([AuditEntry(action='x')])",
        "ProgressUpdate.objects.bulk_create(entries, model=AuditEntry)",
        "AuditEntry._default_manager.get_or_create(action='x')",
        "apps.get_model('commitments', 'AuditEntry')",
        "Table(AuditEntry, ['action'])",
        "cursor.execute('INSERT INTO commitments_auditentry (action) VALUES (%s)')",
    ]:
        assert audit_writes(source), source
    for source in [
        "AuditEntry.objects.for_object(update)",
        "admin.register(AuditEntry)",
        "ContentType.objects.get_for_model(AuditEntry)",
        "Comment.objects.create(body='x')",
        "audit.record(actor=a, action=audit.Action.UPDATE_EDITED, target=t)",
    ]:
        assert not audit_writes(source), source


def test_nothing_but_the_entry_point_writes_audit_entries():
    writers = {
        path: lines
        for path in CODE.rglob("*.py")
        if path != ENTRY_POINT and (lines := audit_writes(path.read_text()))
    }
    unexpected = {str(path.relative_to(CODE)): lines for path, lines in writers.items()}
    for path in BULK_WRITERS:
        unexpected.pop(str(path.relative_to(CODE)), None)
    assert not unexpected, f"Write audit entries through audit.record only: {unexpected}"
    # The exception is there only while the generator needs it.
    assert set(writers) == BULK_WRITERS


def _action_literals(source):
    """String literals naming an action, and action names built at the call site."""
    declared = set(audit.declared_actions())
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value in declared:
            found.append((node.lineno, node.value))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "action" and _built_by_hand(keyword.value):
                    found.append((keyword.value.lineno, ast.unparse(keyword.value)))
    return found


def _built_by_hand(value):
    """An ``action=`` argument made of text (a literal, an f-string, a concatenation or a
    format) rather than a declared constant or ``audit.admin_action(model, verb)``."""
    if isinstance(value, ast.Call) and _called(value.func) == "admin_action":
        return False
    return any(
        isinstance(node, ast.JoinedStr | ast.BinOp)
        or (isinstance(node, ast.Constant) and isinstance(node.value, str))
        or (isinstance(node, ast.Call) and _called(node.func) in {"format", "join"})
        for node in ast.walk(value)
    )


def test_call_sites_name_actions_from_the_declared_list_never_by_hand():
    assert _action_literals('record(action=f"reminder.{kind}")')
    assert _action_literals('ACTIONS = {"update.created": "Created"}')
    assert _action_literals('record(action=model_name + ".created")')
    assert _action_literals('announce(action="mfa.reset" if reset else other)')
    assert not _action_literals("record(action=audit.Action.MFA_RESET)")
    assert not _action_literals("record(action=REVIEWED[update.state])")
    assert not _action_literals('record(action=audit.admin_action(obj, "deleted"))')
    spelled = {
        str(path.relative_to(CODE)): found
        for path in CODE.rglob("*.py")
        if path != ENTRY_POINT
        and "migrations" not in path.parts
        and (found := _action_literals(path.read_text()))
    }
    assert not spelled, f"Name actions with audit.Action or audit.admin_action: {spelled}"


def test_the_entry_point_refuses_an_action_that_is_not_declared(make_update):
    update = make_update()
    for action in [
        "update.forged",
        "update.created ",
        "objective.imported",  # a verb the admin does not have
        "nosuchmodel.created",  # a model that is not installed
        "objective.password_set",  # passwords belong to accounts
        "",
    ]:
        with pytest.raises(ValueError, match="Undeclared audit action"):
            audit.record(actor=update.author, action=action, target=update)
    assert not AuditEntry.objects.exists()
    entry = audit.record(actor=update.author, action="progressupdate.changed", target=update)
    assert entry.action == "progressupdate.changed"


def test_services_no_longer_offer_a_second_way_to_write_an_entry():
    assert not hasattr(services, "record")


def test_the_admin_names_its_actions_from_the_model_and_a_declared_verb(objective):
    assert audit.admin_action(Objective, audit.AdminVerb.CHANGED) == "objective.changed"
    assert audit.admin_action(objective, "deleted") == "objective.deleted"
    with pytest.raises(ValueError):
        audit.admin_action(Objective, "imported")


def test_every_declared_action_fits_the_audit_entry_and_none_is_declared_twice():
    declared = audit.declared_actions()
    assert len(declared) == len(set(declared))
    longest = AuditEntry._meta.get_field("action").max_length
    assert [name for name in declared if len(name) > longest] == []
    # Every action the workflows write, and the admin's actions on every installed model.
    assert {
        "update.created",
        "auth.login_failed",
        "mfa.security_key_added",
        "reminder.review_digest",
        "objectiveset.imported",
        "user.sessions_ended",
        "user.password_set",
        "user.deleted",
        "totpdevice.changed",
        "accessattempt.deleted",
    } <= set(declared)


def test_every_declared_action_has_a_label_in_english_spanish_and_french():
    for action in audit.declared_actions():
        labels = {}
        for language in ("en", "es", "fr"):
            with translation.override(language):
                labels[language] = str(audit.label(action))
        assert all(labels.values()), action
        assert action not in labels.values(), action
        # Every label is translated (the object's name alone may stay as it is).
        assert labels["es"] != labels["en"] and labels["fr"] != labels["en"], (action, labels)


def test_the_update_history_shows_each_action_by_its_label_in_the_readers_language(
    client, cast, make_update
):
    update = make_update(state=ProgressUpdate.State.DRAFT)
    audit.record(actor=cast.alice, action=audit.Action.UPDATE_CREATED, target=update)
    services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    audit.record(
        actor=cast.dave,
        action=audit.admin_action(update, audit.AdminVerb.CHANGED),
        target=update,
        changes={"reviewed_by": ["carol", None]},
    )
    client.force_login(cast.carol)
    url = reverse("update_history", args=[update.pk])

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(url).text
    assert "Creado como borrador" in page and "Enviado a revisión" in page
    assert "Modificación en el sitio de administración: actualización de avances" in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(url).text
    assert "Soumis pour examen" in page
    assert "Modification dans l’administration\u00a0: mise à jour des progrès" in page
    assert "progressupdate.changed" not in page and "update.submitted" not in page


def test_the_admin_audit_list_shows_labels_and_filters_by_the_stored_name(login, cast, make_update):
    update = make_update(state=ProgressUpdate.State.DRAFT)
    services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    audit.record(actor=None, action=audit.Action.AUTH_LOGIN_FAILED, target=cast.alice)
    client = login(cast.dave)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get("/admin/commitments/auditentry/")
    assert response.status_code == 200
    changelist = response.context["cl"]
    [action_filter] = [
        f for f in changelist.filter_specs if getattr(f, "parameter_name", "") == "action"
    ]
    assert dict(action_filter.lookup_choices) == {
        "auth.login_failed": "Échec de la connexion",
        "update.submitted": "Soumis pour examen",
    }
    assert "?action=update.submitted" in response.text
    assert '<td class="field-action_label">Soumis pour examen</td>' in response.text

    filtered = client.get("/admin/commitments/auditentry/?action=update.submitted")
    assert filtered.context["cl"].result_count == 1
    searched = client.get("/admin/commitments/auditentry/?q=login_failed")
    assert searched.context["cl"].result_count == 1

    entry = AuditEntry.objects.get(action="update.submitted")
    detail = client.get(f"/admin/commitments/auditentry/{entry.pk}/change/").text
    assert "Soumis pour examen" in detail and "update.submitted" in detail
