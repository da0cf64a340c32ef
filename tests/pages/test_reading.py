"""What a reader meets on every page: titles that say what the page is, "Error: " when a
form comes back with errors, required fields marked, links that say what they open,
tables that reflow into cards and scrolling boxes with a name, and an update's history
that reads its old and new text apart, each in its language.

(How these look and behave in a browser, at 320 and 390 pixels, is in tests/browser.)
"""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from commitments import services
from commitments.models import Meeting, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db

State = ProgressUpdate.State


def title_of(response):
    return unescape(re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)).strip()


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# Titles


def test_history_pages_of_one_objective_and_country_have_distinct_titles(
    login, cast, make_update, q1
):
    q2 = ReportingPeriod.objects.get(name="2024 Q2")
    first = make_update(author=cast.alice, period=q1)
    second = make_update(author=cast.alice, period=q2)
    client = login(cast.carol)
    titles = {
        title_of(client.get(reverse("update_history", args=[update.pk])))
        for update in (first, second)
    }
    assert titles == {
        "History of Canada's update on objective 1. Comprehensive overdose strategy, "
        f"{period} · NADD Commitment Tracker"
        for period in ("2024 Q1", "2024 Q2")
    }


@pytest.mark.parametrize(
    ("language", "new", "edit"),
    [
        ("en", "New update for Canada on objective 1.", "Edit Canada's update on objective 1."),
        (
            "es",
            "Nueva actualización de Canadá sobre el objetivo 1.",
            "Editar la actualización de Canadá sobre el objetivo 1.",
        ),
        (
            "fr",
            "Nouvelle mise à jour (Canada) sur l'objectif 1.",
            "Modifier la mise à jour (Canada) sur l'objectif 1.",
        ),
    ],
)
def test_update_forms_are_titled_with_their_objective_country_and_period(
    login, cast, make_update, objective, language, new, edit
):
    draft = make_update(author=cast.alice, state=State.DRAFT)
    client = in_language(login(cast.alice), language)
    assert title_of(client.get(reverse("update_create", args=[objective.pk]))).startswith(new)
    edit_title = title_of(client.get(reverse("update_edit", args=[draft.pk])))
    period = {"en": "2024 Q1"}.get(language, "T1 2024")  # as each language names periods
    assert edit_title.startswith(edit) and period in edit_title


@pytest.mark.parametrize(
    ("language", "prefix"), [("en", "Error: "), ("es", "Error: "), ("fr", "Erreur\u00a0: ")]
)
def test_a_form_shown_again_with_errors_says_error_first_in_its_title(
    client, login, cast, objective, language, prefix
):
    in_language(client, language)
    signin = reverse("login")
    assert not title_of(client.get(signin)).startswith(prefix)
    assert title_of(client.post(signin, {"username": "", "password": ""})).startswith(prefix)

    client = in_language(login(cast.alice), language)
    form = reverse("update_create", args=[objective.pk])
    assert not title_of(client.get(form)).startswith(prefix)
    assert title_of(client.post(form, {"narrative": ""})).startswith(prefix)
    updates = reverse("update_list")
    assert not title_of(client.get(updates + "?status=on_track")).startswith(prefix)
    assert title_of(client.get(updates + "?status=nonsense")).startswith(prefix)


# Required fields


@pytest.mark.parametrize(
    ("language", "mark"), [("en", "required"), ("es", "obligatorio"), ("fr", "obligatoire")]
)
def test_required_fields_are_marked_visibly_and_for_assistive_technology(
    login, cast, objective, language, mark
):
    client = in_language(login(cast.alice), language)
    text = client.get(reverse("update_create", args=[objective.pk])).text
    visible = f'<span class="required-mark">({mark})</span>'
    # Beside a label (outside it, so the control's name is its label alone), or in a
    # radio group's legend.
    labels = re.findall(
        r"<(?:label for=\"id_(\w+)\">[^<]*</label>|legend>[^<]*) ?(<span[^>]*>[^<]*</span>)?", text
    )
    marked = {name or "status" for name, span in labels if span == visible}
    assert marked == {"period", "status", "narrative"}  # not the language, not the evidence
    # Each required control says so itself: the attribute, or aria-required on a select
    # whose first option is a real choice (HTML's required would need an empty one).
    assert re.search(r'<select name="period"[^>]*aria-required="true"', text)
    assert re.search(r'<textarea name="narrative"[^>]*\brequired\b', text)
    radios = re.findall(r'<input[^>]*\bname="status"[^>]*>', text)
    assert len(radios) == 5 and all(re.search(r"\brequired\b", radio) for radio in radios)
    assert not re.search(r'<textarea name="evidence_links"[^>]*required', text)


