"""The life of an update: draft → submitted → published, or returned and submitted again.

Who may take each step, what each state shows to whom, the audit entry of every step,
and what happens to stale or repeated requests.
"""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from commitments import audit, services
from commitments.models import AuditEntry, Comment, ProgressUpdate

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State


def act(client, name, update, **data):
    data.setdefault("version", update.version)
    return client.post(reverse(name, args=[update.pk]), data)


def actions(update):
    return list(AuditEntry.objects.for_object(update).reverse().values_list("action", flat=True))


def test_draft_submit_publish_through_the_pages(login, cast, objective, q1):
    alice = login(cast.alice)
    alice.post(
        reverse("update_create", args=[objective.pk]),
        {
            "period": q1.pk,
            "status": "on_track",
            "narrative": "Kits distributed.",
            "token": uuid.uuid4(),
        },
    )
    update = ProgressUpdate.objects.get()
    assert update.state == State.DRAFT
    assert act(alice, "update_submit", update).status_code == 302
    update.refresh_from_db()
    assert (update.state, update.version) == (State.SUBMITTED, 2)
    assert update.submitted_at is not None

    carol = Client()
    carol.force_login(cast.carol)
    queue = carol.get(reverse("review_queue"))
    assert list(queue.context["page"].object_list) == [update]
    assert act(carol, "update_publish", update).status_code == 302
    update.refresh_from_db()
    assert (update.state, update.reviewed_by, update.version) == (State.PUBLISHED, cast.carol, 3)
    assert update.published_at is not None
    assert actions(update) == ["update.created", "update.submitted", "update.published"]
    published = AuditEntry.objects.for_object(update).first()
    assert (published.actor, published.changes) == (
        cast.carol,
        {"state": ["submitted", "published"]},
    )

    bob = Client()
    bob.force_login(cast.bob)
    assert bob.get(update.get_absolute_url()).status_code == 200


def test_return_with_a_reason_edit_and_submit_again(login, cast, make_update, q1):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    response = act(carol, "update_return", update, reason="Add this quarter's figures.")
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == State.RETURNED
    reason = Comment.objects.get(update=update)
    assert (reason.kind, reason.body, reason.author) == (
        "return_reason",
        "Add this quarter's figures.",
        cast.carol,
    )
    entry = AuditEntry.objects.for_object(update).first()
    assert entry.changes == {
        "state": ["submitted", "returned"],
        "reason": [None, "Add this quarter's figures."],
    }

    alice = Client()
    alice.force_login(cast.alice)
    page = alice.get(update.get_absolute_url())
    assert "Add this quarter&#x27;s figures." in page.text
    assert "Returned for changes" in page.text
    edited = alice.post(
        reverse("update_edit", args=[update.pk]),
        {
            "period": q1.pk,
            "status": "on_track",
            "narrative": "With figures: 1,200 kits.",
            "version": update.version,
        },
    )
    assert edited.status_code == 302
    update.refresh_from_db()
    assert update.state == State.RETURNED  # edited, not yet handed in again
    assert act(alice, "update_submit", update).status_code == 302
    update.refresh_from_db()
    assert update.state == State.SUBMITTED


