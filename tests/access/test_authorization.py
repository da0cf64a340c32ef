"""Authorization beyond the URL sweep: roles × actions with database effects, forged fields,
coordinators read-only, denials logged. The sweep itself is
tests/access/test_url_answers.py."""

import logging
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from commitments import services
from commitments.models import (
    AuditEntry,
    Comment,
    Country,
    Membership,
    Objective,
    ProgressUpdate,
)
from tests.support.urls import MATRIX, names_declared, url_for

ROOT = Path(__file__).resolve().parents[2]
# The views a coordinator may send a non-GET request to, as they declare it.
COORDINATOR_WRITE_ALLOWLIST = names_declared(lambda declared: declared.coordinators_may_post)

TRANSLATIONS = ["title_es", "title_fr", "text_es", "text_fr"]


def snapshot():
    """What a refused request must leave untouched."""
    return (
        ProgressUpdate.objects.count(),
        list(ProgressUpdate.objects.order_by("pk").values_list("pk", "version", "narrative")),
        Objective.objects.count(),
        list(Objective.objects.order_by("pk").values_list("pk", "title", "is_active")),
        AuditEntry.objects.filter(action__startswith="update.").count(),
        list(Membership.objects.order_by("pk").values_list("pk", "role", "country_id")),
    )


def form_data(period_pk, **extra):
    return {"period": period_pk, "status": "on_track", "narrative": "Checked.", **extra}


# --- role × action, status and database effect ---------------------------------------

ACTIONS = ["create", "edit_own_country", "edit_objective_in_admin"]
# role -> action -> (status, changed?)
POLICY = {
    "alice": {"create": (302, True), "edit_own_country": (302, True)},
    "bob": {"create": (302, True), "edit_own_country": (404, False)},
    "uma": {"create": (302, True), "edit_own_country": (404, False)},
    "carol": {"create": (403, False), "edit_own_country": (403, False)},
    "dave": {"create": (403, False), "edit_own_country": (403, False)},
    "erin": {"create": (302, False), "edit_own_country": (302, False)},  # inactive: sign in
}


@pytest.mark.parametrize("action", ["create", "edit_own_country"])
@pytest.mark.parametrize("role", sorted(POLICY))
def test_role_action_matrix(client, cast, sample, q1, role, action):
    client.force_login(getattr(cast, role))
    before = snapshot()
    if action == "create":
        response = client.post(url_for("update_create", sample), form_data(q1.pk))
    else:  # alice's (Canada's) update
        response = client.post(
            url_for("update_edit", sample), form_data(q1.pk, version=1, narrative="Edited.")
        )
    status, changed = POLICY[role][action]
    assert response.status_code == status
    if status == 302 and not changed:
        assert response.url.startswith(reverse("login"))
    assert (snapshot() != before) is changed


@pytest.mark.parametrize(("role", "allowed"), [("dave", True), ("carol", False), ("alice", False)])
def test_only_admins_edit_objectives(client, cast, role, allowed, objective):
    client.force_login(getattr(cast, role))
    response = client.post(
        f"/admin/commitments/objective/{objective.pk}/change/",
        {
            "loaded_version": objective.version,
            "objective_set": objective.objective_set_id,
            "number": objective.number,
            "title": "Renamed",
            "text": objective.text,
            "area": objective.area_id,
            **{name: getattr(objective, name) for name in TRANSLATIONS},
            **{name: getattr(objective, name) for name in TRANSLATIONS},
            "is_active": "on",
            "links_to_earlier-TOTAL_FORMS": "0",
            "links_to_earlier-INITIAL_FORMS": "0",
        },
    )
    objective.refresh_from_db()
    assert (objective.title == "Renamed") is allowed
    assert response.status_code in ({302} if allowed else {302, 403})


# --- forged fields ------------------------------------------------------------------

FORGED = {
    "country": None,  # filled with Canada's id
    "author": None,  # filled with alice's id
    "created_at": "2001-01-01T00:00:00Z",
    "updated_at": "2001-01-01T00:00:00Z",
    "version": "99",
    "status_review": "published",
    "state": "published",
    "is_staff": "on",
    "is_superuser": "on",
    "role": "admin",
    "objective": "9",
    "id": "1",
}


@pytest.mark.parametrize("country", ["CA", "nonexistent"])
def test_a_forged_country_is_ignored_and_no_canadian_row_appears(
    client, cast, objective, q1, country
):
    canada = Country.objects.get(code="CA")
    forged = {**FORGED, "author": str(cast.alice.pk)}
    forged["country"] = str(canada.pk) if country == "CA" else "999999"
    client.force_login(cast.bob)
    response = client.post(
        reverse("update_create", args=[objective.pk]), form_data(q1.pk, **forged)
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.country.code, update.author, update.version, update.objective) == (
        "MX",
        cast.bob,
        1,
        objective,
    )
    assert update.created_at.year != 2001
    assert update.state == ProgressUpdate.State.DRAFT  # not the forged "published"
    assert not ProgressUpdate.objects.filter(country=canada).exists()
    assert AuditEntry.objects.for_object(update).get().action == "update.created"
    cast.bob.refresh_from_db()
    assert not cast.bob.is_staff and cast.bob.membership.role == "official"


