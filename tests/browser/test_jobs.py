"""A file prepared in the background, in a real browser: the progress bar moves as the
worker reports (static/js/jobs.js, without reloading the page), and the download appears
when the file is ready."""

import re

from playwright.sync_api import expect

from commitments.models import Job
from tests.browser.conftest import BROWSER_DB, accessibility_violations, sign_in
from tests.support.jobs import run_jobs

pytestmark = BROWSER_DB


def test_the_progress_bar_follows_the_worker_and_the_download_appears(
    page, cast, make_update, axe_source
):
    make_update(author=cast.alice, narrative="Naloxone in every province.")
    sign_in(page, cast.carol)
    page.goto("/updates/")
    page.get_by_role("button", name="CSV", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Updates as CSV")
    expect(page.locator(".job-label")).to_have_text("Waiting for a worker…")
    assert accessibility_violations(page, axe_source) == []

    # The worker is halfway: the page's script shows it, without reloading the page.
    page.evaluate("window.notReloaded = true")
    job = Job.objects.get(owner=cast.carol)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, done=1, total=2)
    expect(page.locator(".job-label")).to_have_text("Prepared 1 of 2 rows.")
    expect(page.locator("progress")).to_have_attribute("value", "50")
    assert page.evaluate("window.notReloaded") is True

    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, done=0, total=0)
    run_jobs()
    link = page.get_by_role("link", name=re.compile(r"^Download nadd-updates-.*\.csv"))
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".csv")
    assert accessibility_violations(page, axe_source) == []
    page.get_by_role("link", name="Your files").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    assert accessibility_violations(page, axe_source) == []
    assert "Naloxone in every province." in open(download.value.path(), encoding="utf-8-sig").read()
