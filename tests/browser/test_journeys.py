"""What people do, clicked through in a real browser: write, find, be refused, fix a form."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import ProgressUpdate
from tests.browser.conftest import BROWSER_DB, sign_in

pytestmark = BROWSER_DB

NARRATIVE = "Health Canada opened twelve new supervised consumption sites in Alberta."


def write_update(page, objective, status, narrative, submit=True):
    """Draft an update for Canada through the form and, by default, submit it for review."""
    page.goto(objective.get_absolute_url())
    page.get_by_role("link", name="Write an update for Canada").click()
    page.get_by_label(status, exact=True).check()
    page.get_by_label("Narrative", exact=True).fill(narrative)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft was saved.")
    if submit:
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_role("status")).to_contain_text("Submitted for review.")


def publish_as_coordinator(page, cast):
    """The coordinator follows the dashboard's notice to the review queue and publishes."""
    sign_in(page, cast.carol)
    page.get_by_role("link", name="1 update awaits your review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    page.locator("tbody tr").get_by_role("link").first.click()
    expect(page.locator(".state-banner")).to_contain_text("Submitted for review")
    page.get_by_role("link", name="Publish this update").click()
    page.get_by_role("button", name="Yes, publish it").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    return page


def test_an_official_writes_an_update_and_sees_it_on_the_objective_page(page, cast, objective):
    sign_in(page, cast.alice)
    write_update(page, objective, "At risk", NARRATIVE, submit=False)

    update = ProgressUpdate.objects.get()
    assert (update.country.code, update.author, update.status) == ("CA", cast.alice, "at_risk")
    assert update.state == "draft"
    assert page.url.endswith(update.get_absolute_url())
    expect(page.locator(".state-banner")).to_contain_text("Draft")

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Narrative", exact=True).fill(NARRATIVE + " Two more open in May.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes were saved.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".state-banner")).to_contain_text("Submitted for review")

    page.locator(".breadcrumb").get_by_role("link", name=objective.title).click()
    expect(page.locator(".timeline")).to_contain_text("Two more open in May.")
    expect(page.locator(".timeline")).to_contain_text("Submitted for review")


def test_the_coordinator_finds_the_update_on_the_dashboard(new_page, cast, objective):
    write_update(sign_in(new_page(), cast.alice), objective, "At risk", NARRATIVE)

    page = publish_as_coordinator(new_page(), cast)
    page.get_by_role("link", name="Dashboard").click()
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
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    # The objective page's chart now reads the published status for Canada.
    page.goto(objective.get_absolute_url())
    canada = page.locator("figure.chart table tr", has=page.locator("th", has_text="Canada"))
    expect(canada).to_contain_text("At risk")


def test_an_official_of_another_country_finds_no_way_to_edit_it(new_page, cast, objective):
    write_update(sign_in(new_page(), cast.alice), objective, "On track", NARRATIVE)
    publish_as_coordinator(new_page(), cast)
    update = ProgressUpdate.objects.get()

    page = sign_in(new_page(), cast.bob)
    page.goto(update.get_absolute_url())
    expect(page.locator(".narrative")).to_contain_text(NARRATIVE)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    expect(page.locator(f"a[href='{reverse('update_edit', args=[update.pk])}']")).to_have_count(0)
    page.goto(objective.get_absolute_url())
    expect(page.get_by_role("link", name="Write an update for Mexico")).to_be_visible()
    expect(page.locator("a[href$='/edit/']")).to_have_count(0)

    # Typed by hand: the page says whose update it is and what Mexico can do instead.
    response = page.goto(reverse("update_edit", args=[update.pk]))
    assert response.status == 403
    expect(page.get_by_role("main")).to_contain_text("This update is Canada's")
    page.get_by_role("link", name="Read this update").click()
    expect(page.locator(".narrative")).to_contain_text(NARRATIVE)
    update.refresh_from_db()
    assert update.state == "published" and update.narrative == NARRATIVE


