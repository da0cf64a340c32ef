"""The brief's journey in a real browser: the coordinator freezes what the 8th NADD was
shown, then prepares a brief with a chosen comparison and cut-off."""

import datetime

from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import Meeting, MeetingSnapshot
from tests.browser.conftest import BROWSER_DB, sign_in

pytestmark = BROWSER_DB


def test_the_coordinator_takes_the_snapshot_and_prepares_the_brief(page, cast, make_update):
    make_update(
        author=cast.alice,
        status="at_risk",
        narrative="Procurement of kits delayed.",
        published_at=datetime.datetime(2024, 10, 1, 12, tzinfo=datetime.UTC),
    )
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    sign_in(page, cast.carol)
    page.get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="8th North American Drug Dialogue").click()
    expect(page.get_by_label("Cut-off")).to_have_value("2024-11-12")
    page.get_by_role("button", name="Take the snapshot").click()
    expect(page.get_by_role("status")).to_contain_text("The meeting's snapshot was taken.")
    expect(page.get_by_role("button", name="Take the snapshot")).to_have_count(0)
    assert MeetingSnapshot.objects.get(meeting=eighth).rows.count() == 27

    page.get_by_role("link", name="Brief: progress since an earlier meeting").click()
    compare = page.get_by_label("Compare with")
    expect(compare.locator("option:checked")).to_have_text("7th North American Drug Dialogue")
    page.get_by_label("Cut-off").fill("2024-11-12")
    page.get_by_role("button", name="Prepare the brief").click()
    expect(page.locator(".brief-facts")).to_contain_text("Nov. 12, 2024")
    expect(page.locator(".brief-facts")).to_contain_text("reconstructed")
    expect(page.locator(".brief-summary")).to_contain_text(
        "1 objective–country pair is new since then"
    )
    expect(page.locator(".narrative").first).to_contain_text("Procurement of kits delayed.")
    pdf = page.locator("form.downloads")
    expect(pdf.get_by_role("button", name="Download as PDF")).to_be_visible()
    seventh = Meeting.objects.get(kind="plenary", ordinal=7)
    query = f"?compare={seventh.pk}&cutoff=2024-11-12"
    expect(pdf).to_have_attribute("action", reverse("meeting_brief_pdf", args=[eighth.pk]) + query)

    # A later meeting is not offered; forged, it is refused with a message.
    page.goto(f"{reverse('meeting_brief', args=[eighth.pk])}?compare={eighth.pk}&cutoff=2024-11-12")
    expect(page.locator("#error-summary")).to_contain_text("Choose a meeting held before this one.")
