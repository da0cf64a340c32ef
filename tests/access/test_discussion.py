"""An update's discussion (its comments and the reasons a coordinator gave for returning it)
is a conversation between the update's own country's officials and the coordinators;
administrators read it, as they keep the audit log. Publishing the update makes the update
public to every signed-in user, never its discussion: another country's officials and
accounts without a role read none of it anywhere (pages, cached fragments, feed, exports,
briefs, e-mails, history) and post nothing into it."""

import csv
import datetime
import io
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from commitments import fragments, policy, reminders, services
from commitments.models import ApiToken, AuditEntry, Comment, Meeting, ProgressUpdate
from commitments.views.updates import detail_context
from tests.conftest import make_user
from tests.support.jobs import fetch_file

pytestmark = pytest.mark.django_db

NARRATIVE = "Naloxone kits reached every province in the first quarter"
REASON = "The totals for Ontario do not match the annex"
OFFICIAL_SAYS = "Corrected totals are in the second annex"
COORDINATOR_SAYS = "Thanks, the totals now match"
DISCUSSION = [REASON, OFFICIAL_SAYS, COORDINATOR_SAYS]


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def canadas(cast, make_update):
    """Canada's update on objective 1 for 2024 Q1: submitted, returned with a reason,
    discussed by Canada's official and the coordinator, submitted again and published
    (before the 8th NADD, so its brief shows it)."""
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT, narrative=NARRATIVE)
    update = services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    update = services.return_update(
        actor=cast.carol, update=update, loaded_version=update.version, reason=REASON
    )
    services.add_comment(actor=cast.alice, update=update, body=OFFICIAL_SAYS)
    services.add_comment(actor=cast.carol, update=update, body=COORDINATOR_SAYS)
    update = services.submit_update(actor=cast.alice, update=update, loaded_version=update.version)
    update = services.publish_update(actor=cast.carol, update=update, loaded_version=update.version)
    ProgressUpdate.objects.filter(pk=update.pk).update(
        created_at=at(2024, 9, 30), published_at=at(2024, 10, 1)
    )
    update.refresh_from_db()
    return update


@pytest.fixture
def root(db):
    """A superuser with no membership row: counts as an administrator."""
    return make_user("root", is_staff=True, is_superuser=True)


def text_of(response):
    """What a response shows a person, whatever its format, with whitespace collapsed."""
    content_type = response.get("Content-Type", "")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        sheet = load_workbook(io.BytesIO(raw), read_only=True).active
        text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    elif "pdf" in content_type:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    elif "csv" in content_type:
        rows = csv.reader(io.StringIO(raw.decode("utf-8-sig")))
        text = " ".join(cell for row in rows for cell in row)
    else:
        text = raw.decode()
    return " ".join(text.split())


def answer(client, url):
    """The page, or for a file prepared by a background job, the finished file."""
    response = client.get(url)
    if "commitments/job_offer.html" in [template.name for template in response.templates]:
        return fetch_file(client, url)
    return response


def assert_no_discussion(text, where):
    for words in DISCUSSION:
        assert words not in text, f"{where} shows {words!r}"


# --- Who reads it -------------------------------------------------------------------------

READS_DISCUSSION = {
    "alice": True,  # an official of the update's country
    "carol": True,  # a coordinator
    "dave": True,  # an administrator
    "root": True,  # a superuser without a membership: an administrator
    "bob": False,  # an official of another country
    "uma": False,
    "nora": False,  # no role
    "erin": False,  # an inactive official of the update's country
}


@pytest.mark.parametrize("who", sorted(READS_DISCUSSION))
def test_who_may_read_a_published_updates_discussion(cast, root, canadas, who):
    user = root if who == "root" else getattr(cast, who)
    assert policy.may_read_discussion(user, canadas) is READS_DISCUSSION[who]


