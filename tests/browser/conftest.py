"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright cannot download a browser on our machines, so Chromium comes from the system
(``make test`` installs it) and is launched by path. The two accessibility rules engines,
axe-core and IBM Equal Access (``accessibility-checker-engine``), are pinned copies
installed with ``npm ci`` from ``tests/browser/package-lock.json``, never fetched at test
time.
"""

import functools
import json
import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ACE = Path(__file__).parent / "node_modules" / "accessibility-checker-engine" / "ace.js"
# IBM Equal Access's WCAG 2.1 A and AA rule set (its own rules, harmonised with W3C's ACT).
ACE_POLICY = "WCAG_2_1"
SCREENSHOTS = Path(__file__).parent.parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


# Every browser test module sets this mark: live-server tests commit for real, and the
# database is emptied after each one.
BROWSER_DB = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    """Every browser test starts from the shipped reference data (see tests/conftest.py)."""


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread, which makes Django refuse
    # ORM calls in fixtures and tests; allowed here only, never in the application.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test` (it installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies) at the given viewport."""
    contexts = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="en-GB", timezone_id="UTC"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, user, password=PASSWORD):
    """Sign in through the login form, as a person would."""
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@pytest.fixture(scope="session")
def axe_source():
    assert AXE.exists(), f"{AXE} is missing: run `make test` (it runs npm ci)"
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, axe_source):
    """axe-core's WCAG 2.1 A and AA violations on the page, as short readable lines.

    Injected with ``evaluate`` because the CSP blocks added script tags.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']})",
        AXE_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + json.dumps([node["target"] for node in violation["nodes"]][:5])
        for violation in result["violations"]
    ]


@functools.cache
def ace_source():
    """IBM Equal Access's engine, read once per run; ``window.ace`` once evaluated."""
    assert ACE.exists(), f"{ACE} is missing: run `make test` (it runs npm ci)"
    return ACE.read_text(encoding="utf-8") + "\n;window.ace = ace;"


def ace_violations(page):
    """IBM Equal Access's failures of WCAG 2.1 A and AA on the page, as short lines.

    Only definite violations count (``VIOLATION`` and ``FAIL``): the engine's "potential"
    and "manual" results are prompts for a person's review, which the journeys and the
    focus, reflow and text-spacing checks of this directory carry out.
    """
    if not page.evaluate("() => typeof window.ace !== 'undefined'"):
        page.evaluate(ace_source())
    return page.evaluate(
        """async policy => {
            const report = await new ace.Checker().check(document, [policy]);
            return report.results
                .filter(result => result.value[0] === "VIOLATION" && result.value[1] === "FAIL")
                .map(result => `${result.ruleId}: ${result.message} — ${result.path.dom}`);
        }""",
        ACE_POLICY,
    )


def accessibility_violations(page, axe_source):
    """Both rules engines' WCAG 2.1 A and AA violations on the page: axe-core's, then
    IBM Equal Access's, each line saying which engine found it."""
    return [f"axe {line}" for line in axe_violations(page, axe_source)] + [
        f"IBM {line}" for line in ace_violations(page)
    ]
