"""The exports' files, cell for cell, pinned against copies kept in tests/exports/golden/:
the demo's data (load_demo) and a few awkward rows (formula-shaped and control
characters, evidence files, a removed one, a report entered on the country's behalf),
exported as CSV, as a workbook and as the zip of published data, in English and in
Spanish. How the files are written may change (what is read from the database, how a
cell is built); what they hold may not.

Ids differ from one test database to the next, so each is written as what it stands for
("update 12", "objective 2024/3"); the workbook is compared cell by cell (value, type,
number format, bold) with its layout (widths, frozen rows, filter, print titles).

To write the copies again after a deliberate change of the files:
``NADD_WRITE_GOLDEN=1 pytest tests/exports/test_export_files.py`` (and read the diff).
"""

import csv
import datetime
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from commitments import exports, indicators, open_data
from commitments.models import (
    EvidenceFile,
    Indicator,
    Milestone,
    MilestoneMet,
    Objective,
    ProgressUpdate,
    ReportingPeriod,
)
from tests.support.jobs import fetch_file

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
MOMENT = datetime.datetime(2024, 5, 2, 14, 7, 31, tzinfo=datetime.UTC)


@pytest.fixture
def demo(db):
    """The demo's data, and the rows it lacks."""
    call_command("load_demo", stdout=io.StringIO())
    coordinator = ProgressUpdate.objects.filter(entered_on_behalf=True).first().author
    sample = ProgressUpdate.objects.filter(objective__objective_set__year=2024).order_by("pk")
    first, second = sample[0], sample[1]
    odd = ProgressUpdate.objects.create(
        objective=first.objective,
        country=first.country,
        period=first.period,
        status=ProgressUpdate.Status.AT_RISK,
        narrative='=HYPERLINK("http://evil")\nline two, -1+1; @SUM(A1)\x01 end',
        evidence_links=["https://example.org/a", "+https://example.org/b"],
        author=first.author,
        state=ProgressUpdate.State.PUBLISHED,
        language="fr",
        created_at=MOMENT,
        updated_at=MOMENT,
        submitted_at=MOMENT,
        first_submitted_at=MOMENT,
        published_at=MOMENT + datetime.timedelta(days=1),
    )
    for number, removed in enumerate([None, MOMENT, None]):
        EvidenceFile.objects.create(
            update=odd if number < 2 else second,
            name=["report.pdf", "removed.pdf", "-annex=1.pdf"][number],
            kind=EvidenceFile.Kind.PDF,
            size=100,
            sha256="0" * 64,
            stored_as=f"golden/{number}",
            uploaded_by=first.author,
            uploaded_at=MOMENT + datetime.timedelta(minutes=number),
            removed_at=removed,
        )
    milestones = Milestone.objects.filter(country=first.country).order_by("pk")[:2]
    for milestone in milestones:
        MilestoneMet.objects.get_or_create(update=odd, milestone=milestone)
    return coordinator


def _numbered(kind, rows):
    """Each id of ``rows`` by its place in the order they were created."""
    ids = rows.order_by("pk").values_list("pk", flat=True)
    return {pk: f"{kind} {number}" for number, pk in enumerate(ids, 1)}


def _names():
    """What each id stands for, by kind of id."""
    updates = _numbered("update", ProgressUpdate.objects.all())
    objectives = {
        o.pk: f"objective {o.objective_set.year}/{o.number}"
        for o in Objective.objects.select_related("objective_set")
    }
    periods = {
        p.pk: f"period {p.objective_set.year}:{p.name}"
        for p in ReportingPeriod.objects.select_related("objective_set")
    }
    indicators = {
        i.pk: f"indicator {i.objective.objective_set.year}/{i.objective.number}.{i.number}"
        for i in Indicator.objects.select_related("objective__objective_set")
    }
    milestones = _numbered("milestone", Milestone.objects.all())
    return {
        "update": updates,
        "objective": objectives,
        "period": periods,
        "indicator": indicators,
        "milestone": milestones,
    }


# Which columns hold which kind of id: (file, header) -> kind; the updates export's first
# column, whatever its header's language, holds the update's.
ID_COLUMNS = {
    ("updates.csv", "id"): "update",
    ("updates.csv", "objective_id"): "objective",
    ("updates.csv", "period_id"): "period",
    ("objectives.csv", "id"): "objective",
    ("reporting-periods.csv", "id"): "period",
    ("indicators.csv", "id"): "indicator",
    ("indicators.csv", "objective_id"): "objective",
    ("indicator-targets.csv", "indicator_id"): "indicator",
    ("indicator-values.csv", "update_id"): "update",
    ("indicator-values.csv", "indicator_id"): "indicator",
    ("indicator-values.csv", "period_id"): "period",
    ("milestones.csv", "id"): "milestone",
    ("milestones.csv", "objective_id"): "objective",
}


def _named(file, rows, names, header_row):
    """``rows`` with each id cell below the header written as what it stands for."""
    header = rows[header_row]
    kinds = [ID_COLUMNS.get((file, str(name))) for name in header]
    if file == "updates":
        kinds[0] = "update"
    result = rows[: header_row + 1]
    for row in rows[header_row + 1 :]:
        result.append(
            [
                names[kind][int(cell)] if kind and cell not in ("", None) else cell
                for kind, cell in zip(kinds, row, strict=True)
            ]
        )
    return result