STATUS_MISSING = "Status: Choose the status that best describes the progress in this period."


def test_a_bad_submission_shows_the_error_summary_and_keeps_the_text(page, cast, objective):
    sign_in(page, cast.alice)
    page.goto(reverse("update_create", args=[objective.pk]))
    page.get_by_label("Narrative", exact=True).fill(NARRATIVE)
    page.get_by_label("Evidence links").fill("ftp://example.org/report")
    page.get_by_role("button", name="Save draft").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(STATUS_MISSING)
    expect(page.get_by_label("Narrative", exact=True)).to_have_value(NARRATIVE)
    expect(page.get_by_label("Evidence links")).to_have_value("ftp://example.org/report")
    assert not ProgressUpdate.objects.exists()

    # The summary's links lead to the fields: the status link focuses the first choice.
    summary.get_by_role("link", name=STATUS_MISSING).click()
    expect(page.get_by_label("Not started", exact=True)).to_be_focused()
    summary.get_by_role("link", name="Evidence links").click()
    expect(page.get_by_label("Evidence links")).to_be_focused()

    page.get_by_label("On track", exact=True).check()
    page.get_by_label("Evidence links").fill("https://example.org/report")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft was saved.")
    assert ProgressUpdate.objects.get().narrative == NARRATIVE


def test_the_coordinator_switches_years_and_compares_them(page, cast):
    """A 2025 set is added beside 2024: the dashboard stays on 2024 until asked, the year
    switch shows 2025, and the comparison puts both side by side."""
    import datetime

    from commitments.models import Meeting, Objective, ObjectiveSet, ReportingPeriod

    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    later = ObjectiveSet.objects.create(year=2025, adopted_at=eighth)
    Objective.objects.create(
        objective_set=later,
        number=1,
        title="Synthetic drugs 2025",
        text="Disrupt the supply of synthetic drugs.",
    )
    ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )

    sign_in(page, cast.carol)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Where the 2024 objectives stand")
    page.get_by_label("Year", exact=True).select_option("2025")
    page.get_by_role("button", name="Show year").click()
    expect(heading).to_contain_text("Where the 2025 objectives stand")
    assert page.url.endswith("/?year=2025")
    expect(page.locator(".matrix")).to_contain_text("Synthetic drugs 2025")
    expect(page.locator("#missing-heading")).to_contain_text("2025 Q1")

    page.get_by_role("link", name="Compare two years").click()
    expect(heading).to_have_text("Compare two years")
    table = page.locator("table.compare")
    expect(table).to_contain_text("Objectives for 2024")
    expect(table).to_contain_text("Objectives for 2025")
    expect(table).to_contain_text("Synthetic drugs 2025")

    page.get_by_role("link", name="Dashboard").first.click()
    expect(heading).to_contain_text("Where the 2024 objectives stand")


def test_an_official_submits_two_drafts_at_once_and_the_coordinator_publishes_both(
    new_page, cast, objective
):
    page = new_page()
    sign_in(page, cast.alice)
    write_update(page, objective, "On track", NARRATIVE, submit=False)
    write_update(page, objective, "At risk", "Kits delayed at customs.", submit=False)
    page.goto(reverse("country_detail", args=["ca"]))
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Submit the chosen updates for review").click()
    expect(page.get_by_role("status")).to_contain_text("2 updates were submitted for review.")
    coordinator = new_page()
    sign_in(coordinator, cast.carol)
    coordinator.goto(reverse("review_queue"))
    for box in coordinator.get_by_role("checkbox").all():
        box.check()
    coordinator.get_by_role("button", name="Publish the chosen updates").click()
    coordinator.get_by_role("button", name="Yes, publish these 2 updates").click()
    expect(coordinator.get_by_role("status")).to_contain_text("2 updates were published.")
    assert set(ProgressUpdate.objects.values_list("state", flat=True)) == {"published"}
