"""Reviewing and joining, clicked through in a real browser at 1280 and 390 pixels: a
coordinator works through the queue (what changed since a return, return apart from
publish, a confirmation page, the next update after each step), and an invited person
sets their own password and reaches the two-factor set-up. Each page is checked by axe,
never scrolls sideways, and is photographed for the README (tests/screenshots/)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from commitments import invitations
from commitments.models import AuditEntry, Comment, Country, Membership, ProgressUpdate
from tests.browser.conftest import BROWSER_DB, DESKTOP, SCREENSHOTS, axe_violations, sign_in

pytestmark = BROWSER_DB

PHONE_390 = {"width": 390, "height": 844}
WIDTHS = [("desktop", DESKTOP), ("phone", PHONE_390)]


def look(page, axe_source, width, name=None):
    """The page has no axe violation and fits the screen; with ``name``, its screenshot."""
    expect(page.locator("main h1").first).to_be_visible()
    assert axe_violations(page, axe_source) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    if name:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def queue(cast, make_update):
    """Canada's update returned with a reason and resubmitted with a new narrative; then
    Mexico's, submitted for the first time."""
    resubmitted = make_update(
        author=cast.alice,
        state="submitted",
        status="at_risk",
        narrative="Naloxone kits reached five provinces: 12,000 kits since April.",
    )
    Comment.objects.create(
        update=resubmitted,
        author=cast.carol,
        kind="return_reason",
        body="Say how many kits, and where.",
    )
    from commitments import audit

    audit.record(
        actor=cast.carol,
        action=audit.Action.UPDATE_RETURNED,
        target=resubmitted,
        changes={
            "state": ["submitted", "returned"],
            "reason": [None, "Say how many kits, and where."],
        },
    )
    audit.record(
        actor=cast.alice,
        action=audit.Action.UPDATE_EDITED,
        target=resubmitted,
        changes={
            "narrative": [
                "Naloxone kits reached three provinces.",
                "Naloxone kits reached five provinces: 12,000 kits since April.",
            ],
            "status": ["on_track", "at_risk"],
        },
    )
    first_time = make_update(author=cast.bob, state="submitted", narrative="Se amplió el programa.")
    return resubmitted, first_time


@pytest.mark.parametrize(("width_name", "viewport"), WIDTHS)
def test_a_coordinator_works_through_the_queue(
    width_name, viewport, new_page, cast, queue, axe_source
):
    resubmitted, first_time = queue
    width = viewport["width"]
    page = sign_in(new_page(viewport), cast.carol)
    page.goto(reverse("review_queue"))
    look(page, axe_source, width, f"review-queue-{width_name}")
    # The link names the objective and country; the resubmission is marked.
    row = page.locator("tr", has_text="Resubmitted after a return")
    expect(row).to_have_count(1)
    link = row.get_by_role("link")
    expect(link).to_have_accessible_name(re.compile(r"^1\. .+, Canada, 2024 Q1$"))
    link.click()

    expect(page.get_by_role("heading", name="What changed since it was returned")).to_be_visible()
    expect(page.locator(".since-return ins").first).to_contain_text("five")
    expect(page.locator(".state-banner")).to_contain_text("Awaiting your review")
    look(page, axe_source, width, f"review-changes-{width_name}")

    # A reason typed in the return box does not go with Publish: publishing is a link to
    # a page of its own, which asks to confirm.
    page.get_by_label("Reason for returning").fill("Typed, then changed my mind.")
    page.get_by_role("link", name="Publish this update").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish this update?")
    look(page, axe_source, width, f"review-confirm-publish-{width_name}")
    page.get_by_role("button", name="Yes, publish it").click()

    # On to the next in the queue, saying what was done.
    expect(page.get_by_role("status")).to_contain_text("Published: “1.")
    expect(page.get_by_role("status")).to_contain_text("This is the next update in the review")
    assert page.url.endswith(first_time.get_absolute_url())
    resubmitted.refresh_from_db()
    assert resubmitted.state == "published"
    assert not Comment.objects.filter(body="Typed, then changed my mind.").exists()

    page.get_by_label("Reason for returning").fill("Add this quarter's figures.")
    page.get_by_role("button", name="Return for changes").click()
    expect(page.get_by_role("status")).to_contain_text("Returned to Mexico with your reason")
    expect(page.get_by_role("status")).to_contain_text("Nothing else awaits review.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    first_time.refresh_from_db()
    assert first_time.state == "returned"


def test_a_double_click_on_publish_publishes_once(new_page, cast, make_update):
    update = make_update(author=cast.alice, state="submitted")
    page = sign_in(new_page(), cast.carol)
    page.goto(reverse("update_publish_confirm", args=[update.pk]))
    page.get_by_role("button", name="Yes, publish it").dblclick()
    expect(page.get_by_role("status")).to_contain_text("Published")
    assert list(
        AuditEntry.objects.filter(action="update.published").values_list("target_id", flat=True)
    ) == [str(update.pk)]


def test_withdrawing_asks_first(new_page, cast, make_update, axe_source):
    draft = make_update(author=cast.alice, state="draft")
    page = sign_in(new_page(), cast.alice)
    page.goto(draft.get_absolute_url())
    page.get_by_role("link", name="Withdraw", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw this update?")
    look(page, axe_source, DESKTOP["width"])
    page.get_by_role("link", name="No, keep it").click()
    draft.refresh_from_db()
    assert draft.state == "draft"
    page.get_by_role("link", name="Withdraw", exact=True).click()
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.get_by_role("status")).to_contain_text("withdrawn")
    draft.refresh_from_db()
    assert draft.state == "withdrawn"


def test_a_coordinator_opening_the_admin_is_told_what_to_do_instead(new_page, cast, axe_source):
    page = sign_in(new_page(), cast.carol)
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not allowed to do this")
    expect(page.get_by_role("link", name=re.compile("review queue"))).to_be_visible()
    look(page, axe_source, DESKTOP["width"])


@pytest.mark.parametrize(("width_name", "viewport"), WIDTHS)
def test_an_invited_person_sets_a_password_and_sets_up_two_factor(
    width_name, viewport, new_page, cast, axe_source
):
    person = Membership.objects.create(
        user=type(cast.alice).objects.create_user("newcomer", email="new@example.org"),
        role="official",
        country=Country.objects.get(code="CA"),
        language="en",
    ).user
    person.first_name = "Noor"
    person.set_unusable_password()
    person.save()
    mail.outbox.clear()
    invitations.invite(actor=cast.dave, user=person)  # committed: the e-mail leaves now
    link = re.search(r"/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)

    width = viewport["width"]
    page = new_page(viewport)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    look(page, axe_source, width, f"invitation-{width_name}")
    page.get_by_role("button", name="Set my password and continue").click()
    expect(page.locator("#error-summary")).to_be_visible()
    look(page, axe_source, width)
    page.get_by_label("New password", exact=True).fill("juniper-kettle-harbour-74")
    page.get_by_label("New password confirmation").fill("juniper-kettle-harbour-74")
    page.get_by_role("button", name="Set my password and continue").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set.")
    assert reverse("mfa_setup") in page.url
    look(page, axe_source, width, f"invitation-two-factor-{width_name}")

    # The same link again, from another browser: refused, saying why and what to do.
    other = new_page(viewport)
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "This invitation link cannot be used"
    )
    expect(other.get_by_role("alert")).to_contain_text("already used")
    look(other, axe_source, width, f"invitation-used-{width_name}")
    person.refresh_from_db()
    assert person.check_password("juniper-kettle-harbour-74")
    assert ProgressUpdate.objects.count() == 0
