"""The status matrix export: objectives by countries for one reporting period, each cell
the status of that period's newest published report ("Missing" without one), CSV and Excel,
behind the access rules, neutralised like the list exports, marked and translated."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commitments.models import (
    HandlingMarking,
    Meeting,
    Objective,
    ObjectiveSet,
    ReportingPeriod,
)
from tests.support.jobs import ask_for_file, downloaded

pytestmark = pytest.mark.django_db


def matrix_csv(client, **params):
    response = client.get(reverse("matrix_export_csv"), params)
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def matrix_xlsx(client, **params):
    response = client.get(reverse("matrix_export_xlsx"), params)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.fixture
def q2(db):
    return ReportingPeriod.objects.get(name="2024 Q2")


def test_one_row_per_objective_one_column_per_country_newest_published_report(
    login, cast, make_update, objective, q1, q2
):
    make_update(author=cast.alice, status="at_risk")
    make_update(author=cast.alice, status="completed")  # newer report of the same cell
    make_update(author=cast.bob, status="off_track", state="draft")  # never exported
    make_update(author=cast.uma, status="on_track", state="submitted")  # nor this
    make_update(author=cast.bob, status="completed", period=q2)  # another period
    rows = matrix_csv(login(cast.bob), period=q1.pk)
    header, *body = rows
    assert header[:4] == ["Year", "Objective number", "Objective", "Reporting period"]
    # Members, then the partner named on an objective (the Netherlands, on objective 5).
    assert header[4:] == ["Canada", "Mexico", "United States", "Netherlands"]
    assert [row[1] for row in body] == [str(n) for n in range(1, 10)]
    first = dict(zip(header, body[0], strict=True))
    assert first["Year"] == "2024" and first["Reporting period"] == "2024 Q1"
    assert (first["Canada"], first["Mexico"], first["United States"]) == (
        "Completed",
        "Missing",
        "Missing",
    )
    assert first["Netherlands"] == ""  # not named on objective 1: not counted
    fifth = dict(zip(header, body[4], strict=True))
    # a partner named on the objective is never counted as missing; a member is
    assert fifth["Netherlands"] == "" and fifth["Canada"] == "Missing"
    assert all(
        cell == "Missing" for row in body[1:] for cell in row[4:7]
    )  # no report on the other objectives


def test_the_default_period_is_the_current_one_of_the_set_asked_for(
    login, cast, make_update, objective
):
    objective_set = objective.objective_set
    current = ReportingPeriod.objects.current_for(objective_set)
    make_update(author=cast.uma, status="at_risk", period=current)
    rows = matrix_csv(login(cast.carol), year=2024)
    assert rows[1][3] == current.name and rows[1][6] == "At risk"
    assert matrix_csv(login(cast.carol))[1][3] == current.name  # the set the dashboard opens on


def test_excel_has_the_same_cells_numbers_as_numbers(login, cast, make_update, q1):
    make_update(author=cast.alice, status="on_track")
    rows = matrix_xlsx(login(cast.alice), period=q1.pk)
    assert rows[0][:2] == ("Year", "Objective number")
    assert rows[1][:2] == (2024, 1) and rows[1][4] == "On track" and rows[1][5] == "Missing"
    assert rows[1:] == [
        tuple(int(c) if c.isdigit() else (c or None) for c in row)
        for row in matrix_csv(login(cast.alice), period=q1.pk)[1:]
    ]


@pytest.fixture
def period_2025(db):
    later = ObjectiveSet.objects.create(year=2025, adopted_at=Meeting.objects.get(ordinal=8))
    Objective.objects.create(objective_set=later, number=1, title="Only one", text="Text")
    return ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )


def test_a_period_of_another_year_lists_that_years_objectives(login, cast, period_2025, q1):
    client = login(cast.carol)
    rows = matrix_csv(client, period=period_2025.pk)
    assert [row[:4] for row in rows[1:]] == [["2025", "1", "Only one", "2025 Q1"]]
    assert len(matrix_csv(client, year=2025, period=period_2025.pk)) == 2
    # A period that is not of the year asked for is refused, not silently swapped.
    response = client.get(reverse("matrix_export_csv"), {"year": 2025, "period": q1.pk})
    assert response.status_code == 400
    assert "objectives for 2024" in response.text


@pytest.mark.parametrize(
    "params",
    [{"period": "999999"}, {"period": "1 OR 1=1"}, {"period": "-1"}, {"year": "20x4"}],
)
def test_a_forged_period_or_year_gets_400_not_a_file(login, cast, params):
    response = login(cast.carol).get(reverse("matrix_export_xlsx"), params)
    assert response.status_code == 400
    assert "attachment" not in response.get("Content-Disposition", "")


def test_an_unknown_year_is_a_404_page(login, cast):
    assert login(cast.carol).get(reverse("matrix_export_csv"), {"year": 1999}).status_code == 404


@pytest.mark.parametrize("name", ["matrix_export_csv", "matrix_export_xlsx"])
def test_outsiders_get_no_matrix(client, cast, name):
    assert client.get(reverse(name)).status_code == 302  # to sign in
    client.force_login(cast.nora)
    assert client.get(reverse(name)).status_code == 403


def test_formula_shaped_titles_are_neutralised(login, cast, objective, q1):
    Objective.objects.filter(pk=objective.pk).update(title="=cmd|' /C calc'!A0;+1")
    client = login(cast.carol)
    rows = matrix_csv(client, period=q1.pk)
    assert rows[1][2] == "'=cmd|' /C calc'!A0;'+1"
    sheet_rows = matrix_xlsx(client, period=q1.pk)
    assert sheet_rows[1][2].startswith("'=")


def test_the_marking_comes_first_and_headers_are_translated(login, cast, q1):
    HandlingMarking.objects.create(
        text="UNCLASSIFIED", text_es="NO CLASIFICADO", text_fr="NON CLASSIFIÉ"
    )
    client = login(cast.carol)
    for language, marking, header, missing in [
        ("es", "NO CLASIFICADO", "Periodo de reporte", "Falta"),
        ("fr", "NON CLASSIFIÉ", "Période de rapport", "Manquant"),
    ]:
        response = client.get(
            reverse("matrix_export_csv"), {"period": q1.pk}, headers={"accept-language": language}
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == [marking]
        assert header in rows[1], rows[1]
        assert rows[2][4] == missing
    first = matrix_xlsx(client, period=q1.pk)[0]
    assert first[0] == "UNCLASSIFIED" and not any(first[1:])


def test_the_dashboard_links_to_the_matrix_of_the_year_shown(login, cast):
    for user in (cast.carol, cast.alice):
        text = login(user).get(reverse("dashboard"), {"year": 2024}).text
        assert f"{reverse('matrix_export_csv')}?year=2024" in text
        assert f"{reverse('matrix_export_xlsx')}?year=2024" in text


def test_the_list_export_follows_the_year_filter(login, cast, make_update, period_2025):
    older = make_update(author=cast.alice)
    newer = make_update(
        author=cast.alice,
        objective=Objective.objects.get(objective_set__year=2025),
        period=period_2025,
    )
    client = login(cast.carol)
    for year, expected in [(2025, newer), (2024, older)]:
        response = downloaded(client, reverse("update_export_csv"), {"year": year})
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert [row[0] for row in rows[1:]] == [str(expected.pk)]
        assert rows[1][1] == str(year)
    assert ask_for_file(client, reverse("update_export_csv"), {"year": "1999"}).status_code == 400


def test_the_timeliness_page_links_to_the_matrix_of_each_period(login, cast):
    text = login(cast.carol).get(reverse("timeliness"), {"year": 2024}).text
    for period in ReportingPeriod.objects.filter(objective_set__year=2024):
        assert f'{reverse("matrix_export_csv")}?period={period.pk}"' in text
        assert f'{reverse("matrix_export_xlsx")}?period={period.pk}"' in text
    spanish = login(cast.carol).get(
        reverse("timeliness"), {"year": 2024}, headers={"accept-language": "es"}
    )
    assert "Matriz de estatus de un periodo" in spanish.text
    french = login(cast.carol).get(
        reverse("timeliness"), {"year": 2024}, headers={"accept-language": "fr"}
    )
    assert "Matrice des états d’avancement d’une période" in french.text


def test_the_matrix_workbook_has_widths_a_frozen_filtered_header(login, cast, q1):
    response = login(cast.carol).get(reverse("matrix_export_xlsx"), {"period": q1.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Year" and sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}10"
    assert sheet.column_dimensions["C"].width == 40  # the objective's title
