"""The dashboard and an objective page print cleanly: content only, charts included."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB, sign_in

pytestmark = BROWSER_DB

A4_WIDTH = 794  # CSS pixels of an A4 page at 96 dpi


def test_dashboard_and_objective_page_print_without_navigation(new_page, cast, objective):
    page = sign_in(new_page({"width": A4_WIDTH, "height": 1123}), cast.carol)
    page.emulate_media(media="print")
    for url in [reverse("dashboard"), objective.get_absolute_url()]:
        page.goto(url)
        for chrome in [".main-nav", ".site-header .account", ".site-footer", ".skip-link"]:
            expect(page.locator(chrome)).to_be_hidden()
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("figure.chart svg")).to_be_visible()
        expect(page.locator(".legend")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH
    expect(page.locator(".no-print")).to_be_hidden()
    assert page.pdf(format="A4").startswith(b"%PDF")
