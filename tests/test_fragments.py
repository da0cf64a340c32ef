"""Cached fragments: the database's data stamps move with every write that matters (and
with no other), and a cached page never shows what the data no longer says."""

import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import fragments
from commitments.models import Country, Objective, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def moved(action):
    """Which stamps ``action`` changes."""
    before = fragments.stamps()
    action()
    after = fragments.stamps()
    return {name for name in before if before[name] != after[name]}


def test_saving_a_draft_moves_no_stamp_submitting_and_publishing_move_the_record(
    cast, make_update, objective
):
    draft = make_update(author=cast.alice, state="draft")
    assert moved(lambda: make_update(author=cast.bob, state="draft")) == set()
    assert moved(lambda: ProgressUpdate.objects.filter(pk=draft.pk).update(narrative="x")) == set()
    # Any write path, even one that bypasses the models' save().
    assert moved(
        lambda: ProgressUpdate.objects.filter(pk=draft.pk).update(
            state="submitted", submitted_at=timezone.now()
        )
    ) == {"record"}
    assert moved(lambda: make_update(author=cast.uma, state="published")) == {"record"}
    assert moved(lambda: ProgressUpdate.objects.filter(pk=draft.pk).delete()) == {"record"}


def test_reference_data_and_names_move_the_reference_stamp_sign_ins_do_not(cast, objective):
    def rename():
        objective.title = "A clearer title"
        objective.save()

    assert moved(rename) == {"reference"}
    assert moved(lambda: Country.objects.filter(code="MX").update(name_fr="Mexique")) == {
        "reference"
    }
    assert moved(lambda: ReportingPeriod.objects.filter(name="2024 Q1").update(name="Q1")) == {
        "reference"
    }

    def rename_person():
        cast.alice.first_name = "Alicia"
        cast.alice.save()

    assert moved(rename_person) == {"reference"}

    def sign_in():
        Client().force_login(cast.alice)  # writes last_login, shown nowhere cached

    assert moved(sign_in) == set()


def test_a_warm_dashboard_skips_the_matrix_and_a_publication_shows_at_once(
    login, cast, make_update, objective, q1
):
    carol = login(cast.carol)
    carol.get(DASHBOARD)
    with CaptureQueriesContext(connection) as warm:
        text = carol.get(DASHBOARD).text
    assert not any(
        "unnest(" in q["sql"] or "commitments_objectiveset" in q["sql"]
        for q in warm.captured_queries
    )
    assert "Canada: updates on objective" not in text  # no update yet

    official = Client()
    official.force_login(cast.alice)
    official.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "completed", "narrative": "Done.", "token": uuid.uuid4()},
    )
    update = ProgressUpdate.objects.get()
    assert "Canada: updates on objective" not in carol.get(DASHBOARD).text  # a draft
    official.post(reverse("update_submit", args=[update.pk]), {"version": 1})
    carol.post(reverse("update_publish", args=[update.pk]), {"version": 2})
    text = carol.get(DASHBOARD).text
    assert f"Canada: updates on objective {objective.number}" in text
    assert '<span class="status status-completed">Completed</span>' in text


def test_a_renamed_objective_shows_at_once(login, cast, objective):
    carol = login(cast.carol)
    assert objective.title in carol.get(DASHBOARD).text
    objective.title = "A clearer title"
    objective.save()
    assert "A clearer title" in carol.get(DASHBOARD).text


def test_readers_with_another_scope_or_language_never_share_a_fragment(
    client, cast, make_update, objective
):
    q4 = ReportingPeriod.objects.get(name="2024 Q4")
    # Mexico's submission counts as reported for the coordinator; Canada's official
    # cannot see it, so for her Mexico's cell is still missing.
    make_update(author=cast.bob, period=q4, state="submitted")
    mexico = cast.bob.membership.country

    def missing_for(user, language="en"):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(DASHBOARD)
        return response, response.context["overview"].missing

    response, missing = missing_for(cast.carol)
    assert (objective, mexico) not in missing
    assert "Write update" not in response.text
    response, missing = missing_for(cast.alice)
    assert (objective, mexico) in missing
    assert "Write update" in response.text  # for Canada's own cells
    response, _ = missing_for(cast.alice, "es")
    assert "Pendientes de 2024 Q4" in response.text
    assert "Missing for" not in response.text


def test_every_cached_fragment_is_keyed_by_what_it_shows():
    # A fragment left out of a stamp would outlive the data it shows.
    source = (settings.BASE_DIR / "templates" / "commitments" / "dashboard.html").read_text()
    tags = [line.strip() for line in source.splitlines() if "{% cache " in line]
    assert len(tags) == 4
    for tag in tags:
        assert "LANGUAGE_CODE" in tag and 'using="fragments"' in tag, tag
        if tag.startswith("{% cache 86400 dashboard-"):  # the overview
            assert "stamps.reference stamps.record scope" in tag, tag
        else:  # one update's row
            assert "update.pk update.row_version stamps.reference" in tag, tag