def test_returning_needs_a_reason(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    response = act(login(cast.carol), "update_return", update, reason="   ")
    assert response.status_code == 400
    assert "Say why the update is returned." in response.text
    update.refresh_from_db()
    assert update.state == State.SUBMITTED
    assert not AuditEntry.objects.exists()


# (who, action, state of Canada's update) -> expected status; nothing changes on refusal.
REFUSALS = [
    ("alice", "update_publish", State.SUBMITTED, 403),  # an official publishing
    ("alice", "update_return", State.SUBMITTED, 403),
    ("carol", "update_submit", State.DRAFT, 403),  # a coordinator acting for a country
    ("carol", "update_withdraw", State.DRAFT, 403),
    ("dave", "update_publish", State.SUBMITTED, 403),  # admins do not review
    ("nora", "update_submit", State.DRAFT, 403),
    ("bob", "update_submit", State.DRAFT, 404),  # someone else's country's draft: unseen
    ("bob", "update_withdraw", State.RETURNED, 404),
    ("bob", "update_submit", State.PUBLISHED, 403),  # seen, but not Mexico's to act on
    ("alice", "update_submit", State.SUBMITTED, 409),  # stale states
    ("alice", "update_submit", State.PUBLISHED, 409),
    ("alice", "update_withdraw", State.SUBMITTED, 409),
    ("carol", "update_publish", State.DRAFT, 409),
    ("carol", "update_publish", State.PUBLISHED, 409),
    ("carol", "update_return", State.RETURNED, 409),
]


@pytest.mark.parametrize(("who", "action", "state", "status"), REFUSALS)
def test_refused_moves_change_nothing(login, cast, make_update, who, action, state, status):
    update = make_update(author=cast.alice, state=state)
    response = act(login(getattr(cast, who)), action, update, reason="Because")
    assert response.status_code == status
    if status == 409:
        assert "Nothing was changed." in response.text
    after = ProgressUpdate.objects.get(pk=update.pk)
    assert (after.state, after.version) == (state, update.version)
    assert not AuditEntry.objects.exists()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("action", ["update_submit", "update_withdraw"])
def test_acting_on_a_version_not_seen_is_409(login, cast, make_update, action):
    update = make_update(author=cast.alice, state=State.DRAFT, version=3)
    response = act(login(cast.alice), action, update, version=2)
    assert response.status_code == 409
    update.refresh_from_db()
    assert (update.state, update.version) == (State.DRAFT, 3)


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_an_incomplete_action_form_is_400(login, cast, make_update, version):
    update = make_update(author=cast.alice, state=State.DRAFT)
    assert act(login(cast.alice), "update_submit", update, version=version).status_code == 400
    update.refresh_from_db()
    assert update.state == State.DRAFT


@pytest.mark.parametrize("state", [State.SUBMITTED, State.PUBLISHED, State.WITHDRAWN])
def test_only_drafts_and_returned_updates_can_be_edited(login, cast, make_update, q1, state):
    update = make_update(author=cast.alice, state=state)
    client = login(cast.alice)
    url = reverse("update_edit", args=[update.pk])
    assert client.get(url).status_code == 409
    response = client.post(
        url, {"period": q1.pk, "status": "off_track", "narrative": "Changed", "version": 1}
    )
    assert response.status_code == 409
    update.refresh_from_db()
    assert update.narrative != "Changed"


def test_coordinators_cannot_edit_narratives(login, cast, make_update, q1):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    client = login(cast.carol)
    url = reverse("update_edit", args=[update.pk])
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url,
            {
                "period": q1.pk,
                "status": "on_track",
                "narrative": "Coordinator's words",
                "version": 1,
            },
        ).status_code
        == 403
    )
    update.refresh_from_db()
    assert update.narrative != "Coordinator's words"


# state -> roles that can read an update of Canada in that state
READERS = {
    State.DRAFT: {"alice", "carol", "dave"},
    State.SUBMITTED: {"alice", "carol", "dave"},
    State.RETURNED: {"alice", "carol", "dave"},
    State.WITHDRAWN: {"alice", "carol", "dave"},
    State.PUBLISHED: {"alice", "bob", "uma", "carol", "dave"},
}


@pytest.mark.parametrize("state", list(READERS))
@pytest.mark.parametrize("who", ["alice", "bob", "uma", "carol", "dave"])
def test_who_sees_each_state(client, cast, make_update, objective, state, who):
    update = make_update(author=cast.alice, state=state, narrative=f"Narrative in state {state}")
    client.force_login(getattr(cast, who))
    allowed = who in READERS[state]
    assert client.get(update.get_absolute_url()).status_code == (200 if allowed else 404)
    # The history holds earlier drafts and review comments: never another country's
    # officials', even once published.
    history_allowed = allowed and who not in {"bob", "uma"}
    history = client.get(reverse("update_history", args=[update.pk]))
    assert history.status_code == (200 if history_allowed else 404)
    for url in [objective.get_absolute_url(), reverse("update_list"), reverse("dashboard")]:
        assert (
            f"Narrative in state {state}" in client.get(url).text
            or update.get_absolute_url() in client.get(url).text
        ) == allowed, url
    if allowed:
        label = dict(State.choices)[state]
        assert str(label) in client.get(update.get_absolute_url()).text


def test_the_dashboard_matrix_shows_only_published_updates(login, cast, make_update, objective):
    make_update(author=cast.alice, status="completed", state=State.PUBLISHED)
    make_update(author=cast.alice, status="off_track", state=State.SUBMITTED)
    rows = dict(login(cast.carol).get(reverse("dashboard")).context["overview"].rows)
    cells = {cell.country.code: cell.update for cell in rows[objective]}
    assert cells["CA"].status == "completed"


