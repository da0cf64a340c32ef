"""CSV and Excel exports (files prepared by background jobs: tests/jobs/): the list's
filters and access rules, and no formula injection."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from commitments.exports import header, neutralise
from commitments.models import HandlingMarking
from tests.support.jobs import fetch_file

pytestmark = pytest.mark.django_db


def read_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        (42, 42),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_export_follows_the_filters(login, cast, make_update):
    make_update(author=cast.alice, narrative="Canadian line")
    make_update(author=cast.bob, narrative="Mexican line", status="at_risk")
    response = fetch_file(login(cast.carol), reverse("update_export_csv"), {"country": "MX"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="nadd-updates-')
    rows = read_csv(response)
    assert rows[0][:4] == ["Id", "Year", "Objective number", "Objective"]
    assert len(rows) == 2
    assert rows[1][5] == "Mexico" and rows[1][7] == "At risk" and rows[1][9] == "Mexican line"


def test_exports_follow_the_access_rules(login, cast, make_update):
    make_update(author=cast.alice, narrative="Canada's draft", state="draft")
    make_update(author=cast.bob, narrative="Mexico published")
    bob_rows = read_csv(fetch_file(login(cast.bob), reverse("update_export_csv")))
    assert [row[9] for row in bob_rows[1:]] == ["Mexico published"]
    carol_rows = read_csv(fetch_file(login(cast.carol), reverse("update_export_csv")))
    assert {row[9] for row in carol_rows[1:]} == {"Canada's draft", "Mexico published"}


@pytest.mark.parametrize("name", ["update_export_csv", "update_export_xlsx"])
def test_exports_refuse_outsiders(client, cast, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(cast.nora)
    assert client.get(reverse(name)).status_code == 403


def test_formula_shaped_text_is_neutralised_in_both_formats(login, cast, make_update):
    make_update(
        author=cast.alice, narrative="=cmd|'/C calc'!A0", evidence_links=["https://e.org/x"]
    )
    client = login(cast.carol)
    csv_rows = read_csv(fetch_file(client, reverse("update_export_csv")))
    assert csv_rows[1][9] == "'=cmd|'/C calc'!A0"
    xlsx_rows = read_xlsx(fetch_file(client, reverse("update_export_xlsx")))
    assert xlsx_rows[1][9] == "'=cmd|'/C calc'!A0"


def test_xlsx_export_has_the_same_rows_as_the_page(login, cast, make_update):
    for i in range(3):
        make_update(author=cast.uma, narrative=f"US line {i}")
    response = fetch_file(
        login(cast.alice), reverse("update_export_xlsx"), {"country": "US", "q": "line"}
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = read_xlsx(response)
    assert rows[0][0] == "Id"
    assert sorted(row[9] for row in rows[1:]) == ["US line 0", "US line 1", "US line 2"]


def test_malformed_filters_give_400_not_a_file(login, cast):
    response = login(cast.carol).get(reverse("update_export_csv"), {"status": "bogus"})
    assert response.status_code == 400
    assert "Please correct the following" in response.text


def test_the_list_links_to_both_downloads_with_its_filters(login, cast, make_update):
    make_update(author=cast.alice)
    text = login(cast.carol).get(reverse("update_list"), {"country": "CA"}).text
    assert reverse("update_export_csv") + "?country=CA" in text
    assert reverse("update_export_xlsx") + "?country=CA" in text
    # The whole published record, as one zip, is not filtered.
    assert reverse("update_export_zip") in text


def test_a_workbook_goes_on_to_another_sheet_past_excels_row_limit(
    login, cast, make_update, monkeypatch
):
    monkeypatch.setattr("commitments.exports.XLSX_SHEET_ROWS", 2)
    for i in range(5):
        make_update(author=cast.uma, narrative=f"US line {i}")
    response = fetch_file(login(cast.carol), reverse("update_export_xlsx"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames == ["Updates", "Updates (2)", "Updates (3)"]
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]
    assert [len(rows) for rows in sheets] == [3, 3, 2]  # each with its header
    assert all(rows[0][0] == "Id" for rows in sheets)
    narratives = sorted(row[9] for rows in sheets for row in rows[1:])
    assert narratives == [f"US line {i}" for i in range(5)]


def test_an_empty_export_still_has_its_header(login, cast):
    response = fetch_file(login(cast.carol), reverse("update_export_xlsx"), {"country": "CA"})
    assert read_xlsx(response) == [header()]


def test_a_workbook_is_ready_to_read_widths_frozen_filtered_header_dates_as_dates(
    login, cast, make_update
):
    HandlingMarking.objects.create(text="UNCLASSIFIED")
    update = make_update(author=cast.bob, narrative="Mexican line")
    response = fetch_file(login(cast.carol), reverse("update_export_xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    # The marking, then the header, frozen with it, filterable, printed on every page.
    assert sheet["A1"].value == "UNCLASSIFIED" and sheet["A2"].value == "Id"
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{get_column_letter(len(header()))}3"
    assert sheet.print_title_rows == "$2:$2"
    assert all(cell.font.b for cell in sheet[2])
    widths = {
        name: sheet.column_dimensions[cell.column_letter].width
        for name, cell in zip(header(), sheet[2], strict=True)
    }
    assert widths["Narrative"] > widths["Objective"] > widths["Id"] >= 8
    # Numbers as numbers, moments as dates (UTC, as the headers say).
    row = {name: cell for name, cell in zip(header(), sheet[3], strict=True)}
    assert row["Id"].value == update.pk and row["Year"].value == 2024
    written = row["Written (UTC)"]
    assert written.is_date and written.number_format == "yyyy-mm-dd hh:mm"
    written_at = update.created_at.astimezone(datetime.UTC).replace(tzinfo=None)
    assert abs(written.value - written_at) < datetime.timedelta(seconds=1)
    assert row["Published (UTC)"].is_date
    assert row["Narrative"].value == "Mexican line"


def test_the_csv_keeps_moments_as_text_in_utc(login, cast, make_update):
    update = make_update(author=cast.bob, state="draft")
    rows = read_csv(fetch_file(login(cast.carol), reverse("update_export_csv")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Written (UTC)"] == update.created_at.astimezone(datetime.UTC).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert row["Published (UTC)"] == ""
