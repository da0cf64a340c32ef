"""Charts: pure geometry from data the views already fetched, drawn as SVG with a table."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import charts
from commitments.models import Country, ProgressUpdate, ReportingPeriod

Status = ProgressUpdate.Status


def test_distribution_bars_are_proportional_to_the_largest_count():
    totals = [(status, 0) for status in Status]
    totals[1] = (Status.ON_TRACK, 6)
    chart = charts.status_distribution(totals, 3, minimum_width=520)
    bars = {bar["key"]: bar for bar in chart["bars"]}
    assert [bar["key"] for bar in chart["bars"]] == [*Status.values, "none"]
    longest = bars["on_track"]["width"]
    # The longest bar leaves room for its count beside it, inside the drawing.
    assert bars["on_track"]["value_x"] + charts.text_width("6 (67%)", 15) <= 520
    assert bars["none"]["width"] == round(longest / 2)
    assert bars["at_risk"]["width"] == 0
    assert bars["on_track"]["share"] == 67 and bars["none"]["share"] == 33
    assert chart["total"] == 9
    assert all(bar["label"] and bar["icon"] for bar in chart["bars"])
    # Each label on its own line above its bar.
    assert all(bar["label_y"] < bar["y"] for bar in chart["bars"])


def test_the_charts_keep_room_for_long_labels_with_wider_text_spacing():
    from django.utils import translation

    with translation.override("fr"):
        chart = charts.status_distribution([(status, 0) for status in Status], 36)
        room = charts.label_space([bar["text"] for bar in chart["bars"]])
        assert chart["width"] >= room
        # "Aucune mise à jour" and its icon, at 0.75 em a character (about 10.1 px a
        # character with WCAG's text spacing in Chromium): no clipping.
        assert room >= round(15 * 0.75 * (len("Aucune mise à jour") + 3))
    periods = [Row(1, "2024 Q4"), Row(2, "4.º trim. 2024")]
    timeline = charts.status_timeline([Row(1, "Estados Unidos")], periods, {})
    first, second = timeline["columns"]
    assert first["lines"] == ["2024", "Q4"] and second["lines"] == ["4.º trim.", "2024"]
    # Each column as wide as its longest line needs, so labels never meet.
    assert second["x"] - first["x"] >= charts.text_width("4.º trim.", 13)
    assert timeline["label_x"] >= charts.text_width("Estados Unidos", 15)


def test_distribution_without_any_cell_draws_no_bar():
    chart = charts.status_distribution([(status, 0) for status in Status], 0)
    assert chart["total"] == 0
    assert all(bar["width"] == 0 and bar["share"] == 0 for bar in chart["bars"])


class Row:
    def __init__(self, pk, name):
        self.pk, self.name, self.local_name = pk, name, name


def test_timeline_has_a_tile_per_country_and_period():
    countries = [Row(1, "Canada"), Row(2, "Mexico")]
    periods = [Row(10, "Q1"), Row(11, "Q2"), Row(12, "Q3")]
    chart = charts.status_timeline(countries, periods, {(1, 10): "at_risk", (2, 12): "completed"})
    assert [row["label"] for row in chart["rows"]] == ["Canada", "Mexico"]
    assert [column["label"] for column in chart["columns"]] == ["Q1", "Q2", "Q3"]
    canada, mexico = ([tile["key"] for tile in row["tiles"]] for row in chart["rows"])
    assert canada == ["at_risk", "none", "none"]
    assert mexico == ["none", "none", "completed"]
    tile = chart["rows"][0]["tiles"][0]
    assert (tile["label"], tile["icon"], tile["period"]) == ("At risk", "!", "Q1")
    # Tiles stay inside the drawing.
    for row in chart["rows"]:
        for tile in row["tiles"]:
            assert tile["x"] + tile["width"] <= chart["width"]
            assert tile["y"] + tile["height"] <= chart["height"]


def test_legend_lists_every_status_and_no_update():
    keys = [item["key"] for item in charts.legend()]
    assert keys == [*Status.values, "none"]


@pytest.mark.django_db
def test_dashboard_draws_the_distribution_with_a_table(login, cast, make_update):
    make_update(author=cast.alice, status="at_risk")
    response = login(cast.carol).get(reverse("dashboard"))
    text = response.text
    assert '<svg class="chart-svg"' in text
    assert 'class="chart-mark mark-at_risk"' in text
    assert "<caption>Number of objective–country cells at each status</caption>" in text
    assert '<th scope="row">At risk</th><td>1</td><td>4%</td>' in text
    assert "Legend" in text and "May miss the objective without attention." in text
    assert "style=" not in text and "<script>" not in text


@pytest.mark.django_db
def test_objective_page_charts_each_countrys_newest_status_per_period(
    login, cast, make_update, objective, q1
):
    earlier = timezone.now() - datetime.timedelta(days=3)
    make_update(author=cast.alice, status="at_risk", created_at=earlier)
    make_update(author=cast.alice, status="on_track")
    q2 = ReportingPeriod.objects.get(name="2024 Q2")
    make_update(author=cast.bob, period=q2, status="off_track")
    response = login(cast.uma).get(objective.get_absolute_url())
    rows = {row["label"]: row for row in response.context["timeline_chart"]()["rows"]}
    assert set(rows) == set(Country.objects.members().values_list("name", flat=True))
    assert [tile["key"] for tile in rows["Canada"]["tiles"]] == [
        "on_track",
        "none",
        "none",
        "none",
    ]
    assert [tile["key"] for tile in rows["Mexico"]["tiles"]][:2] == ["none", "off_track"]
    text = response.text
    assert "<caption>Status of each country in each reporting period</caption>" in text
    assert '<th scope="row">Canada</th><td>On track</td><td>No update</td>' in text
    assert "style=" not in text


@pytest.mark.django_db
def test_objective_page_queries_do_not_grow_with_the_data(login, cast, make_update, objective):
    client = login(cast.carol)
    make_update(author=cast.alice)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(objective.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    for period in ReportingPeriod.objects.filter(objective_set=objective.objective_set):
        for author in [cast.alice, cast.bob, cast.uma]:
            make_update(author=author, period=period)
    assert count() == few


def test_labels_get_room_for_the_longest_name():
    assert charts.label_space(["Canada", "United States"], minimum=90) == round(15 * 0.75 * 13)
    assert charts.label_space(["US"], minimum=90) == 90
    # An icon takes the room of two characters.
    assert charts.text_width("✓ On track", 15) == round(15 * 0.75 * 11)
