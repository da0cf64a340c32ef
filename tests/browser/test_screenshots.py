"""Screenshots of the main pages at desktop and phone widths, for the README.

They are written to tests/screenshots/ on every run, from the demo data, so the README
always shows the product as it is.
"""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from commitments.management.commands.load_demo import DEMO_PASSWORD
from commitments.models import Meeting, Objective
from tests.browser.conftest import BROWSER_DB, DESKTOP, PHONE, SCREENSHOTS, sign_in

pytestmark = BROWSER_DB


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    return Objective.objects.get(objective_set__year=2024, number=1)


def shoot(page, viewport, width_name, shots):
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, url in shots.items():
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        # Nothing is wider than the screen: the page never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=SCREENSHOTS / f"{name}-{width_name}.png", full_page=True)


@pytest.mark.parametrize("width_name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_main_pages(width_name, viewport, new_page, demo, django_user_model):
    page = new_page(viewport)
    sign_in(page, django_user_model.objects.get(username="official-ca"), DEMO_PASSWORD)
    shoot(
        page,
        viewport,
        width_name,
        {
            "dashboard": reverse("dashboard"),
            "objective": demo.get_absolute_url(),
            "update-form": reverse("update_create", args=[demo.pk]),
            "update-list": reverse("update_list"),
        },
    )


@pytest.mark.parametrize("width_name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_coordinators_lists(
    width_name, viewport, new_page, demo, django_user_model
):
    # On a phone the review queue and the brief's tables read as cards.
    page = new_page(viewport)
    sign_in(page, django_user_model.objects.get(username="coordinator"), DEMO_PASSWORD)
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    shoot(
        page,
        viewport,
        width_name,
        {
            "review-queue": reverse("review_queue"),
            "brief": reverse("meeting_brief", args=[eighth.pk]),
        },
    )
