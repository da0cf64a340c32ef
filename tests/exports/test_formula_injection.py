"""Exports: formula-shaped text stays text in every cell, whatever separator
the spreadsheet splits on, numbers stay numbers, rows stored with control characters
still export, and downloads are attachments behind the access rules."""

import csv
import io
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from commitments.exports import FORMULA_TRIGGERS
from commitments.models import ProgressUpdate
from tests.support.jobs import fetch_file

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"))
# What a spreadsheet may split a CSV line on: its list separator (",", ";" in Spanish and
# French settings, tab, "|") and line breaks inside a cell it does not read as quoted.
SEPARATORS = [",", ";", "\t", "|"]
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def pieces(cell, separator):
    """What a spreadsheet splitting on ``separator`` and line breaks would make cells of."""
    return re.split(f"[{re.escape(separator)}\r\n]", cell)


def starts_a_formula(piece):
    return piece.lstrip(" \u00a0").startswith(("=", "+", "-", "@"))


def export_csv(client):
    response = fetch_file(client, reverse("update_export_csv"))
    return b"".join(response.streaming_content).decode("utf-8-sig")


def export_xlsx(client):
    response = fetch_file(client, reverse("update_export_xlsx"))
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@hypothesis_settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trigger=st.sampled_from([t for t in FORMULA_TRIGGERS if t != "\0"]), rest=text)
@example(trigger="=", rest="progress;=cmd|' /C calc'!A0")
@example(trigger="+", rest="1\n-2,@SUM(A1)\t=1|+1")
def test_no_exported_cell_starts_a_formula_whatever_the_separator(
    login, cast, make_update, trigger, rest
):
    ProgressUpdate.objects.all().delete()
    narrative = trigger + rest
    make_update(author=cast.alice, narrative=narrative)
    client = login(cast.carol)
    response = fetch_file(client, reverse("update_export_csv"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(export_csv(client))))
    for row in rows[1:]:
        for cell in row:
            for separator in SEPARATORS:
                assert not any(starts_a_formula(p) for p in pieces(cell, separator)), cell
    # Nothing is lost but control characters: only apostrophes were added.
    written = rows[1][9]
    assert written.replace("'", "") == CONTROLS.sub("\ufffd", narrative).replace("'", "")


@pytest.mark.parametrize("separator", SEPARATORS)
def test_a_formula_after_a_separator_or_a_line_break_is_neutralised(
    login, cast, make_update, separator
):
    narrative = f"progress{separator}=cmd|' /C calc'!A0\n+1+1\r\n @SUM(A1){separator} -2"
    make_update(author=cast.alice, narrative=narrative)
    body = export_csv(login(cast.carol))
    # Split the way a spreadsheet that ignores the quotes would: no cell starts a formula.
    for line in body.splitlines():
        for piece in pieces(line, separator):
            assert not starts_a_formula(piece.strip('"')), piece
    [row] = list(csv.reader(io.StringIO(body)))[1:]
    assert row[9] == f"progress{separator}'=cmd|' /C calc'!A0\n'+1+1\r\n '@SUM(A1){separator} '-2"


def test_every_text_cell_is_quoted_and_numbers_are_not(login, cast, make_update):
    update = make_update(author=cast.alice, narrative="Plain words")
    body = export_csv(login(cast.carol))
    line = body.splitlines()[1]
    assert line.startswith(f'{update.pk},2024,1,"')
    assert '"Plain words"' in line


def test_the_workbook_keeps_numbers_as_numbers_and_text_as_text(login, cast, make_update):
    # A spreadsheet that trims leading spaces would read " =1+1" as a formula too.
    update = make_update(author=cast.alice, narrative=" =1+1")
    sheet = export_xlsx(login(cast.carol))
    row = next(sheet.iter_rows(min_row=2))
    assert [cell.value for cell in row[:3]] == [update.pk, 2024, 1]
    assert all(cell.data_type == "n" for cell in row[:3])
    assert row[9].value == "' =1+1" and row[9].data_type == "s"
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x9b"])
def test_rows_stored_with_control_characters_still_export(login, cast, make_update, character):
    # Written straight to the database, as rows stored before the forms refused them.
    make_update(author=cast.alice, narrative=f"Progress{character} made")
    client = login(cast.carol)
    sheet = export_xlsx(client)  # a 500 before: openpyxl refuses the character
    assert sheet.cell(row=2, column=10).value == "Progress\ufffd made"
    [row] = list(csv.reader(io.StringIO(export_csv(client))))[1:]
    assert row[9] == "Progress\ufffd made"


def test_downloads_are_attachments_and_refused_to_outsiders(client, cast):
    for name in ["update_export_csv", "update_export_xlsx"]:
        assert client.get(reverse(name)).status_code == 302
    client.force_login(cast.alice)
    response = fetch_file(client, reverse("update_export_xlsx"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
