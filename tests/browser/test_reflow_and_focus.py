"""What the rules engines do not check: the focus indicator's contrast wherever it shows,
no page type scrolling sideways at 320 and 390 pixels, tables read as cards on phones
(and still as tables by screen readers), and the charts with WCAG 1.4.12's text spacing
and in forced-colours mode.
"""

import pytest
from django.urls import reverse

from commitments import services
from commitments.models import Meeting
from tests.browser.conftest import BROWSER_DB, DESKTOP, sign_in

pytestmark = BROWSER_DB

# WCAG 1.4.12's test: what a reader's style sheet may set, which content must survive.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""

# The relative luminance and contrast of CSS colours, and what the focused element shows:
# its outline, its shadows and (links) its background, against the colour behind it.
FOCUS_CHECK = """
() => {
    const parse = text => (text.match(/rgba?\\([^)]*\\)/g) || []).map(colour => {
        const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
        return {r, g, b, a, text: colour};
    });
    const luminance = ({r, g, b}) => {
        const [R, G, B] = [r, g, b].map(v => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const contrast = (x, y) => {
        const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
        return (a + 0.05) / (b + 0.05);
    };
    const behind = element => {
        for (let node = element.parentElement; node; node = node.parentElement) {
            const [colour] = parse(getComputedStyle(node).backgroundColor);
            if (colour && colour.a > 0) return colour;
        }
        return {r: 255, g: 255, b: 255, a: 1, text: "white"};
    };
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const parts = [];
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
        parts.push(...parse(style.outlineColor));
    }
    parts.push(...parse(style.boxShadow));
    if (element.matches("a, .link-button")) parts.push(...parse(style.backgroundColor));
    const around = behind(element);
    const opaque = parts.filter(part => part.a === 1);
    const best = Math.max(0, ...opaque.map(part => contrast(part, around)));
    return {
        element: element.outerHTML.slice(0, 90),
        behind: around.text,
        parts: parts.map(part => part.text),
        contrast: Math.round(best * 100) / 100,
    };
}
"""


def focus_stops(page, limit=80):
    """Tab through the page from its top: what each focused element shows."""
    page.locator("body").focus()
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUS_CHECK)
        if found is None or (seen and found["element"] == seen[0]["element"]):
            break
        seen.append(found)
    return seen


def test_the_focus_indicator_contrasts_at_least_3_to_1_with_what_surrounds_it(
    page, cast, make_update, objective
):
    # The header's dark band, the white page, the filters' grey panel, form controls,
    # buttons, links and the named table boxes.
    draft = make_update(author=cast.alice, state="draft")
    sign_in(page, cast.alice)
    weak = []
    stops = 0
    for url in [
        reverse("dashboard"),
        reverse("update_list"),
        reverse("update_create", args=[objective.pk]),
        draft.get_absolute_url(),
    ]:
        page.goto(url)
        for stop in focus_stops(page):
            stops += 1
            if stop["contrast"] < 3:
                weak.append((url, stop))
    assert stops > 40
    assert weak == []


def pages_at_every_width(cast, make_update, objective, q1):
    """Every page type an official and a coordinator open, with long unbroken text."""
    update = make_update(
        author=cast.alice,
        state="draft",
        narrative="Distribution de trousses de naloxone élargie à trois provinces. " * 6,
        language="fr",
        evidence_links=["https://example.org/" + "rapport-annuel-sur-la-naloxone-" * 4],
    )
    services.edit_update(
        actor=cast.alice,
        update=update,
        loaded_version=1,
        narrative="Distribution de trousses de naloxone élargie à quatre provinces. " * 6,
    )
    services.submit_update(actor=cast.alice, update=update, loaded_version=2)
    published = make_update(author=cast.bob)
    eighth = Meeting.objects.get(ordinal=8)
    official = {
        "dashboard": reverse("dashboard"),
        "objective list": reverse("objective_list"),
        "objective": objective.get_absolute_url(),
        "country list": reverse("country_list"),
        "my country": reverse("country_detail", args=["ca"]),
        "meeting list": reverse("meeting_list"),
        "meeting": eighth.get_absolute_url(),
        "brief": reverse("meeting_brief", args=[eighth.pk]),
        "update list": reverse("update_list"),
        "update": update.get_absolute_url(),
        "update history": reverse("update_history", args=[update.pk]),
        "another country's update": published.get_absolute_url(),
        "update form": reverse("update_create", args=[objective.pk]),
        "password change": reverse("password_change"),
        "authenticator set-up": reverse("mfa_setup"),
        "your files": reverse("job_list"),
    }
    coordinator = {
        "review queue": reverse("review_queue"),
        "update under review": update.get_absolute_url(),
        "update history": reverse("update_history", args=[update.pk]),
        "report on a country's behalf": reverse("update_on_behalf"),
        "report on a country's behalf, chosen": (
            f"{reverse('update_on_behalf')}?country={update.country_id}&objective={objective.pk}"
        ),
        "timeliness": reverse("timeliness"),
        "compare two years": reverse("compare_years"),
        "dashboard": reverse("dashboard"),
        "brief": reverse("meeting_brief", args=[eighth.pk]),
    }
    return official, coordinator


