"""The officials' pages of issue 16, checked by axe in a real browser: "My country" with
what is owed, a returned update with its reason at the top and on its edit form, and the
choice of e-mails."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from commitments import services
from commitments.models import ProgressUpdate
from tests.browser.conftest import BROWSER_DB, DESKTOP, axe_violations, sign_in

pytestmark = BROWSER_DB

PHONE_390 = {"width": 390, "height": 844}
REASON = "Give the number of naloxone kits distributed in each province."


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390])
def test_the_officials_pages_pass_axe_and_fit_the_screen(
    viewport, new_page, cast, make_update, axe_source
):
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    update = services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    services.return_update(
        actor=cast.carol, update=update, loaded_version=update.version, reason=REASON
    )
    page = sign_in(new_page(viewport), cast.alice)
    for url, shows in [
        (reverse("country_detail", args=["ca"]), "Write update"),
        (update.get_absolute_url(), REASON),
        (reverse("update_edit", args=[update.pk]), REASON),
        (reverse("notification_settings"), "E-mail me when"),
    ]:
        page.goto(url)
        expect(page.locator("main")).to_contain_text(shows)
        assert axe_violations(page, axe_source) == [], url
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], url
    # The choices are used with the keyboard: Space turns one off, Enter saves.
    page.get_by_label("Someone comments on an update").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your choice of e-mails was saved.")
    expect(page.get_by_label("Someone comments on an update")).not_to_be_checked()
