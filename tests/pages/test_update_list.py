"""The updates list: filters in the URL, full-text search, pagination, bad parameters."""

import pytest
from django.conf import settings
from django.urls import reverse

from commitments.models import ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db

URL = reverse("update_list")


@pytest.fixture
def updates(cast, make_update, objective):
    q2 = ReportingPeriod.objects.get(name="2024 Q2")
    return {
        "ca": make_update(author=cast.alice, narrative="Naloxone kits reached every province."),
        "mx": make_update(
            author=cast.bob,
            status="at_risk",
            period=q2,
            narrative="Laboratorios clandestinos desmantelados.",
        ),
        "us": make_update(
            author=cast.uma,
            status="completed",
            narrative="Postal inspectors seized fentanyl parcels.",
        ),
    }


def listed(response):
    return {update.pk for update in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"ca", "mx", "us"}),
        ({"country": "MX"}, {"mx"}),
        ({"status": "completed"}, {"us"}),
        ({"author": "alice"}, {"ca"}),
        ({"q": "fentanyl"}, {"us"}),
        ({"q": "parcels seized"}, {"us"}),
        ({"q": "laboratorios"}, {"mx"}),
        ({"q": "naloxone OR fentanyl"}, {"ca", "us"}),
        ({"q": "nothing-like-this"}, set()),
        ({"country": "CA", "status": "at_risk"}, set()),
    ],
)
def test_filters(login, cast, updates, query, expected):
    response = login(cast.carol).get(URL, query)
    assert response.status_code == 200
    assert listed(response) == {updates[key].pk for key in expected}


def test_filter_by_objective_and_period(login, cast, updates, objective):
    q2 = ReportingPeriod.objects.get(name="2024 Q2")
    response = login(cast.alice).get(URL, {"objective": objective.pk, "period": q2.pk})
    assert listed(response) == {updates["mx"].pk}


@pytest.mark.parametrize(
    "query",
    [
        {"country": "ZZ"},
        {"objective": "abc"},
        {"objective": "99999"},
        {"status": "approved"},
        {"period": "-1"},
        {"author": "nobody-at-all"},
        {"q": "x" * 201},
    ],
)
def test_malformed_filters_answer_400_with_a_message(login, cast, updates, query):
    response = login(cast.carol).get(URL, query)
    assert response.status_code == 400
    assert "Please correct the following" in response.text
    assert listed(response) == set()


@pytest.mark.parametrize("page", ["2", "abc", "-1", "99999999999999999999"])
def test_any_page_number_gives_a_page(login, cast, updates, page):
    assert login(cast.carol).get(URL, {"page": page}).status_code == 200


def test_pagination_keeps_the_filter_in_the_links(login, cast, make_update):
    for _ in range(25):
        make_update(author=cast.bob)
    response = login(cast.carol).get(URL, {"country": "MX"})
    assert len(response.context["page"].object_list) == 20
    assert "?country=MX&amp;page=2" in response.text
    second = login(cast.carol).get(URL, {"country": "MX", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_the_list_shows_newest_first(login, cast, make_update):
    older = make_update(author=cast.alice)
    newer = make_update(author=cast.alice)
    page = login(cast.carol).get(URL).context["page"]
    assert [u.pk for u in page.object_list] == [newer.pk, older.pk]


def test_search_and_script_shaped_input_render_as_text(login, cast, updates):
    response = login(cast.carol).get(URL, {"q": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_search_uses_the_gin_index(cast, updates):
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    with connection.cursor() as cursor:
        # Three rows make a sequential scan cheapest. Leave the planner only bitmap scans,
        # which need an index condition: the search must then go through the GIN index.
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
    plan = ProgressUpdate.objects.filter(
        search=SearchQuery("fentanyl", config="simple", search_type="websearch")
    ).explain()
    assert "upd_search" in plan


def test_filter_options_group_objectives_by_year_and_name_the_officials(login, cast, updates):
    from commitments.models import Meeting, Objective, ObjectiveSet

    later = ObjectiveSet.objects.create(year=2025, adopted_at=Meeting.objects.get(ordinal=8))
    Objective.objects.create(objective_set=later, number=1, title="A newer objective")
    html = login(cast.carol).get(URL, {"author": "alice"}).text
    # Newest set first, each objective under its year, so equal numbers stay apart.
    assert html.index('<optgroup label="2025">') < html.index('<optgroup label="2024">')
    assert "1. A newer objective</option>" in html
    # Officials by name where they have one, by username otherwise; the URL keeps usernames.
    assert '<option value="alice" selected>Alice</option>' in html
    assert '<option value="uma">uma</option>' in html
    assert 'value="carol"' not in html  # coordinators write no updates


def test_filter_options_follow_the_language(login, cast, updates, objective):
    objective.title_es = "Título en español"
    objective.save()
    client = login(cast.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert f'<option value="{objective.pk}">{objective.number}. Título en español</option>' in (
        client.get(URL).text
    )


def test_the_filter_form_is_drawn_once_for_the_filters_given(login, cast, updates):
    """The form is kept per filters given (every parameter but the page): the same search
    again, or its next page, draws no field; another search, or a refused filter with
    its message, is drawn for what was given."""
    client = login(cast.carol)

    def fields_drawn(response):
        return "includes/field.html" in [template.name for template in response.templates]

    first = client.get(URL, {"q": "fentanyl"})
    assert fields_drawn(first) and 'value="fentanyl"' in first.text
    again = client.get(URL, {"q": "fentanyl", "page": "2"})
    assert not fields_drawn(again) and 'value="fentanyl"' in again.text
    other = client.get(URL, {"q": "naloxone"})
    assert fields_drawn(other) and 'value="naloxone"' in other.text
    assert 'value="fentanyl"' not in other.text
    refused = client.get(URL, {"q": "fentanyl", "status": "approved"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.text
    assert "Select a valid choice" not in client.get(URL, {"q": "fentanyl"}).text
    country = client.get(URL, {"country": "MX"}).text
    assert '<option value="MX" selected>' in country