def test_objectives_fixture_is_the_2024_set(objective):
    assert Objective.objects.filter(objective_set__year=2024).count() == 9


def test_filter_options_are_drawn_once_and_follow_the_reference_data(login, cast, objective):
    carol = login(cast.carol)
    url = reverse("update_list")
    first = carol.get(url, {"objective": objective.pk}).text
    assert f'<option value="{objective.pk}" selected>' in first
    with CaptureQueriesContext(connection) as queries:
        second = carol.get(url, {"country": "MX"}).text
    # From the cache: no option list read again, and only the new choice marked.
    assert not any("commitments_objective" in q["sql"] for q in queries.captured_queries)
    assert f'<option value="{objective.pk}">' in second
    assert '<option value="MX" selected>Mexico</option>' in second
    assert second.count(" selected>") == 6  # the other six filters' empty choices
    objective.title = "A clearer title"
    objective.save()
    assert f"{objective.number}. A clearer title</option>" in carol.get(url).text


def test_list_rows_are_drawn_again_when_their_update_changes_by_any_path(login, cast, make_update):
    update = make_update(author=cast.alice, status="on_track")
    carol = login(cast.carol)
    url = reverse("update_list")
    assert '<span class="status status-on_track">' in carol.get(url).text
    with CaptureQueriesContext(connection) as queries:
        carol.get(url)
    # Warm: the page's ids and row versions, no join to objectives, periods or people.
    assert not any("commitments_reportingperiod" in q["sql"] for q in queries.captured_queries)
    ProgressUpdate.objects.filter(pk=update.pk).update(status="completed")  # no save()
    assert '<span class="status status-completed">' in carol.get(url).text
    cast.alice.first_name = "Alicia"
    cast.alice.save()
    assert "<td>Alicia</td>" in carol.get(url).text


def test_a_row_whose_fragment_vanishes_before_drawing_is_still_drawn_right(
    login, cast, make_update, monkeypatch
):
    make_update(author=cast.alice, status="at_risk", narrative="Kits.")
    carol = login(cast.carol)
    url = reverse("update_list")

    def rows():
        text = carol.get(url).text
        return text[text.index("<tbody>") : text.index("</tbody>")]

    expected = rows()
    assert "status-at_risk" in expected
    # Seen as cached when the page is read, gone when the template asks for it.
    cache = type(fragments.cache())
    get = cache.get

    def forgetful(self, key, default=None, version=None):
        return default if "update-row" in key else get(self, key, default, version)

    monkeypatch.setattr(cache, "get", forgetful)
    assert rows() == expected


def test_objective_and_country_pages_show_a_publication_at_once(
    login, cast, make_update, objective
):
    carol = login(cast.carol)
    objective_url = objective.get_absolute_url()
    country_url = reverse("country_detail", args=["ca"])

    def completed(url):
        return carol.get(url).text.count("status-completed")

    before = {url: completed(url) for url in (objective_url, country_url)}  # the legend
    update = make_update(author=cast.alice, state="submitted", status="completed")
    assert completed(objective_url) == before[objective_url] + 1  # the card
    assert "mark-completed" not in carol.get(objective_url).text  # the chart: published only
    assert completed(country_url) == before[country_url] + 1  # the card, not the table
    ProgressUpdate.objects.filter(pk=update.pk).update(
        state="published", published_at=timezone.now()
    )
    objective_page = carol.get(objective_url)
    chart = objective_page.context["timeline_chart"]()
    canada = next(row for row in chart["rows"] if row["label"] == "Canada")
    assert "completed" in [tile["key"] for tile in canada["tiles"]]
    assert "mark-completed" in objective_page.text  # the chart drawn again
    assert completed(country_url) == before[country_url] + 2


def test_the_filter_form_is_drawn_for_its_own_filters(login, cast):
    carol = login(cast.carol)
    url = reverse("update_list")

    def summary(response):
        text = response.text
        start = text.find('id="error-summary"')
        return text[start : text.index("</div>", start)] if start >= 0 else ""

    objective = carol.get(url, {"objective": "abc"})
    period = carol.get(url, {"period": "-1"})
    assert objective.status_code == period.status_code == 400
    assert "Objective:" in summary(objective) and "Period" not in summary(objective)
    assert "Reporting period:" in summary(period) and "Objective:" not in summary(period)
    assert summary(carol.get(url, {"objective": "abc"})) == summary(objective)  # cached
    assert summary(carol.get(url)) == ""
    export = carol.get(reverse("update_export_csv"), {"status": "nope"})
    assert export.status_code == 400 and "Status:" in summary(export)
