"""Reviewing, as a coordinator does it all day: the queue names what each update is and
marks a resubmission; the update page shows what changed since it was returned, keeps
returning (with its reason) apart from publishing, and publishing and withdrawing are
confirmed on a page of their own; after each step, the next update in the queue. The
banner on the update page speaks to its reader."""

import html
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import fragments, services
from commitments.models import AuditEntry, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State


def post(client, name, update, **data):
    data.setdefault("version", update.version)
    return client.post(reverse(name, args=[update.pk]), data, follow=False)


def actions(update):
    return list(AuditEntry.objects.for_object(update).reverse().values_list("action", flat=True))


def messages_of(response):
    """The messages this response added (those of earlier unfollowed redirects wait in
    the cookie before them)."""
    return [str(message) for message in response.wsgi_request._messages._queued_messages]


@pytest.fixture
def returned_and_resubmitted(login, cast, objective, q1):
    """Canada's update on objective 1: written, submitted, returned by carol with a
    reason, its narrative and status edited by alice, and submitted again."""
    alice = login(cast.alice)
    alice.post(
        reverse("update_create", args=[objective.pk]),
        {
            "period": q1.pk,
            "status": "on_track",
            "narrative": "Naloxone kits reached three provinces.",
            "token": uuid.uuid4(),
        },
    )
    update = ProgressUpdate.objects.get()
    post(alice, "update_submit", update)
    carol = Client()
    carol.force_login(cast.carol)
    update.refresh_from_db()
    post(carol, "update_return", update, reason="Say how many kits, and where.")
    update.refresh_from_db()
    alice.post(
        reverse("update_edit", args=[update.pk]),
        {
            "period": q1.pk,
            "status": "at_risk",
            "narrative": "Naloxone kits reached five provinces: 12,000 kits.",
            "language": "en",
            "evidence_links": "",
            "version": update.version,
        },
    )
    update.refresh_from_db()
    post(alice, "update_submit", update)
    update.refresh_from_db()
    assert update.state == State.SUBMITTED
    return update


# --- The update page: what changed, returning apart from publishing ---------------------------


def test_the_reviewer_sees_what_changed_since_the_return(login, cast, returned_and_resubmitted):
    page = login(cast.carol).get(returned_and_resubmitted.get_absolute_url()).text
    section = page[page.index('id="since-return-heading"') :]
    section = section[: section.index("</section>")]
    assert "Say how many kits, and where." in section
    # The narrative as a word diff, each removed and added run also named in words.
    assert re.search(r"<del><span class=\"visually-hidden\">Removed: </span>three</del>", section)
    assert re.search(r"<ins><span class=\"visually-hidden\">Added: </span>five</ins>", section)
    assert "12,000 kits." in section
    # The status, from its value when returned to its value now.
    assert re.search(r"On track</td>\s*<td>At risk", section)


