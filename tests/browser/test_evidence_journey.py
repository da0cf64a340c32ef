"""Evidence files and the secretariat's assessment in a real browser: an official attaches
a document (and is told why a renamed program is refused), a coordinator writes an
assessment, the country replies, the coordinator makes it final; axe finds nothing on
the pages."""

from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import Assessment, EvidenceFile, ProgressUpdate
from tests.browser.conftest import BROWSER_DB, axe_violations, sign_in
from tests.support.evidence import exe_bytes, pdf_bytes

pytestmark = BROWSER_DB


def test_an_official_attaches_a_file_to_a_report(page, cast, objective, axe_source):
    sign_in(page, cast.alice)
    page.goto(reverse("update_create", args=[objective.pk]))
    page.get_by_label("On track").check()
    page.get_by_label("Narrative", exact=True).fill("Kits distributed in three provinces.")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "setup.pdf", "mimeType": "application/pdf", "buffer": exe_bytes()}]
    )
    page.get_by_role("button", name="Save draft").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("This file is a program, not a document.")
    expect(summary).to_be_focused()
    assert ProgressUpdate.objects.count() == 0
    assert axe_violations(page, axe_source) == []

    page.get_by_label("Attach files").set_input_files(
        [{"name": "Informe final.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft was saved.")
    link = page.get_by_role("link", name="Informe final.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Informe final.pdf"
    attached = EvidenceFile.objects.get()
    assert attached.update.narrative == "Kits distributed in three provinces."
    assert axe_violations(page, axe_source) == []

    # While it is a draft, the file is removed with the edit form.
    page.get_by_role("link", name="Edit").click()
    assert axe_violations(page, axe_source) == []
    page.get_by_role("group", name="Remove attached files").get_by_role("checkbox").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes were saved.")
    expect(page.get_by_text("No evidence files were attached.")).to_be_visible()
    attached.refresh_from_db()
    assert attached.removed_at is not None


def test_a_coordinator_writes_an_assessment_the_country_replies_and_it_is_made_final(
    new_page, cast, objective, make_update, axe_source
):
    make_update(status="at_risk")  # Canada's own published status
    carol = sign_in(new_page(), cast.carol)
    carol.get_by_role("link", name="Assessment").click()
    expect(carol.get_by_role("heading", level=1)).to_contain_text("assessment")
    assert axe_violations(carol, axe_source) == []
    address = reverse("assessment_detail", args=[objective.pk, "ca", "interim"])
    carol.locator(f"a[href='{address}']").click()
    carol.get_by_label("Partial compliance").check()
    carol.get_by_label("Rationale").fill("Work under way in three provinces of ten.")
    carol.get_by_role("button", name="Save the draft").click()
    expect(carol.get_by_role("status")).to_contain_text("The draft assessment was saved.")
    assert axe_violations(carol, axe_source) == []

    alice = sign_in(new_page(), cast.alice)
    alice.goto(address)
    expect(alice.locator(".side").first).to_contain_text("At risk")  # the country's own
    alice.get_by_label("Your country's reply").fill("A fourth province joined in June.")
    alice.get_by_role("button", name="Send the reply").click()
    expect(alice.get_by_role("status")).to_contain_text("Your reply was sent.")

    carol.goto(address)
    expect(carol.locator(".narrative").last).to_contain_text("A fourth province joined")
    carol.get_by_role("button", name="Make the assessment final").click()
    expect(carol.get_by_role("status")).to_contain_text("The assessment is final.")
    expect(carol.get_by_role("button", name="Save the draft")).to_have_count(0)
    assessment = Assessment.objects.get()
    assert (assessment.state, assessment.rating) == ("final", 0)
    carol.goto(reverse("dashboard"))
    expect(carol.locator(".heat-map")).to_contain_text("0 · Partial compliance")
    assert axe_violations(carol, axe_source) == []