def test_extra_keys_on_the_edit_form_are_ignored(client, cast, make_update, q1):
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    client.force_login(cast.alice)
    forged = {**FORGED, "country": str(Country.objects.get(code="MX").pk)}
    forged["author"] = str(cast.bob.pk)
    forged["version"] = "1"
    response = client.post(
        reverse("update_edit", args=[update.pk]), form_data(q1.pk, **forged, narrative="New")
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.country.code, update.author, update.version, update.narrative) == (
        "CA",
        cast.alice,
        2,
        "New",
    )
    assert update.state == ProgressUpdate.State.DRAFT
    cast.alice.refresh_from_db()
    assert not cast.alice.is_staff and not cast.alice.is_superuser


def test_extra_keys_on_the_password_form_change_nothing_else(client, cast):
    client.force_login(cast.alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "a-long-test-password-for-everyone",
            "new_password1": "a sturdy new passphrase 2026",
            "new_password2": "a sturdy new passphrase 2026",
            "username": "mallory",
            "is_superuser": "on",
            "is_staff": "on",
            "role": "admin",
        },
    )
    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert (cast.alice.username, cast.alice.is_staff, cast.alice.is_superuser) == (
        "alice",
        False,
        False,
    )
    assert cast.alice.membership.role == "official"


def test_model_forms_list_their_fields_explicitly():
    offenders = []
    for path in (ROOT / "commitments").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        if re.search(r"fields\s*=\s*['\"]__all__['\"]", text) or re.search(
            # A form's ``exclude = [...]`` attribute; not an ``exclude=`` keyword argument.
            r"^\s+exclude\s+=",
            text,
            re.MULTILINE,
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- another country's update by id ------------------------------------------------------


@pytest.mark.parametrize("which", ["pk", "draft_pk"])  # a published update and a draft
@pytest.mark.parametrize("suffix", ["edit/", "delete/", "history/"])
def test_another_countrys_update_answers_404(client, cast, sample, suffix, which, q1):
    """Out of scope, 404; except the edit page of a published update Mexico reads, which
    says it is not Mexico's to edit (403, tests/access/test_not_for_you.py)."""
    client.force_login(cast.bob)
    before = snapshot()
    path = f"/updates/{sample[which]}/{suffix}"
    expected = 403 if (suffix, which) == ("edit/", "pk") else 404
    assert client.get(path).status_code == expected
    assert client.post(path, form_data(q1.pk, version=1, narrative="Hijacked")).status_code in {
        expected,
        405,  # history answers GET only
    }
    assert snapshot() == before


def test_the_history_of_an_update_is_its_own_countrys_and_the_reviewers(client, cast, sample):
    path = f"/updates/{sample['pk']}/history/"
    for user, status in [(cast.alice, 200), (cast.carol, 200), (cast.dave, 200), (cast.bob, 404)]:
        client.force_login(user)
        assert client.get(path).status_code == status, user


# --- Each step of the workflow, refused to an official it is not for: by the view and by the
# service, each on its own ------------------------------------------------------------------

# service -> (state of the update, what the call adds)
WORKFLOW_SERVICES = {
    "edit_update": ("draft", {"narrative": "Hijacked"}),
    "submit_update": ("draft", {}),
    "withdraw_update": ("returned", {}),
    "publish_update": ("submitted", {}),
    "return_update": ("submitted", {"reason": "Mexico has a view on this."}),
}


@pytest.mark.parametrize("service", sorted(WORKFLOW_SERVICES))
@pytest.mark.parametrize("who", ["bob", "uma"])
def test_each_workflow_service_refuses_another_countrys_official(cast, make_update, service, who):
    """Called directly, as a view would after its own checks: the service asks the policy
    itself, so a view that forgot to would still change nothing."""
    state, extra = WORKFLOW_SERVICES[service]
    update = make_update(author=cast.alice, state=state)
    before = snapshot(), Comment.objects.count()
    with pytest.raises(PermissionDenied):
        getattr(services, service)(
            actor=getattr(cast, who), update=update, loaded_version=update.version, **extra
        )
    assert (snapshot(), Comment.objects.count()) == before


def test_the_comment_service_refuses_another_countrys_official(cast, make_update):
    update = make_update(author=cast.alice)
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=cast.bob, update=update, body="Mexico has a view on this.")
    assert not Comment.objects.exists()


# url name -> (whose update, its state, the answer to Mexico's official): refused before the
# form is read, so an empty form gets the refusal, not a form error.
WORKFLOW_VIEWS = {
    # Canada's published update: read by Mexico, not Mexico's to act on.
    "update_edit": ("alice", "published", 403),  # readable, so refused saying why
    "update_submit": ("alice", "published", 403),
    "update_withdraw": ("alice", "published", 403),
    "update_comment": ("alice", "published", 403),
    # Mexico's own submitted update: an official does not review, even their own country's.
    "update_publish": ("bob", "submitted", 403),
    "update_return": ("bob", "submitted", 403),
}