def test_a_resubmission_without_changes_says_so(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    post(carol, "update_return", update, reason="Add the figures.")
    update.refresh_from_db()
    alice = Client()
    alice.force_login(cast.alice)
    post(alice, "update_submit", update)
    update.refresh_from_db()
    page = carol.get(update.get_absolute_url()).text
    assert "What changed since it was returned" in page
    assert "Nothing was changed since it was returned" in page


def test_a_first_submission_shows_no_changes_since_a_return(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    page = login(cast.carol).get(update.get_absolute_url()).text
    assert "What changed since it was returned" not in page


def test_only_the_reviewer_is_shown_the_changes(login, cast, returned_and_resubmitted):
    """The official's page of the same update: no review section at all."""
    page = login(cast.alice).get(returned_and_resubmitted.get_absolute_url()).text
    assert "since-return" not in page
    assert "Return for changes" not in page


def test_returning_comes_first_and_publishing_is_a_separate_confirmed_step(
    login, cast, make_update
):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    page = login(cast.carol).get(update.get_absolute_url()).text
    return_form = page.index(f'action="{reverse("update_return", args=[update.pk])}"')
    publish_link = page.index(f'href="{reverse("update_publish_confirm", args=[update.pk])}"')
    assert return_form < publish_link
    # Publishing is not a button in the return form, nor a form on this page at all:
    # a reason typed cannot be sent with it.
    form = page[return_form : page.index("</form>", return_form)]
    assert "Publish" not in form
    assert f'action="{reverse("update_publish", args=[update.pk])}"' not in page


def test_publishing_is_confirmed_on_its_own_page(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    response = carol.get(reverse("update_publish_confirm", args=[update.pk]))
    assert response.status_code == 200
    assert "Publish this update?" in response.text
    assert '<button type="submit">Yes, publish it</button>' in response.text
    assert f'name="version" value="{update.version}"' in response.text
    assert "data-submit-once" in response.text
    # Reading the confirmation changes nothing.
    update.refresh_from_db()
    assert update.state == State.SUBMITTED


def test_withdrawing_is_confirmed_on_its_own_page(login, cast, make_update):
    draft = make_update(author=cast.alice, state=State.DRAFT)
    alice = login(cast.alice)
    page = alice.get(draft.get_absolute_url()).text
    assert f'href="{reverse("update_withdraw_confirm", args=[draft.pk])}"' in page
    assert f'action="{reverse("update_withdraw", args=[draft.pk])}"' not in page
    confirm = alice.get(reverse("update_withdraw_confirm", args=[draft.pk]))
    assert confirm.status_code == 200
    assert "Withdraw this update?" in confirm.text
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert post(alice, "update_withdraw", draft).status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN


def test_the_confirmation_pages_refuse_whoever_may_not_act(login, cast, make_update):
    published = make_update(author=cast.alice)
    draft = make_update(author=cast.alice, state=State.DRAFT)
    bob = login(cast.bob)
    # Another country's draft stays invisible; its published update is readable, and so
    # the refusal says why.
    assert bob.get(reverse("update_withdraw_confirm", args=[draft.pk])).status_code == 404
    refused = bob.get(reverse("update_withdraw_confirm", args=[published.pk]))
    assert refused.status_code == 403
    assert "Only the country's officials can withdraw its updates." in html.unescape(refused.text)
    # An official never publishes; a coordinator never withdraws.
    assert bob.get(reverse("update_publish_confirm", args=[published.pk])).status_code == 403
    carol = login(cast.carol)
    assert carol.get(reverse("update_withdraw_confirm", args=[draft.pk])).status_code == 403


def test_a_confirmation_for_an_update_in_another_state_says_it_no_longer_applies(
    login, cast, make_update
):
    published = make_update(author=cast.alice)
    alice = login(cast.alice)
    response = alice.get(reverse("update_withdraw_confirm", args=[published.pk]))
    assert response.status_code == 409
    assert "Only a draft or returned update can be withdrawn." in response.text
    carol = login(cast.carol)
    response = carol.get(reverse("update_publish_confirm", args=[published.pk]))
    assert response.status_code == 409
    assert "no longer awaiting review" in response.text


# --- After a step: the next in the queue -------------------------------------------------------


def test_after_publishing_the_next_update_in_the_queue(login, cast, make_update, objective):
    first = make_update(author=cast.alice, state=State.SUBMITTED)
    second = make_update(author=cast.bob, state=State.SUBMITTED)
    carol = login(cast.carol)
    response = post(carol, "update_publish", first)
    assert response.status_code == 302
    assert response["Location"] == second.get_absolute_url()
    said = messages_of(response)
    assert said[0] == (
        f"Published: “{objective.number}. {objective.local_title}, Canada, 2024 Q1”. "
        "Every signed-in user can now read it."
    )
    assert said[1] == "This is the next update in the review queue."
    first.refresh_from_db()
    assert first.state == State.PUBLISHED

    response = post(carol, "update_return", second, reason="Add the figures.")
    assert response["Location"] == reverse("review_queue")
    said = messages_of(response)
    assert said[0].startswith("Returned to Mexico with your reason: “1. ")
    assert said[1] == "Nothing else awaits review."


def test_a_publication_sent_twice_takes_once_and_says_so(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    version = update.version
    assert post(carol, "update_publish", update, version=version).status_code == 302
    again = post(carol, "update_publish", update, version=version)
    assert again.status_code == 302
    assert "was already published; nothing more was done." in messages_of(again)[0]
    assert actions(update) == ["update.published"]


def test_a_return_sent_twice_takes_once(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    version = update.version
    post(carol, "update_return", update, version=version, reason="Add the figures.")
    again = post(carol, "update_return", update, version=version, reason="Add the figures.")
    assert again.status_code == 302
    assert "was already returned; nothing more was done." in messages_of(again)[0]
    assert actions(update) == ["update.returned"]
    assert update.comments.count() == 1


def test_a_stale_publication_by_someone_else_is_a_conflict(login, cast, make_update):
    """Another coordinator's step, or a version changed meanwhile, is not "already done"."""
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    other = login(cast.carol)
    version = update.version
    post(other, "update_return", update, reason="Add the figures.")
    from tests.conftest import make_user

    sofia = make_user("sofia", "coordinator")
    second = Client()
    second.force_login(sofia)
    response = post(second, "update_publish", update, version=version)
    assert response.status_code == 409
    assert "no longer awaiting review in the version you saw" in response.text
    update.refresh_from_db()
    assert update.state == State.RETURNED


def test_a_tampered_publication_is_refused(login, cast, make_update):
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    assert post(carol, "update_publish", update, version="x").status_code == 400
    # An official forging the coordinators' step.
    alice = login(cast.alice)
    assert post(alice, "update_publish", update).status_code == 403
    update.refresh_from_db()
    assert update.state == State.SUBMITTED


# --- The queue -------------------------------------------------------------------------------


def test_the_queue_links_name_the_objective_and_country_and_mark_resubmissions(
    login, cast, returned_and_resubmitted, make_update, objective
):
    first_time = make_update(author=cast.bob, state=State.SUBMITTED)
    page = login(cast.carol).get(reverse("review_queue")).text
    for update, country in [(returned_and_resubmitted, "Canada"), (first_time, "Mexico")]:
        link = re.search(rf'<a href="{update.get_absolute_url()}">(.*?)</a>(.*?)</td>', page, re.S)
        text = re.sub(r"<[^>]+>", "", link.group(1))
        assert text == f"{objective.number}. {objective.local_title}, {country}, 2024 Q1"
        marked = "Resubmitted after a return" in link.group(2)
        assert marked == (update == returned_and_resubmitted)


def test_a_queue_row_drawn_before_a_return_is_marked_once_resubmitted(login, cast, make_update):
    """The queue's rows are kept per row version: the row drawn while the update first
    waited is not served again once it is returned, edited and submitted again."""
    update = make_update(author=cast.alice, state=State.SUBMITTED)
    carol = login(cast.carol)
    assert "Resubmitted after a return" not in carol.get(reverse("review_queue")).text
    services.return_update(
        actor=cast.carol, update=update, loaded_version=update.version, reason="Which kits?"
    )
    assert f'value="{update.pk}"' not in carol.get(reverse("review_queue")).text
    update.refresh_from_db()
    services.submit_update(actor=cast.alice, update=update, loaded_version=update.version)
    page = carol.get(reverse("review_queue")).text
    assert f'value="{update.pk}"' in page and "Resubmitted after a return" in page


def test_the_queue_costs_the_same_queries_with_more_updates(login, cast, make_update):
    carol = login(cast.carol)
    make_update(author=cast.alice, state=State.SUBMITTED)
    carol.get(reverse("review_queue"))

    def count():
        fragments.cache().clear()  # every row drawn: their reads are counted
        with CaptureQueriesContext(connection) as queries:
            assert carol.get(reverse("review_queue")).status_code == 200
        return len(queries)

    few = count()
    periods = ReportingPeriod.objects.filter(objective_set__year=2024)
    for period in periods:
        for author in (cast.bob, cast.uma):
            update = make_update(author=author, state=State.SUBMITTED, period=period)
            update.comments.create(author=cast.carol, kind="return_reason", body="Figures.")
    assert count() == few


# --- The banner speaks to its reader -------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "reader", "says", "never"),
    [
        ("returned", "alice", "Edit it and submit it again.", None),
        ("returned", "carol", "comes back to the review queue", "Edit it and submit it again"),
        ("returned", "dave", "A coordinator returned it for changes.", "Edit it and submit"),
        ("draft", "alice", "Submit it when it is ready.", None),
        ("draft", "carol", "when its country submits it", "Submit it when it is ready"),
        ("submitted", "carol", "Awaiting your review", None),
        ("submitted", "alice", "Awaiting a coordinator's review.", "Awaiting your review"),
        ("submitted", "dave", "Awaiting a coordinator's review.", "Awaiting your review"),
    ],
)
def test_the_banner_speaks_to_its_reader(login, cast, make_update, state, reader, says, never):
    update = make_update(author=cast.alice, state=state)
    page = login(getattr(cast, reader)).get(update.get_absolute_url()).text
    banner = page[
        page.index('class="state-banner') : page.index("</p>", page.index("state-banner"))
    ]
    assert says in banner
    if never:
        assert never not in banner


# --- Spanish and French -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "confirm", "changed"),
    [
        ("es", "¿Publicar esta actualización?", "Qué cambió desde que se devolvió"),
        ("fr", "Publier cette mise à jour\u00a0?", "Ce qui a changé depuis le renvoi"),
    ],
)
def test_reviewing_in_spanish_and_french(
    client, cast, returned_and_resubmitted, language, confirm, changed
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(cast.carol)
    update = returned_and_resubmitted
    assert changed in client.get(update.get_absolute_url()).text
    assert confirm in client.get(reverse("update_publish_confirm", args=[update.pk])).text
    response = post(client, "update_publish", update)
    assert "Published" not in messages_of(response)[0]


# --- Several at once: confirmed too --------------------------------------------------------------


def test_publishing_several_at_once_is_confirmed_first(login, cast, make_update):
    first = make_update(author=cast.alice, state=State.SUBMITTED)
    second = make_update(author=cast.bob, state=State.SUBMITTED)
    carol = login(cast.carol)
    chosen = {
        "update": [str(first.pk), str(second.pk)],
        f"version-{first.pk}": str(first.version),
        f"version-{second.pk}": str(second.version),
    }
    response = carol.post(reverse("review_publish_batch"), chosen)
    assert response.status_code == 200
    assert "Publish these 2 updates?" in response.text
    assert 'name="confirmed" value="yes"' in response.text
    assert f'name="version-{first.pk}" value="{first.version}"' in response.text
    assert set(ProgressUpdate.objects.values_list("state", flat=True)) == {State.SUBMITTED}
    confirmed = carol.post(reverse("review_publish_batch"), {**chosen, "confirmed": "yes"})
    assert confirmed.status_code == 302
    assert set(ProgressUpdate.objects.values_list("state", flat=True)) == {State.PUBLISHED}


def test_the_batch_confirmation_refuses_what_no_longer_awaits_review(login, cast, make_update):
    submitted = make_update(author=cast.alice, state=State.SUBMITTED)
    draft = make_update(author=cast.alice, state=State.DRAFT)
    carol = login(cast.carol)
    chosen = {"update": [str(submitted.pk), str(draft.pk)]}
    chosen.update({f"version-{u.pk}": str(u.version) for u in (submitted, draft)})
    response = carol.post(reverse("review_publish_batch"), chosen)
    assert response.status_code == 409
    assert "Nothing was published" in response.text
    assert carol.post(reverse("review_publish_batch"), {"update": "abc"}).status_code == 400
    unknown = {"update": "999999", "version-999999": "1"}
    assert carol.post(reverse("review_publish_batch"), unknown).status_code == 404
    assert ProgressUpdate.objects.get(pk=submitted.pk).state == State.SUBMITTED