@pytest.mark.parametrize("who", ["bob", "uma"])
def test_another_countrys_official_reads_the_published_update_but_none_of_its_discussion(
    login, cast, canadas, who
):
    page = login(getattr(cast, who)).get(canadas.get_absolute_url())
    assert page.status_code == 200
    assert NARRATIVE in page.text
    assert_no_discussion(page.text, "the update page")
    assert "Discussion" not in page.text
    assert "Reason for returning" not in page.text
    assert reverse("update_comment", args=[canadas.pk]) not in page.text
    assert reverse("update_history", args=[canadas.pk]) not in page.text
    assert page.context["actions"].read_discussion is False
    assert list(page.context["comments"]) == []


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_the_countrys_officials_and_the_coordinators_read_and_write_the_discussion(
    login, cast, canadas, who
):
    page = login(getattr(cast, who)).get(canadas.get_absolute_url())
    for words in DISCUSSION:
        assert words in page.text
    assert "Reason for returning" in page.text
    assert reverse("update_comment", args=[canadas.pk]) in page.text
    assert reverse("update_history", args=[canadas.pk]) in page.text


@pytest.mark.parametrize("who", ["dave", "root"])
def test_administrators_read_the_discussion_but_are_offered_no_comment_form(
    client, cast, root, canadas, who
):
    client.force_login(root if who == "root" else getattr(cast, who))
    page = client.get(canadas.get_absolute_url())
    for words in DISCUSSION:
        assert words in page.text
    assert reverse("update_comment", args=[canadas.pk]) not in page.text
    assert "only this country's officials and the coordinators write in it" in page.text
    assert reverse("update_history", args=[canadas.pk]) in page.text


def test_a_returned_update_points_to_its_reason_only_for_those_who_read_it(rf, cast, make_update):
    # A returned update is never shown to another country's officials, but the page
    # does not rely on that: its banner points to the reason, and the page shows it,
    # only for those who may read the discussion.
    update = make_update(author=cast.alice, state=ProgressUpdate.State.RETURNED)
    Comment.objects.create(
        update=update, author=cast.carol, kind=Comment.Kind.RETURN_REASON, body=REASON
    )
    for user, reads in [(cast.alice, True), (cast.bob, False)]:
        request = rf.get(update.get_absolute_url())
        request.user = user
        html = render_to_string(
            "commitments/update_detail.html", detail_context(request, update), request=request
        )
        assert "A coordinator returned it for changes" in html
        assert ("see the reason below" in html) is reads, user
        assert (REASON in html) is reads, user


def test_the_update_page_reads_no_discussion_for_another_countrys_official(login, cast, canadas):
    client = login(cast.bob)
    client.get(canadas.get_absolute_url())  # sessions and fragments in place
    with CaptureQueriesContext(connection) as queries:
        assert client.get(canadas.get_absolute_url()).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "commitments_comment" in q["sql"]]


