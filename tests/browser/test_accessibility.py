"""Neither rules engine (axe-core, IBM Equal Access) finds a WCAG 2.1 A or AA violation on
any page type, for any role."""

import pytest
from django.urls import reverse

from commitments.models import Comment, Meeting, ObjectiveSet
from tests.browser.conftest import BROWSER_DB, accessibility_violations, sign_in

pytestmark = BROWSER_DB


def check(page, axe_source, found, name, url=None):
    """Open ``url`` (or stay on the page) and record both engines' violations under
    ``name``."""
    if url is not None:
        page.goto(url)
    violations = accessibility_violations(page, axe_source)
    if violations:
        found[name] = violations


def listed(found):
    """The violations found, one per line under the page's name, for the failure message."""
    return "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


def submit_empty(page, button):
    page.get_by_role("button", name=button).click()
    page.wait_for_selector("#error-summary")


def pages_for_everyone(make_update, cast, objective):
    update = make_update(author=cast.alice, evidence_links=["https://example.org/report"])
    meeting = Meeting.objects.get(kind="plenary", ordinal=7)
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    return {
        "update history": reverse("update_history", args=[update.pk]),
        "meeting brief": reverse("meeting_brief", args=[eighth.pk]),
        "dashboard": reverse("dashboard"),
        "objective list": reverse("objective_list"),
        "objective detail": objective.get_absolute_url(),
        "country list": reverse("country_list"),
        "country detail": reverse("country_detail", args=["ca"]),
        "meeting list": reverse("meeting_list"),
        "meeting detail": meeting.get_absolute_url(),
        "update list": reverse("update_list"),
        "update list, filtered": reverse("update_list") + "?country=CA&status=on_track&q=naloxone",
        "update list, invalid filter": reverse("update_list") + "?status=nonsense",
        "update detail": update.get_absolute_url(),
        "password change": reverse("password_change"),
        "404 page": reverse("update_detail", args=[999_999]),
    }, update


@pytest.mark.parametrize("role", ["official", "coordinator", "admin"])
def test_every_page_type_has_no_violations(role, page, axe_source, cast, make_update, objective):
    user = {"official": cast.alice, "coordinator": cast.carol, "admin": cast.dave}[role]
    urls, update = pages_for_everyone(make_update, cast, objective)
    sign_in(page, user)
    found = {}
    for name, url in urls.items():
        check(page, axe_source, found, name, url)

    check(page, axe_source, found, "password change", reverse("password_change"))
    submit_empty(page, "Change password")
    check(page, axe_source, found, "password change with errors")

    if role == "official":
        check(page, axe_source, found, "update form", reverse("update_create", args=[objective.pk]))
        submit_empty(page, "Save draft")
        check(page, axe_source, found, "update form with errors")
        draft = make_update(author=cast.alice, state="draft")
        check(page, axe_source, found, "draft with actions", draft.get_absolute_url())
        check(page, axe_source, found, "edit form", reverse("update_edit", args=[draft.pk]))
        returned = make_update(author=cast.alice, state="returned")
        Comment.objects.create(
            update=returned, author=cast.carol, kind="return_reason", body="Add the figures."
        )
        check(page, axe_source, found, "returned with a reason", returned.get_absolute_url())
        check(page, axe_source, found, "409 page", reverse("update_edit", args=[update.pk]))
        other = make_update(author=cast.bob)
        check(page, axe_source, found, "403 edit", reverse("update_edit", args=[other.pk]))
        my_country = reverse("country_detail", args=["ca"])
        check(page, axe_source, found, "my country with drafts to submit", my_country)
        page.get_by_role("button", name="Submit the chosen updates for review").click()
        page.wait_for_selector("#error-summary")
        check(page, axe_source, found, "batch with nothing chosen")
    else:
        check(page, axe_source, found, "403 page", reverse("update_create", args=[objective.pk]))
    if role == "coordinator":
        submitted = make_update(author=cast.bob, state="submitted")
        check(page, axe_source, found, "review queue", reverse("review_queue"))
        check(page, axe_source, found, "update under review", submitted.get_absolute_url())
        page.get_by_role("button", name="Return for changes").click()
        page.wait_for_selector("#error-summary")
        check(page, axe_source, found, "return without a reason")
        url = reverse("update_on_behalf")
        check(page, axe_source, found, "report on a country's behalf: choosing", url)
        submit_empty(page, "Continue")
        check(page, axe_source, found, "report on a country's behalf: nothing chosen")
        page.get_by_label("Country that sent the report").select_option(label="Mexico")
        page.get_by_label("Objective").select_option(str(objective.pk))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_selector("fieldset.figures, button:has-text('Publish')")
        check(page, axe_source, found, "report on a country's behalf")
        submit_empty(page, "Publish on the country's behalf")
        check(page, axe_source, found, "report on a country's behalf with errors")
    assert not found, listed(found)


@pytest.mark.parametrize("language", ["es", "fr"])
def test_pages_in_spanish_and_french_have_no_violations(
    language, page, axe_source, cast, make_update, objective
):
    # Longer words, other punctuation, the titles' "Error: " and the required marks in
    # each language: the same checks as in English.
    urls, update = pages_for_everyone(make_update, cast, objective)
    sign_in(page, cast.alice)
    page.get_by_role("button", name={"es": "Español", "fr": "Français"}[language]).click()
    page.wait_for_load_state()
    found = {}
    for name in ["dashboard", "update list", "update detail", "update history", "meeting brief"]:
        check(page, axe_source, found, name, urls[name])
    check(page, axe_source, found, "update form", reverse("update_create", args=[objective.pk]))
    page.locator("main form[enctype] button[type=submit]").last.click()  # the update form's
    page.wait_for_selector("#error-summary")
    assert page.title().startswith({"es": "Error: ", "fr": "Erreur\u00a0: "}[language])
    check(page, axe_source, found, "update form with errors")
    assert not found, listed(found)


def test_sign_in_page_has_no_violations(page, axe_source, cast):
    found = {}
    check(page, axe_source, found, "login", reverse("login"))
    submit_empty(page, "Sign in")
    check(page, axe_source, found, "login with errors")
    page.get_by_label("Username").fill(cast.alice.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#error-summary")
    check(page, axe_source, found, "login with a wrong password")
    assert not found, listed(found)


def test_a_dashboard_without_any_update_has_no_violations(page, axe_source, cast):
    # Empty bars, "No update" in every cell and every pair missing.
    assert ObjectiveSet.objects.current() is not None
    sign_in(page, cast.carol)
    found = {}
    check(page, axe_source, found, "dashboard without updates", reverse("dashboard"))
    assert not found, listed(found)


@pytest.mark.parametrize("width", [320, 390])
def test_no_page_scrolls_sideways_on_a_phone(width, new_page, cast, make_update, objective):
    # WCAG 2.1 reflow: only wide tables and charts scroll, inside their own frame.
    urls, update = pages_for_everyone(make_update, cast, objective)
    urls["update form"] = reverse("update_create", args=[objective.pk])
    urls["edit form"] = reverse("update_edit", args=[update.pk])
    page = sign_in(new_page({"width": width, "height": 740}), cast.alice)
    wide = {}
    for name, url in urls.items():
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide[name] = scroll_width
    assert wide == {}