def wider_than(page, width):
    return page.evaluate("document.documentElement.scrollWidth") - width


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [320, 390])
def test_no_page_type_scrolls_sideways(width, language, new_page, cast, make_update, objective, q1):
    # WCAG 1.4.10 reflow: at 320 CSS pixels nothing scrolls sideways but a wide table or
    # chart inside its own named, focusable box.
    official, coordinator = pages_at_every_width(cast, make_update, objective, q1)
    wide = {}
    for user, urls in [(cast.alice, official), (cast.carol, coordinator)]:
        page = sign_in(new_page({"width": width, "height": 740}), user)
        if language != "en":
            page.get_by_role("button", name="Français").click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == language
        for name, url in urls.items():
            page.goto(url)
            excess = wider_than(page, width)
            if excess > 0:
                wide[f"{user.username}: {name}"] = excess
    assert wide == {}


CARDS = """
() => [...document.querySelectorAll("table.cards")].map(table => {
    const cell = table.querySelector("td[data-label]");
    return {
        display: getComputedStyle(table).display,
        label: cell ? getComputedStyle(cell, "::before").content : null,
        fits: table.getBoundingClientRect().right <= document.documentElement.clientWidth,
    };
})
"""


def roles_in_the_accessibility_tree(page):
    """The roles Chromium gives the page's nodes, as assistive technology reads them."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    return [node.get("role", {}).get("value") for node in nodes]


@pytest.mark.parametrize("width", [320, 390])
def test_the_four_lists_read_as_cards_on_a_phone_and_as_tables_to_screen_readers(
    width, new_page, cast, make_update, objective, q1
):
    make_update(author=cast.bob, state="submitted")
    make_update(author=cast.alice)
    eighth = Meeting.objects.get(ordinal=8)
    page = sign_in(new_page({"width": width, "height": 740}), cast.carol)
    for url in [
        reverse("dashboard"),
        reverse("review_queue"),
        reverse("update_list"),
        reverse("meeting_brief", args=[eighth.pk]),
    ]:
        page.goto(url)
        cards = page.evaluate(CARDS)
        assert cards, url
        for card in cards:
            assert card["display"] == "block", url
            assert card["label"] not in (None, "none", "normal"), url  # "Canada", "Status"…
            assert card["fits"], url
        assert wider_than(page, width) <= 0, url
        roles = roles_in_the_accessibility_tree(page)
        assert "table" in roles and "row" in roles and "columnheader" in roles, url
        assert "cell" in roles, url
    # At a desktop's width they are tables again.
    page.set_viewport_size(DESKTOP)
    page.goto(reverse("update_list"))
    assert {card["display"] for card in page.evaluate(CARDS)} == {"table"}


CHART_TEXT = """
() => [...document.querySelectorAll("svg.chart-svg")].map(svg => {
    const [, , width, height] = svg.getAttribute("viewBox").split(" ").map(Number);
    const boxes = [...svg.querySelectorAll("text")].map(text => {
        const box = text.getBBox();
        return {text: text.textContent, column: text.classList.contains("chart-column"),
                left: box.x, right: box.x + box.width, top: box.y, bottom: box.y + box.height};
    });
    return {width, height, boxes};
})
"""


def with_text_spacing(page):
    """Apply the text-spacing style sheet as a reader's would be (a constructed sheet:
    the Content-Security-Policy refuses inline styles)."""
    spaced = page.evaluate(
        """css => {
            const sheet = new CSSStyleSheet();
            sheet.replaceSync(css);
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
            return getComputedStyle(document.querySelector("svg.chart-svg text")).letterSpacing;
        }""",
        TEXT_SPACING,
    )
    assert spaced not in ("normal", "0px"), spaced


def chart_problems(page):
    problems = []
    for chart in page.evaluate(CHART_TEXT):
        for box in chart["boxes"]:
            if box["left"] < 0 or box["right"] > chart["width"] or box["top"] < 0:
                problems.append(f"clipped: {box['text']} {box}")
            if box["bottom"] > chart["height"]:
                problems.append(f"clipped: {box['text']} {box}")
        columns = sorted((box for box in chart["boxes"] if box["column"]), key=lambda b: b["left"])
        for before, after in zip(columns, columns[1:], strict=False):
            if before["right"] > after["left"]:
                problems.append(f"overlap: {before['text']} / {after['text']}")
    return problems


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_chart_labels_are_whole_and_apart_with_wider_text_spacing(
    language, page, cast, make_update, objective
):
    make_update(author=cast.alice, status="at_risk")
    sign_in(page, cast.carol)
    if language != "en":
        page.get_by_role("button", name={"es": "Español", "fr": "Français"}[language]).click()
        page.wait_for_load_state()
    found = {}
    for name, url in [
        ("dashboard", reverse("dashboard")),
        ("objective", objective.get_absolute_url()),
    ]:
        page.goto(url)
        assert page.locator("svg.chart-svg").count(), name
        found[name] = chart_problems(page)
        with_text_spacing(page)
        found[f"{name} with text spacing"] = chart_problems(page)
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_chart_text_takes_the_system_colours_in_forced_colours_mode(page, cast, objective):
    sign_in(page, cast.carol)
    page.emulate_media(forced_colors="active")
    for url in [reverse("dashboard"), objective.get_absolute_url()]:
        page.goto(url)
        colours = page.evaluate(
            """() => {
                const probe = document.createElement("span");
                probe.style.color = "CanvasText";
                probe.style.backgroundColor = "Canvas";
                document.body.append(probe);
                const system = getComputedStyle(probe);
                const texts = [...document.querySelectorAll("svg.chart-svg text:not(.chart-icon)")];
                return {
                    text: system.color,
                    fills: [...new Set(texts.map(text => getComputedStyle(text).fill))],
                };
            }"""
        )
        assert colours["fills"] == [colours["text"]], url