def _csv_text(rows):
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _csv_file(data, names, file, header_row):
    """A CSV file as its golden copy: ids named, and after each row whether each of its
    cells was written in quotes ("q") or not ("n"): text is quoted, numbers are not."""
    text = data.decode("utf-8")
    if file == "updates":
        assert text.startswith("\ufeff")
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text)))
    quoted = list(_quoted_cells(text))
    named = _named(file, rows, names, header_row)
    return _csv_text(
        [
            [*row, "".join("q" if mark else "n" for mark in marks)]
            for row, marks in zip(named, quoted, strict=True)
        ]
    )


def _quoted_cells(text):
    """For each row of ``text``, whether each of its cells was written in quotes."""
    row, cell_start, in_quotes, quoted = [], True, False, False
    i = 0
    while i < len(text):
        char = text[i]
        if in_quotes:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    in_quotes = False
        elif cell_start and char == '"':
            in_quotes, quoted, cell_start = True, True, False
        elif char == ",":
            row.append(quoted)
            quoted, cell_start = False, True
        elif char == "\r" and text[i + 1 : i + 2] == "\n":
            row.append(quoted)
            yield row
            row, quoted, cell_start = [], False, True
            i += 1
        else:
            cell_start = False
        i += 1
    if row:
        row.append(quoted)
        yield row


def _cell(cell):
    value = cell.value
    if isinstance(value, datetime.datetime):
        value = {"datetime": value.isoformat()}
    elif isinstance(value, datetime.date):
        value = {"date": value.isoformat()}
    return [value, cell.data_type, cell.number_format, bool(cell.font and cell.font.b)]


def _workbook(data, names, header_row):
    workbook = load_workbook(io.BytesIO(data))
    sheets = []
    for sheet in workbook.worksheets:
        cells = [[_cell(cell) for cell in row] for row in sheet.iter_rows()]
        values = [[cell[0] for cell in row] for row in cells]
        named = _named("updates", values, names, header_row)
        for row, row_values in zip(cells, named, strict=True):
            for cell, value in zip(row, row_values, strict=True):
                cell[0] = value
        layout = {
            "title": sheet.title,
            "widths": {
                letter: dimension.width
                for letter, dimension in sorted(sheet.column_dimensions.items())
            },
            "freeze_panes": sheet.freeze_panes,
            "auto_filter": sheet.auto_filter.ref,
            "print_title_rows": sheet.print_title_rows,
        }
        sheets.append(json.dumps(layout, ensure_ascii=False))
        sheets.extend(json.dumps(row, ensure_ascii=False) for row in cells)
    return "\n".join(sheets) + "\n"


def _compare(name, text):
    path = GOLDEN / name
    if os.environ.get("NADD_WRITE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        lines, wanted = text.splitlines(), expected.splitlines()
        for number, (line, want) in enumerate(zip(lines, wanted, strict=False), 1):
            assert line == want, f"{name}, line {number}"
        assert len(lines) == len(wanted), name


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_csv_export_holds_what_it_always_held(client, demo, language):
    client.force_login(demo)
    with translation.override(language):
        url = reverse("update_export_csv")
    response = fetch_file(client, url, HTTP_ACCEPT_LANGUAGE=language)
    data = b"".join(response.streaming_content)
    _compare(f"updates-{language}.csv", _csv_file(data, _names(), "updates", header_row=1))


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_workbook_export_holds_what_it_always_held(client, demo, language):
    client.force_login(demo)
    with translation.override(language):
        url = reverse("update_export_xlsx")
    response = fetch_file(client, url, HTTP_ACCEPT_LANGUAGE=language)
    data = b"".join(response.streaming_content)
    _compare(f"updates-{language}.xlsx.json", _workbook(data, _names(), header_row=1))


def test_the_filtered_exports_hold_what_they_always_held(client, demo):
    client.force_login(demo)
    filters = {"country": "MX", "status": "at_risk"}
    response = fetch_file(client, reverse("update_export_csv"), filters)
    data = b"".join(response.streaming_content)
    _compare("updates-mx-at-risk.csv", _csv_file(data, _names(), "updates", header_row=1))


def test_the_published_data_zip_holds_what_it_always_held(client, demo):
    client.force_login(demo)
    response = fetch_file(client, reverse("update_export_zip"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = _names()
    for member in archive.namelist():
        text = _csv_file(archive.read(member), names, member, header_row=0)
        _compare(f"zip-{member}", text)


def test_the_updates_are_read_in_one_statement_whatever_the_number_of_chunks(
    demo, monkeypatch, django_assert_num_queries
):
    """Joins, localised names, evidence files, milestones and indicator values are all
    read by the rows' own statement: no query per chunk, let alone per row."""
    monkeypatch.setattr(exports, "CHUNK", 20)
    columns = indicators.export_columns()
    updates = ProgressUpdate.objects.order_by("pk")
    total = updates.count()
    assert total > 5 * exports.CHUNK
    with django_assert_num_queries(1):
        assert sum(1 for _row in exports.rows(updates, columns)) == total


def test_the_zip_reads_each_of_its_files_in_one_statement(
    demo, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(exports, "CHUNK", 20)
    # The reader's role, then one statement per file.
    with django_assert_num_queries(1 + len(open_data.TABLES)):
        open_data.write_zip(demo, io.BytesIO(), lambda written: None)