def test_submitted_updates_count_as_reported_drafts_do_not(login, cast, make_update, objective):
    from commitments.models import ReportingPeriod

    q4 = ReportingPeriod.objects.get(name="2024 Q4")
    make_update(author=cast.alice, period=q4, state=State.SUBMITTED)
    make_update(author=cast.bob, period=q4, state=State.DRAFT)
    missing = login(cast.carol).get(reverse("dashboard")).context["overview"].missing
    missing = {(m.objective, m.country) for m in missing if m.period == q4}
    assert (objective, cast.alice.membership.country) not in missing
    assert (objective, cast.bob.membership.country) in missing


def test_review_queue_is_oldest_submission_first_and_counted_on_the_dashboard(
    login, cast, make_update
):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    newer = make_update(author=cast.alice, state=State.SUBMITTED, submitted_at=now)
    older = make_update(
        author=cast.bob, state=State.SUBMITTED, submitted_at=now - timedelta(days=3)
    )
    make_update(author=cast.uma, state=State.DRAFT)
    client = login(cast.carol)
    assert list(client.get(reverse("review_queue")).context["page"].object_list) == [older, newer]
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["awaiting_review"] == 2
    assert "2 updates await your review" in dashboard.text


def test_my_country_lists_what_needs_action(login, cast, make_update):
    returned = make_update(author=cast.alice, state=State.RETURNED)
    draft = make_update(author=cast.alice, state=State.DRAFT)
    make_update(author=cast.alice, state=State.SUBMITTED)
    make_update(author=cast.bob, state=State.DRAFT)
    client = login(cast.alice)
    page = client.get(reverse("country_detail", args=["ca"]))
    assert list(page.context["needing_action"]) == [returned, draft]
    assert client.get(reverse("dashboard")).context["needing_action"] == 2
    assert (
        login(cast.bob).get(reverse("country_detail", args=["ca"])).context["needing_action"]
        is None
    )


def test_withdrawing_keeps_the_update_in_the_history(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.DRAFT)
    assert act(login(cast.alice), "update_withdraw", update).status_code == 302
    update.refresh_from_db()
    assert update.state == State.WITHDRAWN
    history = login(cast.carol).get(reverse("update_history", args=[update.pk]))
    assert "Withdrawn" in history.text


def test_comments_thread(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    token = str(uuid.uuid4())
    carol = login(cast.carol)
    url = reverse("update_comment", args=[update.pk])
    assert carol.post(url, {"body": "Which provinces?", "token": token}).status_code == 302
    assert (
        carol.post(url, {"body": "Which provinces?", "token": token}).status_code == 302
    )  # a retry
    alice = Client()
    alice.force_login(cast.alice)
    assert (
        alice.post(url, {"body": "Ontario and Quebec.", "token": str(uuid.uuid4())}).status_code
        == 302
    )
    assert list(update.comments.values_list("body", flat=True)) == [
        "Which provinces?",
        "Ontario and Quebec.",
    ]
    page = alice.get(update.get_absolute_url())
    assert "Which provinces?" in page.text and "Ontario and Quebec." in page.text
    assert AuditEntry.objects.filter(action="update.commented").count() == 2


@pytest.mark.parametrize(("who", "status"), [("bob", 403), ("dave", 403), ("nora", 403)])
def test_outsiders_cannot_comment(login, cast, make_update, who, status):
    update = make_update(author=cast.alice, state=State.PUBLISHED)
    response = login(getattr(cast, who)).post(
        reverse("update_comment", args=[update.pk]), {"body": "Hi"}
    )
    assert response.status_code == status
    assert not Comment.objects.exists()


def test_an_empty_comment_gets_a_message(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.PUBLISHED)
    response = login(cast.alice).post(reverse("update_comment", args=[update.pk]), {"body": " "})
    assert response.status_code == 400
    assert "Write a comment before sending it." in response.text
    assert not Comment.objects.exists()


def test_history_shows_each_version_and_what_changed(login, cast, make_update, q1):
    update = make_update(
        author=cast.alice, state=State.DRAFT, narrative="Kits <b>sent</b> to two provinces."
    )
    services.edit_update(
        actor=cast.alice,
        update=update,
        loaded_version=1,
        status="at_risk",
        narrative="Kits <b>sent</b> to three provinces.",
        evidence_links=[],
        period=q1,
    )
    response = login(cast.carol).get(reverse("update_history", args=[update.pk]))
    assert response.status_code == 200
    assert "Edited" in response.text
    # The old text and the new each in its own cell: what was removed, what was added.
    assert '<del><span class="visually-hidden">[removed:] </span>two</del>' in response.text
    assert '<ins><span class="visually-hidden">[added:] </span>three</ins>' in response.text
    assert "&lt;b&gt;sent&lt;/b&gt;" in response.text and "<b>sent</b>" not in response.text
    assert "On track" in response.text and "At risk" in response.text


def test_a_form_posted_twice_creates_one_update(login, cast, objective, q1):
    client = login(cast.alice)
    data = {"period": q1.pk, "status": "on_track", "narrative": "Once", "token": str(uuid.uuid4())}
    first = client.post(reverse("update_create", args=[objective.pk]), data)
    second = client.post(reverse("update_create", args=[objective.pk]), data)
    assert ProgressUpdate.objects.count() == 1
    assert first.url == second.url == ProgressUpdate.objects.get().get_absolute_url()


def test_a_token_of_another_country_is_not_reused(login, cast, objective, q1, make_update):
    token = uuid.uuid4()
    make_update(author=cast.alice, creation_token=token)
    response = login(cast.bob).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Mine", "token": str(token)},
    )
    # Not a 500, and Canada's update is not handed to Mexico; the text is kept.
    assert response.status_code == 409
    assert "This form was already used" in response.text
    assert "Mine" in response.text
    assert not ProgressUpdate.objects.filter(country__code="MX").exists()
    assert response.context["form"]["token"].value() != str(token)