def test_an_account_without_a_role_reads_nothing_of_it(login, cast, canadas):
    client = login(cast.nora)
    for url in [
        canadas.get_absolute_url(),
        reverse("update_history", args=[canadas.pk]),
        reverse("api_updates"),
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert_no_discussion(response.content.decode(), url)


# --- Nowhere else either ------------------------------------------------------------------


def surfaces(update):
    """(name, url, what shows that the surface does carry the update)."""
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    return [
        ("updates list", reverse("update_list"), update.get_absolute_url()),
        (
            "updates list, filtered",
            f"{reverse('update_list')}?country=CA",
            update.get_absolute_url(),
        ),
        ("dashboard", reverse("dashboard"), update.get_absolute_url()),
        ("objective page", update.objective.get_absolute_url(), NARRATIVE),
        ("country page", reverse("country_detail", args=["ca"]), NARRATIVE),
        ("feed", reverse("api_updates"), NARRATIVE),
        ("CSV export", reverse("update_export_csv"), NARRATIVE),
        ("Excel export", reverse("update_export_xlsx"), NARRATIVE),
        ("meeting brief", reverse("meeting_brief", args=[eighth.pk]), NARRATIVE),
        ("meeting brief PDF", reverse("meeting_brief_pdf", args=[eighth.pk]), NARRATIVE),
    ]


@pytest.mark.parametrize("who", ["bob", "uma"])
def test_another_countrys_official_finds_the_discussion_on_no_page_feed_export_or_brief(
    cast, canadas, who
):
    coordinator, official = Client(), Client()
    coordinator.force_login(cast.carol)
    official.force_login(getattr(cast, who))
    fragments.cache().clear()
    for name, url, carries_the_update in surfaces(canadas):
        # The coordinator draws every cached fragment first; the official is served them.
        assert answer(coordinator, url).status_code == 200, name
        response = answer(official, url)
        assert response.status_code == 200, name
        text = text_of(response)
        assert carries_the_update in text, name
        assert_no_discussion(text, name)


def test_the_feed_with_another_countrys_token_carries_no_discussion(client, cast, canadas):
    token = ApiToken(user=cast.bob, name="Mexico's dashboard")
    key = token.issue()
    token.save()
    response = client.get(reverse("api_updates"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert NARRATIVE in response.text
    assert_no_discussion(response.text, "the feed")


@pytest.mark.parametrize("who", ["bob", "uma"])
def test_another_countrys_official_cannot_open_the_history_that_records_the_discussion(
    login, cast, canadas, who
):
    response = login(getattr(cast, who)).get(reverse("update_history", args=[canadas.pk]))
    assert response.status_code == 404
    assert_no_discussion(response.content.decode(), "the history")


@pytest.mark.parametrize("who", ["alice", "carol", "dave"])
def test_the_history_records_the_discussion_for_those_who_read_it(login, cast, canadas, who):
    response = login(getattr(cast, who)).get(reverse("update_history", args=[canadas.pk]))
    assert response.status_code == 200
    for words in DISCUSSION:
        assert words in response.text


def test_another_countrys_official_cannot_browse_comments_or_audit_entries_in_the_admin(
    login, cast, canadas
):
    client = login(cast.bob)
    for model in ["comment", "auditentry"]:
        response = client.get(reverse(f"admin:commitments_{model}_changelist"))
        # Told the admin is not for them (tests/access/test_not_for_you.py), nothing listed.
        assert response.status_code == 403, model
        assert OFFICIAL_SAYS not in response.text


def test_reminder_emails_carry_no_discussion(cast, canadas, make_update, objective):
    for user in [cast.alice, cast.bob, cast.uma, cast.carol]:
        user.email = f"{user.username}@example.org"
        user.save()
    # Returned with a reason and handed in again: in the coordinators' digest.
    waiting = make_update(author=cast.alice, state=ProgressUpdate.State.SUBMITTED)
    Comment.objects.create(
        update=waiting, author=cast.carol, kind=Comment.Kind.RETURN_REASON, body=REASON
    )
    Comment.objects.create(update=waiting, author=cast.alice, body=OFFICIAL_SAYS)
    outcomes = reminders.send_all(datetime.date(2024, 4, 5))  # 2024 Q1 is due on 15 April
    assert outcomes["sent"] == 4
    assert {m.to[0] for m in mail.outbox} >= {"bob@example.org", "carol@example.org"}
    for message in mail.outbox:
        assert_no_discussion(f"{message.subject} {message.body}", f"the e-mail to {message.to}")


# --- Cached fragments ---------------------------------------------------------------------

# page -> the fragment each of its updates is drawn in
ROW_FRAGMENTS = [
    ("update_list", [], "update-row"),
    ("dashboard", [], "activity-item"),
    ("objective_detail", ["objective"], "update-card"),
    ("country_detail", ["ca"], "update-card-with-objective"),
]


@pytest.mark.parametrize(("page", "args", "fragment"), ROW_FRAGMENTS)
def test_a_rows_cached_fragment_is_the_same_whoever_draws_it(cast, canadas, page, args, fragment):
    """Row fragments are keyed by the row, never by the reader: what a coordinator's
    request draws must be exactly what another country's official would draw."""
    url = reverse(page, args=[canadas.objective.pk if arg == "objective" else arg for arg in args])
    with translation.override("en"):
        key = fragments.declared(fragment).key(RequestFactory().get(url), canadas)
    drawn = {}
    for who in ["carol", "alice", "dave", "bob"]:
        fragments.cache().clear()
        client = Client()
        client.force_login(getattr(cast, who))
        assert client.get(url).status_code == 200
        drawn[who] = fragments.cache().get(key)
        assert drawn[who] is not None, f"{fragment} not cached for {who}"
    assert drawn["carol"] == drawn["alice"] == drawn["dave"] == drawn["bob"]
    assert_no_discussion(drawn["carol"], fragment)


# --- Who posts into it --------------------------------------------------------------------


def discussion_snapshot(update):
    return (
        list(Comment.objects.filter(update=update).values_list("pk", flat=True)),
        AuditEntry.objects.filter(action="update.commented").count(),
    )


@pytest.mark.parametrize("who", ["bob", "uma", "dave"])
@pytest.mark.parametrize("body", ["Mexico has a view on Ontario.", ""])
def test_only_the_country_and_the_coordinators_post_into_the_discussion_through_the_page(
    login, cast, canadas, who, body
):
    # Refused before the form is even read: a malformed post is not answered with the
    # page and its form either.
    before = discussion_snapshot(canadas)
    response = login(getattr(cast, who)).post(
        reverse("update_comment", args=[canadas.pk]), {"body": body, "token": uuid.uuid4()}
    )
    assert response.status_code == 403
    assert discussion_snapshot(canadas) == before
    assert_no_discussion(response.content.decode(), "the refusal")


@pytest.mark.parametrize("who", ["bob", "uma", "dave", "nora"])
def test_the_comment_service_refuses_anyone_outside_the_conversation(cast, canadas, who):
    before = discussion_snapshot(canadas)
    with pytest.raises(PermissionDenied):
        services.add_comment(
            actor=getattr(cast, who), update=canadas, body="Mexico has a view on Ontario."
        )
    assert discussion_snapshot(canadas) == before


def test_the_comment_service_refuses_a_superuser_without_a_membership(root, canadas):
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=root, update=canadas, body="Admins keep the log.")


# --- A reused comment form ------------------------------------------------------------------


def post_comment(client, update, body, token):
    return client.post(reverse("update_comment", args=[update.pk]), {"body": body, "token": token})


def test_a_comment_form_reused_on_another_update_is_shown_again_with_a_message(
    login, cast, canadas, make_update
):
    other = make_update(author=cast.alice, state=ProgressUpdate.State.SUBMITTED)
    client = login(cast.carol)
    token = str(uuid.uuid4())
    assert post_comment(client, canadas, "Noted.", token).status_code == 302
    before = (discussion_snapshot(canadas), discussion_snapshot(other))
    response = post_comment(client, other, "Which provinces?", token)
    assert response.status_code == 409
    assert "This comment form was already used." in response.text
    form = response.context["comment_form"]
    assert form["body"].value() == "Which provinces?"
    assert str(form["token"].value()) != token  # a fresh token for the next attempt
    assert (discussion_snapshot(canadas), discussion_snapshot(other)) == before
    # Sent again as shown, it is added.
    assert post_comment(client, other, "Which provinces?", form["token"].value()).status_code == 302
    assert list(other.comments.values_list("body", flat=True)) == ["Which provinces?"]


@pytest.mark.parametrize(
    ("who", "body"),
    [("alice", "Noted."), ("carol", "Noted, with other words.")],  # another author; other text
)
def test_a_comment_token_already_used_on_the_same_update_adds_nothing(
    login, cast, canadas, who, body
):
    first = Client()
    first.force_login(cast.carol)
    token = str(uuid.uuid4())
    assert post_comment(first, canadas, "Noted.", token).status_code == 302
    before = discussion_snapshot(canadas)
    response = post_comment(login(getattr(cast, who)), canadas, body, token)
    assert response.status_code == 409
    assert "This comment form was already used." in response.text
    assert discussion_snapshot(canadas) == before


def test_the_comment_service_refuses_a_reused_token(cast, canadas, make_update):
    other = make_update(author=cast.alice, state=ProgressUpdate.State.SUBMITTED)
    token = uuid.uuid4()
    first = services.add_comment(actor=cast.carol, update=canadas, body="Noted.", token=token)
    assert (
        services.add_comment(actor=cast.carol, update=canadas, body="Noted.", token=token) == first
    )  # the same form posted twice
    with pytest.raises(services.ReusedForm):
        services.add_comment(actor=cast.carol, update=other, body="Noted.", token=token)
    assert not other.comments.exists()
    assert (
        AuditEntry.objects.filter(action="update.commented", target_id=str(other.pk)).count() == 0
    )
