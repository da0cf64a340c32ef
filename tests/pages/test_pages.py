"""Objective, country and meeting pages, and that every page is reached by following links."""

import re

import pytest
from django.urls import resolve, reverse

from commitments.models import Meeting, Objective

pytestmark = pytest.mark.django_db


def test_objective_page_shows_full_text_and_each_countrys_timeline(
    login, cast, make_update, objective
):
    make_update(author=cast.alice, narrative="Canadian progress")
    make_update(author=cast.bob, narrative="Avance de México")
    response = login(cast.carol).get(objective.get_absolute_url())
    assert objective.text in response.text
    assert "Canadian progress" in response.text and "Avance de México" in response.text
    assert "7th North American Drug Dialogue" in response.text
    assert reverse("update_create", args=[objective.pk]) not in response.text


def test_objective_page_offers_officials_to_write(login, cast, objective):
    text = login(cast.bob).get(objective.get_absolute_url()).text
    assert reverse("update_create", args=[objective.pk]) in text
    assert "Write an update for Mexico" in text


def test_objective_page_of_an_unknown_objective_is_404(login, cast):
    assert login(cast.carol).get(reverse("objective_detail", args=[424242])).status_code == 404


def test_country_page_shows_latest_status_per_objective(login, cast, make_update, objective):
    make_update(author=cast.bob, status="off_track", narrative="Retraso")
    response = login(cast.alice).get(reverse("country_detail", args=["mx"]))
    assert response.status_code == 200
    rows = {objective: update for objective, update, _overdue in response.context["latest"].rows}
    assert rows[objective].status == "off_track"
    assert "7th North American Drug Dialogue" in response.text


def test_country_list_shows_officials_and_when_the_latest_update_was_published(
    login, cast, make_update
):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    when = now - datetime.timedelta(days=30)
    # Written long ago, published last: the list shows the publication, not the writing.
    make_update(author=cast.bob, created_at=now - datetime.timedelta(days=90), published_at=when)
    make_update(
        author=cast.bob,
        created_at=now - datetime.timedelta(days=60),
        published_at=when - datetime.timedelta(days=20),
    )
    make_update(author=cast.bob, state="draft")  # newer, but not published
    response = login(cast.alice).get(reverse("country_list"))
    rows = {country.code: country for country in response.context["countries"]}
    assert rows["MX"].latest_published == when and rows["CA"].latest_published is None
    assert rows["CA"].official_count == 2  # alice and erin (inactive, still listed)
    from django.template.defaultfilters import date

    assert date(timezone.localtime(when), "DATE_FORMAT") in response.text


def test_country_codes_are_case_insensitive_and_unknown_codes_404(login, cast):
    client = login(cast.carol)
    assert client.get("/countries/MX/").status_code == 200
    assert client.get("/countries/zz/").status_code == 404
    assert client.get("/countries/%3Cscript%3E/").status_code == 404


def test_meeting_page_shows_dates_place_participants_and_objectives(login, cast):
    meeting = Meeting.objects.get(ordinal=7)
    response = login(cast.carol).get(meeting.get_absolute_url())
    text = response.text
    assert "Nov. 7, 2023 – Nov. 8, 2023" in text
    assert "U.S. Postal Service Headquarters" in text
    assert "Netherlands" in text and "(Partner)" in text
    assert "Objectives adopted for 2024" in text
    for objective in Objective.objects.filter(objective_set__year=2024):
        assert objective.get_absolute_url() in text


def test_a_meeting_known_only_by_month_shows_the_month(login, cast):
    meeting = Meeting.objects.get(ordinal=6)
    assert "November 2022" in login(cast.carol).get(meeting.get_absolute_url()).text


LINK = re.compile(r'href="(/[^"#]*)"')
FILES = {"meeting_brief_pdf", "update_export_csv", "update_export_xlsx", "update_export_zip"}
# The buttons that ask for a file (a POST to its address, filters in the query string).
FILE_FORM = re.compile(
    r'<form method="post" action="(/[^"#]*)"[^>]*>\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*<button'
)


def crawl(client, start="/"):
    """Follow every internal link from the start page; return the url names reached."""
    seen, queue, names = set(), [start], set()
    while queue:
        path = queue.pop()
        if path in seen or path.startswith(("/admin/", "/static/")):
            continue
        seen.add(path)
        asks_for_a_file = path.startswith("POST ")
        path = path.removeprefix("POST ")
        response = client.post(path) if asks_for_a_file else client.get(path)
        names.add(resolve(path.split("?")[0]).url_name)
        if response.status_code == 302 and response["Location"].startswith("/files/"):
            queue.append(response["Location"])  # a file, prepared by a background job
            continue
        assert response.status_code == 200, path
        if not response["Content-Type"].startswith("text/html"):
            continue  # a download
        for action in FILE_FORM.findall(response.text):
            if resolve(action.split("?")[0]).url_name in FILES:
                queue.append("POST " + action.replace("&amp;", "&"))
        for link in LINK.findall(response.text):
            link = link.replace("&amp;", "&")
            if "page=" not in link and "?" not in link or link.startswith("/updates/?"):
                queue.append(link)
        if len(seen) > 200:
            break
    return names


def test_every_page_is_reached_from_the_dashboard_by_a_coordinator(
    login, cast, make_update, settings
):
    make_update(author=cast.alice)
    settings.JOBS_MAX_RUNNING = 1000  # every brief's PDF and every export is asked for
    names = crawl(login(cast.carol))
    assert names >= {
        "dashboard",
        "objective_list",
        "objective_detail",
        "country_list",
        "country_detail",
        "meeting_list",
        "meeting_detail",
        "update_list",
        "update_detail",
        "password_change",
        "review_queue",
        "update_history",
        "meeting_brief",
        "meeting_brief_pdf",
        "update_export_csv",
        "update_export_xlsx",
        "update_export_zip",
        "job_detail",
        "job_list",
    }


def test_an_official_reaches_the_forms_from_the_dashboard(login, cast, make_update, settings):
    make_update(author=cast.alice, state="draft")
    settings.JOBS_MAX_RUNNING = 1000  # every brief's PDF and every export is asked for
    names = crawl(login(cast.alice))
    assert {"update_create", "update_edit"} <= names