def test_a_failing_audit_write_leaves_no_trace(cast, make_update, monkeypatch):
    update = make_update(author=cast.alice, state=State.DRAFT)

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    update.refresh_from_db()
    assert (update.state, update.version, update.submitted_at) == (State.DRAFT, 1, None)


def test_a_failing_audit_write_gives_a_generic_error_page(cast, make_update, monkeypatch):
    update = make_update(author=cast.alice, state=State.DRAFT)
    monkeypatch.setattr(audit, "record", lambda **kwargs: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(cast.alice)
    response = act(client, "update_submit", update)
    assert response.status_code == 500
    assert "ZeroDivisionError" not in response.text
    update.refresh_from_db()
    assert update.state == State.DRAFT


def run_concurrently(count, request):
    """Run ``request(i)`` in ``count`` threads started together; return their responses."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def worker(i):
        try:
            barrier.wait()
            responses[i] = request(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_to_one_cell_all_land(reference_data, cast, objective, q1):
    def post(i):
        client = Client()
        client.force_login(cast.alice)
        return client.post(
            reverse("update_create", args=[objective.pk]),
            {
                "period": q1.pk,
                "status": "on_track",
                "narrative": f"Post {i}",
                "token": str(uuid.uuid4()),
            },
        )

    responses = run_concurrently(12, post)
    assert [r.status_code for r in responses] == [302] * 12
    assert ProgressUpdate.objects.filter(objective=objective, country__code="CA").count() == 12
    newest = (
        ProgressUpdate.objects.filter(objective=objective, country__code="CA")
        .order_by("-created_at", "-id")
        .first()
    )
    rows = ProgressUpdate.objects.matrix(
        objective.objective_set.objectives.filter(pk=objective.pk), [newest.country]
    )
    assert rows[0][1][0][1] == newest


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_creates_one_update(reference_data, cast, objective, q1):
    token = str(uuid.uuid4())

    def post(i):
        client = Client()
        client.force_login(cast.alice)
        return client.post(
            reverse("update_create", args=[objective.pk]),
            {"period": q1.pk, "status": "on_track", "narrative": "Double click", "token": token},
        )

    responses = run_concurrently(4, post)
    assert [r.status_code for r in responses] == [302] * 4
    assert ProgressUpdate.objects.filter(narrative="Double click").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_of_one_version_never_both_win(reference_data, cast, make_update, q1):
    update = make_update(author=cast.alice, state=State.DRAFT)

    def edit(i):
        client = Client()
        client.force_login(cast.alice)
        return client.post(
            reverse("update_edit", args=[update.pk]),
            {"period": q1.pk, "status": "on_track", "narrative": f"Editor {i}", "version": 1},
        )

    responses = run_concurrently(6, edit)
    assert sorted(r.status_code for r in responses) == [302] + [409] * 5
    update.refresh_from_db()
    assert update.version == 2
    assert AuditEntry.objects.filter(action="update.edited").count() == 1