@pytest.mark.parametrize("name", sorted(WORKFLOW_VIEWS))
def test_each_workflow_view_refuses_an_official_it_is_not_for_before_reading_the_form(
    client, cast, make_update, name
):
    author, state, status = WORKFLOW_VIEWS[name]
    update = make_update(author=getattr(cast, author), state=state)
    client.force_login(cast.bob)
    before = snapshot(), Comment.objects.count()
    response = client.post(reverse(name, args=[update.pk]), {})
    assert response.status_code == status
    assert (snapshot(), Comment.objects.count()) == before


# --- coordinators read and review only ----------------------------------------------------


def test_every_non_get_request_of_a_coordinator_is_refused(client, cast, sample, q1):
    client.force_login(cast.carol)
    before = snapshot()
    refused = []
    for name in sorted(set(MATRIX) - COORDINATOR_WRITE_ALLOWLIST):
        response = client.post(url_for(name, sample), form_data(q1.pk, version=1))
        if response.status_code == 403:
            refused.append(name)
    assert refused == sorted(set(MATRIX) - COORDINATOR_WRITE_ALLOWLIST)
    assert client.post("/admin/commitments/objective/add/", {}).status_code in {302, 403}
    assert snapshot() == before


def test_the_allowlist_is_reviews_and_the_coordinators_own_account(client, cast):
    assert COORDINATOR_WRITE_ALLOWLIST >= {"update_publish", "update_return", "update_comment"}
    assert not COORDINATOR_WRITE_ALLOWLIST & {"update_create", "update_edit"}
    client.force_login(cast.carol)
    assert client.post(reverse("logout")).status_code == 302


def test_a_role_change_takes_effect_on_the_next_request(client, cast, objective, q1):
    client.force_login(cast.alice)
    url = reverse("update_create", args=[objective.pk])
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=cast.alice).update(role="coordinator", country=None)
    assert client.post(url, form_data(q1.pk)).status_code == 403
    assert not ProgressUpdate.objects.exists()


# --- denials are logged once, with the request id ---------------------------------------


def denials(caplog):
    return [r for r in caplog.records if r.name == "commitments.access"]


def test_a_403_is_logged_once_with_who_what_and_the_request_id(
    client, cast, sample, caplog, settings
):
    settings.TRUSTED_PROXY_COUNT = 1  # the proxy's X-Request-ID is the request's id
    caplog.set_level(logging.WARNING, logger="commitments.access")
    client.force_login(cast.carol)
    response = client.get(url_for("update_create", sample), HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 403
    assert response["X-Request-ID"] == "req-12345678"
    [record] = denials(caplog)
    assert record.denial == {
        "status": 403,
        "user_id": cast.carol.pk,
        "role": "coordinator",
        "country": None,
        "route": "update_create",
        "method": "GET",
        "path": url_for("update_create", sample),
        "object_id": sample["objective_pk"],
        "request_id": "req-12345678",
        "reason": record.denial["reason"],
    }
    assert "request_id=req-12345678" in record.getMessage()


def test_an_out_of_scope_404_is_logged_with_the_country(client, cast, sample, caplog):
    caplog.set_level(logging.WARNING, logger="commitments.access")
    client.force_login(cast.bob)
    response = client.get(url_for("update_edit", sample))
    assert response.status_code == 404
    [record] = denials(caplog)
    assert (record.denial["status"], record.denial["country"], record.denial["object_id"]) == (
        404,
        "MX",
        sample["draft_pk"],
    )
    assert re.fullmatch(r"[0-9a-f]{32}", record.denial["request_id"])
    assert record.denial["request_id"] == response["X-Request-ID"]


def test_a_refused_coordinator_post_is_logged(client, cast, sample, caplog):
    caplog.set_level(logging.WARNING, logger="commitments.access")
    client.force_login(cast.carol)
    client.post(url_for("update_edit", sample), {})
    [record] = denials(caplog)
    assert (record.denial["route"], record.denial["role"]) == ("update_edit", "coordinator")


def test_a_forged_request_id_is_replaced(cast):
    response = Client().get(reverse("login"), HTTP_X_REQUEST_ID="bad id\r\nX-Evil: 1")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_clients_own_request_id_never_reaches_the_logs(client, cast, sample, caplog):
    # Without a trusted proxy a client could otherwise pin its requests on someone else's.
    caplog.set_level(logging.WARNING, logger="commitments.access")
    client.force_login(cast.carol)
    response = client.get(url_for("update_create", sample), HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 403
    [record] = denials(caplog)
    assert record.denial["request_id"] == response["X-Request-ID"] != "req-12345678"
    assert re.fullmatch(r"[0-9a-f]{32}", record.denial["request_id"])
    assert "req-12345678" not in record.getMessage()


def test_no_history_link_for_another_countrys_officials(client, cast, sample):
    client.force_login(cast.bob)
    page = client.get(reverse("update_detail", args=[sample["pk"]]))
    assert page.status_code == 200
    assert f"/updates/{sample['pk']}/history/" not in page.text
    client.force_login(cast.alice)
    assert f"/updates/{sample['pk']}/history/" in client.get(page.request["PATH_INFO"]).text