# Links that say what they open


def test_the_updates_list_links_say_which_update_they_open(login, cast, make_update):
    update = make_update(author=cast.bob)
    text = login(cast.carol).get(reverse("update_list")).text
    link = re.search(rf'<a href="{update.get_absolute_url()}">(.*?)</a>', text, re.S).group(1)
    spoken = unescape(re.sub(r"<[^>]+>", "", link))
    assert "Mexico's update on objective 1, 2024 Q1" in spoken
    assert "open update" not in text


# Tables: cards on small screens, named scrolling boxes


def scroll_boxes(text):
    return re.findall(r'<div class="table-scroll"([^>]*)>', text)


def test_every_scrolling_table_box_is_a_named_focusable_region(
    login, cast, make_update, objective, q1
):
    make_update(author=cast.bob, state=State.SUBMITTED)
    make_update(author=cast.alice)
    eighth = Meeting.objects.get(ordinal=8)
    client = login(cast.carol)
    pages = [
        reverse("dashboard"),
        reverse("update_list"),
        reverse("review_queue"),
        reverse("country_list"),
        reverse("country_detail", args=["ca"]),
        reverse("meeting_list"),
        objective.get_absolute_url(),
        reverse("timeliness"),
        reverse("compare_years"),
        reverse("meeting_brief", args=[eighth.pk]),
    ]
    seen = 0
    for url in pages:
        text = client.get(url).text
        for attributes in scroll_boxes(text):
            seen += 1
            assert 'role="region"' in attributes and 'tabindex="0"' in attributes, url
            named = re.search(r'aria-labelledby="([^"]+)"', attributes)
            assert named, url
            assert f'id="{named.group(1)}"' in text, (url, named.group(1))
    assert seen >= len(pages)


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_the_four_lists_reflow_into_cards_with_each_cell_named_by_its_column(
    login, cast, make_update, language
):
    make_update(author=cast.bob, state=State.SUBMITTED)
    make_update(author=cast.alice)
    eighth = Meeting.objects.get(ordinal=8)
    client = in_language(login(cast.carol), language)
    for url in [
        reverse("dashboard"),
        reverse("update_list"),
        reverse("review_queue"),
        reverse("meeting_brief", args=[eighth.pk]),
    ]:
        text = client.get(url).text
        tables = re.findall(
            r'<table class="[^"]*\bcards\b[^"]*" role="table">(.*?)</table>', text, re.S
        )
        assert tables, url
        for table in tables:
            # Explicit roles: screen readers keep the table when CSS draws it as cards.
            assert 'role="columnheader"' in table and 'role="row"' in table
            cells = re.findall(r'<td role="cell"([^>]*)>', table)
            assert cells, url
            # Every cell but the review queue's checkbox is named by its column.
            named = [cell for cell in cells if "data-label=" in cell]
            assert len(named) >= len(cells) - table.count('type="checkbox"'), url
    french = in_language(login(cast.carol), "fr").get(reverse("update_list")).text
    if language == "fr":
        assert 'data-label="Pays"' in french


# History


def test_the_history_shows_old_and_new_text_apart_each_in_its_language(
    login, cast, make_update, q1
):
    update = make_update(
        author=cast.alice,
        state=State.DRAFT,
        narrative="Trousses envoyées à deux provinces.",
        language="fr",
    )
    services.edit_update(
        actor=cast.alice,
        update=update,
        loaded_version=1,
        narrative="Kits sent to three provinces.",
        language="en",
    )
    services.edit_update(
        actor=cast.alice,
        update=update,
        loaded_version=2,
        narrative="Kits sent to four provinces.",
    )
    text = login(cast.carol).get(reverse("update_history", args=[update.pk])).text
    before, after = "Before", "After"
    cells = re.findall(
        r'<td role="cell" data-label="(\w+)" class="diff"(?: lang="(\w+)")?>(.*?)</td>', text, re.S
    )
    assert [(label, lang) for label, lang, _ in cells] == [
        (before, "fr"),
        (after, "en"),
        (before, "en"),
        (after, "en"),
    ]
    # The old text in its own cell with what was removed, the new with what was added.
    assert "<ins>" not in cells[2][2] and "<del>" not in cells[3][2]
    assert cells[2][2].endswith(
        '<del><span class="visually-hidden">[removed:] </span>three</del> provinces.'
    )
    assert cells[3][2].endswith(
        '<ins><span class="visually-hidden">[added:] </span>four</ins> provinces.'
    )
