"""What people do, clicked through in a real browser: write, find, be refused, fix a form."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import ProgressUpdate
from tests.browser.conftest import BROWSER_DB, sign_in

pytestmark = BROWSER_DB

NARRATIVE = "Health Canada opened twelve new supervised consumption sites in Alberta."


def write_update(page, objective, status, narrative):
    page.goto(objective.get_absolute_url())
    page.get_by_role("link", name="Write an update for Canada").click()
    page.get_by_label(status, exact=True).check()
    page.get_by_label("Narrative").fill(narrative)
    page.get_by_role("button", name="Save update").click()


def test_an_official_writes_an_update_and_sees_it_on_the_objective_page(page, cast, objective):
    sign_in(page, cast.alice)
    write_update(page, objective, "At risk", NARRATIVE)

    expect(page.get_by_role("status")).to_contain_text("Your update was saved.")
    update = ProgressUpdate.objects.get()
    assert (update.country.code, update.author, update.status) == ("CA", cast.alice, "at_risk")
    assert page.url.endswith(update.get_absolute_url())

    page.locator(".breadcrumb").get_by_role("link", name=objective.title).click()
    expect(page.locator(".timeline")).to_contain_text(NARRATIVE)
    # The chart's data table reads the new status for Canada in its period.
    canada = page.locator("figure.chart table tr", has=page.locator("th", has_text="Canada"))
    expect(canada).to_contain_text("At risk")


def test_the_coordinator_finds_the_update_on_the_dashboard(new_page, cast, objective):
    write_update(sign_in(new_page(), cast.alice), objective, "At risk", NARRATIVE)

    page = sign_in(new_page(), cast.carol)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the 2024 objectives stand")
    cell = page.get_by_role("link", name=f"Canada: updates on objective {objective.number}")
    expect(cell).to_contain_text("At risk")
    # The icon is decoration for assistive technology: the name starts with the status.
    expect(cell).to_have_accessible_name(re.compile(r"^At risk 2024 Q\d Canada: updates on"))
    cell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress updates")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.locator("tbody tr").get_by_role("link").first.click()
    expect(page.locator(".narrative")).to_contain_text(NARRATIVE)
    # A coordinator writes no updates, so nothing offers to edit it.
    expect(page.get_by_role("link", name="Edit this update")).to_have_count(0)


def test_an_official_of_another_country_finds_no_way_to_edit_it(new_page, cast, objective):
    write_update(sign_in(new_page(), cast.alice), objective, "On track", NARRATIVE)
    update = ProgressUpdate.objects.get()

    page = sign_in(new_page(), cast.bob)
    page.goto(update.get_absolute_url())
    expect(page.locator(".narrative")).to_contain_text(NARRATIVE)
    expect(page.get_by_role("link", name="Edit this update")).to_have_count(0)
    expect(page.locator(f"a[href='{reverse('update_edit', args=[update.pk])}']")).to_have_count(0)
    page.goto(objective.get_absolute_url())
    expect(page.get_by_role("link", name="Write an update for Mexico")).to_be_visible()
    expect(page.locator("a[href$='/edit/']")).to_have_count(0)

    response = page.goto(reverse("update_edit", args=[update.pk]))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    update.refresh_from_db()
    assert update.version == 1 and update.narrative == NARRATIVE


def test_a_bad_submission_shows_the_error_summary_and_keeps_the_text(page, cast, objective):
    sign_in(page, cast.alice)
    page.goto(reverse("update_create", args=[objective.pk]))
    page.get_by_label("Narrative").fill(NARRATIVE)
    page.get_by_label("Evidence links").fill("ftp://example.org/report")
    page.get_by_role("button", name="Save update").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Status: This field is required.")
    expect(page.get_by_label("Narrative")).to_have_value(NARRATIVE)
    expect(page.get_by_label("Evidence links")).to_have_value("ftp://example.org/report")
    assert not ProgressUpdate.objects.exists()

    # The summary's links lead to the fields: the status link focuses the first choice.
    summary.get_by_role("link", name="Status: This field is required.").click()
    expect(page.get_by_label("Not started", exact=True)).to_be_focused()
    summary.get_by_role("link", name="Evidence links").click()
    expect(page.get_by_label("Evidence links")).to_be_focused()

    page.get_by_label("On track", exact=True).check()
    page.get_by_label("Evidence links").fill("https://example.org/report")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("status")).to_contain_text("Your update was saved.")
    assert ProgressUpdate.objects.get().narrative == NARRATIVE
