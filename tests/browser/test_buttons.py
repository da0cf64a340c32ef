"""Buttons side by side line up, and a group has one primary button (GOV.UK's and
USWDS's button groups): the update page's actions, as an official meets them."""

from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB, DESKTOP, PHONE, sign_in

pytestmark = BROWSER_DB

PRIMARY = "rgb(18, 53, 91)"  # --brand


def test_the_actions_of_a_draft_line_up_with_one_primary_button(new_page, cast, make_update):
    draft = make_update(author=cast.alice, state="draft")
    for viewport in (DESKTOP, PHONE):
        page = sign_in(new_page(viewport), cast.alice)
        page.goto(draft.get_absolute_url())
        row = page.locator(".action-row")
        edit = row.get_by_role("link", name="Edit")
        submit = row.get_by_role("button", name="Submit for review")
        withdraw = row.get_by_role("link", name="Withdraw")  # to its confirmation
        expect(edit).to_be_visible()
        boxes = [control.bounding_box() for control in (edit, submit, withdraw)]
        if viewport is DESKTOP:  # on one line: same top, same height
            assert len({round(box["y"]) for box in boxes}) == 1, boxes
            assert len({round(box["height"]) for box in boxes}) == 1, boxes
        backgrounds = [
            control.evaluate("element => getComputedStyle(element).backgroundColor")
            for control in (edit, submit, withdraw)
        ]
        assert backgrounds.count(PRIMARY) == 1, backgrounds
        assert backgrounds[1] == PRIMARY  # submitting is the next step
