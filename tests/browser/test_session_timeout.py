"""The session's end, in a real browser: the warning before it (a modal dialog, used with
the keyboard), and a narrative typed past the end that comes back after signing in again.
Screenshots at 1280 and 390 pixels for the README (tests/screenshots/)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import ProgressUpdate
from tests.browser.conftest import BROWSER_DB, DESKTOP, SCREENSHOTS, axe_violations, sign_in

pytestmark = BROWSER_DB

PHONE_390 = {"width": 390, "height": 844}
VIEWPORTS = [("desktop", DESKTOP), ("phone", PHONE_390)]
NARRATIVE = (
    "Health Canada funded naloxone training in every province and territory. "
    "Distribution reached 1,200 pharmacies; two provinces report delays in procurement."
)


def dialog(page):
    return page.get_by_role("dialog")


@pytest.mark.parametrize("width_name, viewport", VIEWPORTS)
def test_the_warning_is_used_with_the_keyboard_and_keeps_the_session(
    width_name, viewport, new_page, cast, objective, settings, axe_source
):
    page = new_page(viewport)
    sign_in(page, cast.alice)
    # Sessions end after 5 minutes and 3 seconds idle for this test: the warning, 5
    # minutes before the end, comes 3 seconds after the page loads.
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_TIMEOUT_WARNING + 3
    page.evaluate("localStorage.clear()")  # the dashboard's longer session, for other tabs
    page.goto(reverse("update_create", args=[objective.pk]))
    page.get_by_label("Narrative", exact=True).fill(NARRATIVE)

    expect(dialog(page)).to_be_visible()
    expect(dialog(page)).to_have_accessible_name("You will be signed out soon")
    stay = page.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(dialog(page)).to_contain_text("signed out in less than 5 minutes")
    expect(page.get_by_role("button", name="Back to the page")).to_be_hidden()
    assert axe_violations(page, axe_source) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"session-warning-{width_name}.png")

    # Keyboard only: Tab reaches "Sign out", Shift+Tab comes back, Enter stays signed in.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign out").last).to_be_focused()
    page.keyboard.press("Shift+Tab")
    with page.expect_response(reverse("session_extend")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    expect(dialog(page)).to_be_hidden()
    # The typed text is untouched, and the session goes on.
    expect(page.get_by_label("Narrative", exact=True)).to_have_value(NARRATIVE)
    # Escape, the next time, stays signed in as well.
    expect(dialog(page)).to_be_visible()
    with page.expect_response(reverse("session_extend")):
        page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()


@pytest.mark.parametrize("width_name, viewport", VIEWPORTS)
def test_a_narrative_typed_past_the_end_comes_back_after_signing_in(
    width_name, viewport, new_page, cast, objective, settings
):
    page = new_page(viewport)
    sign_in(page, cast.alice)
    # Sessions end after 6 seconds idle for this test, with the warning 4 seconds before.
    settings.SESSION_IDLE_TIMEOUT = 6
    settings.SESSION_TIMEOUT_WARNING = 4
    # The dashboard, shown at sign-in, told the other tabs of a 30-minute session.
    page.evaluate("localStorage.clear()")
    url = reverse("update_create", args=[objective.pk])
    page.goto(url)
    page.get_by_label("At risk", exact=True).check()
    page.get_by_label("Narrative", exact=True).fill(NARRATIVE)

    expect(dialog(page)).to_have_accessible_name("You will be signed out soon")
    # Then the time is up: the dialog says so, and that the text is still on the page.
    expect(dialog(page)).to_have_accessible_name("You have been signed out", timeout=15_000)
    expect(dialog(page)).to_contain_text("Anything you typed is still on this page")
    page.screenshot(path=SCREENSHOTS / f"session-ended-{width_name}.png")
    page.get_by_role("button", name="Back to the page").click()
    expect(dialog(page)).to_be_hidden()

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("What you were saving was kept.")
    assert not ProgressUpdate.objects.exists()

    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_TIMEOUT_WARNING = 5 * 60
    page.get_by_label("Username").fill(cast.alice.username)
    page.get_by_label("Password").fill("a-long-test-password-for-everyone")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{url}")
    expect(page.get_by_role("status")).to_contain_text("What you typed was kept")
    expect(page.get_by_label("Narrative", exact=True)).to_have_value(NARRATIVE)
    expect(page.get_by_label("At risk", exact=True)).to_be_checked()
    page.screenshot(path=SCREENSHOTS / f"kept-draft-{width_name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft was saved.")
    assert ProgressUpdate.objects.get().narrative == NARRATIVE
