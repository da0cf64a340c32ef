"""A full-text search looks through windows of the newest updates (commitments/pagination.py),
so that its cost does not grow with the history: the pages, the count and the feed must
still be exactly what a search of every update gives, whatever the windows."""

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import pagination
from commitments.models import ApiToken, ProgressUpdate

pytestmark = pytest.mark.django_db

URL = reverse("update_list")


@pytest.fixture
def small_windows(monkeypatch):
    """Windows, pages and their number scaled down, so a few hundred updates take
    several windows and a search reaches its last page."""
    monkeypatch.setattr(pagination, "SEARCH_FIRST_WINDOW", 10)
    monkeypatch.setattr(pagination, "PAGE_SIZE", 4)
    monkeypatch.setattr(pagination, "SEARCH_MAX_PAGES", 6)


@pytest.fixture
def history(cast, objective, q1):
    """400 published updates over 400 days: 'seizures' in one of ten (unevenly: dense
    lately, sparse before), 'cofepris' only in the three oldest, 'naloxone' in all."""
    rng = random.Random(7)
    start = timezone.now() - datetime.timedelta(days=400)
    rows = []
    for day in range(400):
        words = ["naloxone"]
        if (day > 360 and day % 3 == 0) or (day <= 360 and rng.random() < 0.08):
            words.append("seizures")
        if day < 3:
            words.append("cofepris")
        moment = start + datetime.timedelta(days=day)
        rows.append(
            ProgressUpdate(
                objective=objective,
                country=cast.alice.membership.country,
                period=q1,
                status="on_track",
                narrative=" ".join(words) + f" report {day}",
                author=cast.alice,
                state="published",
                created_at=moment,
                submitted_at=moment,
                published_at=moment,
            )
        )
    ProgressUpdate.objects.bulk_create(rows)


def every_match(word):
    """What a search of every update gives, newest first, the plain way."""
    return list(
        ProgressUpdate.objects.filter(narrative__contains=word)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize("word", ["seizures", "cofepris", "naloxone", "nothing"])
def test_every_page_and_the_count_are_those_of_a_search_of_everything(
    login, cast, history, small_windows, word
):
    client = login(cast.carol)
    expected = every_match(word)
    shown = []
    page_number = 1
    while True:
        response = client.get(URL, {"q": word, "page": page_number})
        assert response.status_code == 200
        page = response.context["page"]
        shown += [update.pk for update in page.object_list]
        if not page.has_next():
            break
        page_number += 1
    cap = pagination.SEARCH_MAX_PAGES * pagination.PAGE_SIZE
    # every match up to the last page, in order, none twice
    assert shown == expected[:cap]
    assert page.number == min(pagination.SEARCH_MAX_PAGES, max(1, -(-len(expected) // 4)))


def test_a_search_says_there_are_more_without_counting_them_all(
    login, cast, history, small_windows
):
    client = login(cast.carol)
    first = client.get(URL, {"q": "naloxone"})
    assert "More than 4 updates match, newest first." in first.text
    assert "Page 1" in first.text and "Page 1 of" not in first.text
    assert 'rel="next"' in first.text
    third = client.get(URL, {"q": "naloxone", "page": 3})
    assert "More than 12 updates match, newest first." in third.text
    assert third.context["page"].number == 3 and third.context["page"].has_next()
    # an exact count when the matches fit: three matches of "cofepris"
    few = client.get(URL, {"q": "cofepris"})
    assert "3 updates" in few.text and not few.context["page"].has_next()


def test_a_search_reads_a_bounded_number_of_queries(
    login, cast, history, small_windows, django_assert_max_num_queries
):
    client = login(cast.carol)
    client.get(URL, {"q": "seizures"})  # cached fragments drawn
    with django_assert_max_num_queries(12):
        client.get(URL, {"q": "seizures"})


def test_the_windows_bound_what_a_common_word_reads(cast, history, small_windows):
    paginator = pagination.SearchPaginator(
        ProgressUpdate.objects.filter(narrative__contains="naloxone").order_by(
            "-created_at", "-id"
        ),
        4,
        wanted_page=3,
    )
    assert paginator.count == 12 and paginator.capped and paginator.num_pages == 4
    # the newest ten held ten matches, not the thirteen that show a third page and a
    # next one: the next window is four times as wide, and its edge bounds the page,
    # not all 400
    assert paginator.edge == pagination.window_edge(40)
    assert paginator.edge > timezone.now() - datetime.timedelta(days=42)


@pytest.mark.parametrize("word", ["seizures", "cofepris", "naloxone"])
def test_the_feed_reads_a_search_in_the_same_order_without_gaps(
    client, cast, history, small_windows, word, monkeypatch
):
    monkeypatch.setattr("commitments.api.PAGE_SIZE", 7)
    token = ApiToken(user=cast.carol, name="search")
    key = token.issue()
    token.save()
    headers = {"Authorization": f"Token {key}"}
    body = client.get(reverse("api_updates"), {"q": word}, headers=headers).json()
    ids = [item["id"] for item in body["results"]]
    while body["next"]:
        body = client.get(body["next"], headers=headers).json()
        ids += [item["id"] for item in body["results"]]
    assert ids == every_match(word)
