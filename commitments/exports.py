"""The updates list as CSV or Excel, written row by row to a file whatever its size (by a
background job: commitments/jobs.py); and the status matrix of one reporting period
(objectives by countries), a small direct download.

Exported text stays text, whatever it holds (OWASP's advice on CSV injection):

- A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
  return, after spaces or not) gets an apostrophe in front.
- In the CSV file, so does any such character that follows something a spreadsheet may
  split cells on: the separator is the reader's choice (Spanish and French settings use
  ";"), so every one of , ; | tab and line breaks counts. Every text cell is quoted too;
  numbers are not.
- In the workbook, text cells are typed as text and numbers stay numbers.
- Control characters, which the forms refuse but rows written before they did may hold,
  become U+FFFD in both formats (openpyxl refuses them, some readers stop at a NUL).

When an administrator has set a handling marking (handling.py), it comes first: the
CSV file's first line and the workbook's first row hold the marking alone, in one cell,
and the column headers follow on the next; without a marking the headers come first. A
program reading an export skips the first row when it has a single cell.
"""

import csv
import datetime
import io
import re

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import F, OuterRef, StringAgg, Subquery, Value
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from commitments import continuity, indicators
from commitments.models import (
    Country,
    EvidenceFile,
    IndicatorValue,
    MilestoneMet,
    ProgressUpdate,
)
from commitments.models.reference import Translated, period_label
from commitments.models.updates import provenance

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
CHUNK = 2000
# Rows of updates on one sheet of a workbook: Excel's limit, less the header.
XLSX_SHEET_ROWS = 1_048_575

HEADER_FONT = Font(bold=True)

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LEADING_SPACES = " \u00a0"
# A formula trigger after a possible cell separator (and spaces): where a spreadsheet
# splitting on that separator would start a cell with it.
_AFTER_A_SEPARATOR = re.compile("([,;|\t\r\n\u2028\u2029][ \u00a0]*)(?=[=+\\-@])")


def neutralise(value):
    """Text a spreadsheet will show, never evaluate, as one cell: control characters
    replaced, an apostrophe before a leading formula trigger."""
    if not isinstance(value, str) or not value:  # an empty cell (most indicators') as is
        return value
    value = _CONTROLS.sub("\ufffd", value)
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip(_LEADING_SPACES).startswith(
        FORMULA_TRIGGERS[:4]
    ):
        return "'" + value
    return value


def neutralise_csv(value):
    """``neutralise``, and an apostrophe before every formula trigger that a spreadsheet
    splitting the cell on , ; | tab or a line break would put at the start of a cell."""
    value = neutralise(value)
    if isinstance(value, str):
        return _AFTER_A_SEPARATOR.sub(r"\1'", value)
    return value


def columns(indicator_columns=None):
    """Each column of the updates export: its header and its width in a workbook (in
    characters). ``indicator_columns`` are the indicators whose values follow the
    update's own fields (``indicators.export_columns()``, read when not given)."""
    if indicator_columns is None:
        indicator_columns = indicators.export_columns()
    return [
        (_("Id"), 8),
        (_("Year"), 7),
        (_("Objective number"), 10),
        (_("Objective"), 40),
        (_("Country code"), 9),
        (_("Country"), 18),
        (_("Reporting period"), 12),
        (_("Status"), 22),
        (_("Review state"), 18),
        (_("Narrative"), 80),
        (_("Evidence links"), 40),
        (_("Evidence files"), 30),
        (_("Author"), 22),
        (_("Written (UTC)"), 17),
        (_("Last changed (UTC)"), 17),
        (_("Published (UTC)"), 17),
        (_("Entered on the country's behalf"), 40),
        (_("Fictional demo text"), 12),
        (_("Continues"), 14),
        (_("Language of the narrative"), 10),
        (_("Milestones met"), 30),
        *((indicators.export_heading(indicator), 16) for indicator in indicator_columns),
    ]


def header(indicator_columns=None):
    return [name for name, _width in columns(indicator_columns)]


def _utc(value):
    """A moment as the exports give it: in UTC, without a time zone (a spreadsheet has
    none), or None."""
    return value.astimezone(datetime.UTC).replace(tzinfo=None) if value else None


def _when(value):
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _joined(related, name, order):
    """An expression for an update's ``name`` of each of its ``related`` rows, in
    ``order``, joined by line breaks (None for none): one subquery of the same statement."""
    return Subquery(
        related.filter(update_id=OuterRef("pk"))
        .order_by()
        .values("update_id")
        .annotate(joined=StringAgg(name, delimiter=Value("\n"), order_by=order))
        .values("joined")
    )


def _listed(name):
    """An expression for the array of an update's indicator values' ``name``, in the order
    of the values' indicators."""
    return Subquery(
        IndicatorValue.objects.filter(update_id=OuterRef("pk"))
        .order_by()
        .values("update_id")
        .annotate(listed=ArrayAgg(name, order_by="indicator_id"))
        .values("listed")
    )


_local = Translated.in_active_language_expression


def _columns():
    """What rows() reads of each update: plain values, the joins, the translated names and
    the related rows resolved by the database (one statement, whatever the number of
    rows)."""
    return {
        "pk": F("pk"),
        "year": F("objective__objective_set__year"),
        "objective_number": F("objective__number"),
        "objective_title": _local("objective__title"),
        "country_code": F("country__code"),
        "country_name": _local("country__name"),
        "period_name": F("period__name"),
        "status": F("status"),
        "state": F("state"),
        "narrative": F("narrative"),
        "evidence_links": F("evidence_links"),
        "evidence_files": _joined(
            EvidenceFile.objects.filter(removed_at__isnull=True), "name", ("uploaded_at", "id")
        ),
        "first_name": F("author__first_name"),
        "last_name": F("author__last_name"),
        "username": F("author__username"),
        "created_at": F("created_at"),
        "updated_at": F("updated_at"),
        "published_at": F("published_at"),
        "entered_on_behalf": F("entered_on_behalf"),
        "source_kind": F("source_kind"),
        "source_reference": F("source_reference"),
        "source_date": F("source_date"),
        "is_demo": F("is_demo"),
        "continues": continuity.continues(),
        "language": F("language"),
        # An update's milestones in the milestones' own order (due, then id).
        "milestones": _joined(
            MilestoneMet.objects.all(), "milestone__title", ("milestone__due_on", "milestone_id")
        ),
        "indicator_ids": _listed("indicator_id"),
        "indicator_values": _listed("value"),
    }


def rows(updates, indicator_columns=None):
    """One list of cells per update, read from the database as plain values, a chunk at a
    time, by one statement; "Continues" names the earlier objectives the update's objective
    continues ("2024/5"); then the narrative's language, the milestones the update marks
    met, and its value of each indicator of ``indicator_columns`` (a number; empty where
    it gives none)."""
    if indicator_columns is None:
        indicator_columns = indicators.export_columns()
    indicator_ids = [indicator.pk for indicator in indicator_columns]
    statuses = {value: str(label) for value, label in ProgressUpdate.Status.choices}
    states = {value: str(label) for value, label in ProgressUpdate.State.choices}
    periods = {}  # a period's name in the reader's language, by name
    yes = _("Yes")
    columns = _columns()
    names = [f"_export_{name}" for name in columns]
    read = updates.annotate(
        **{name: expression for name, expression in zip(names, columns.values(), strict=True)}
    ).values_list(*names)
    for (
        pk,
        year,
        objective_number,
        objective_title,
        country_code,
        country_name,
        period_name,
        status,
        state,
        narrative,
        evidence_links,
        evidence_files,
        first_name,
        last_name,
        username,
        created_at,
        updated_at,
        published_at,
        entered_on_behalf,
        source_kind,
        source_reference,
        source_date,
        is_demo,
        continues,
        language,
        milestones,
        value_ids,
        values,
    ) in read.iterator(chunk_size=CHUNK):
        period = periods.get(period_name)
        if period is None:
            period = periods[period_name] = period_label(period_name)
        values = dict(zip(value_ids, values, strict=True)) if value_ids else {}
        yield [
            pk,
            year,
            objective_number,
            objective_title,
            country_code,
            country_name,
            period,
            statuses.get(status, status),
            states.get(state, state),
            narrative,
            "\n".join(evidence_links),
            evidence_files or "",
            f"{first_name} {last_name}".strip() or username,  # as User.get_full_name()
            _utc(created_at),
            _utc(updated_at),
            _utc(published_at),
            provenance(source_kind, source_reference, source_date) if entered_on_behalf else "",
            yes if is_demo else "",
            continues or "",
            language,
            milestones or "",
            *(indicators.export_number(values.get(indicator)) for indicator in indicator_ids),
        ]


# How a workbook shows the moments of the exports (in UTC, as their headers say).
XLSX_MOMENT = "yyyy-mm-dd hh:mm"
XLSX_DATE = "yyyy-mm-dd"


def _xlsx_cell(sheet, value):
    """Numbers as they are, dates and moments as dates; text neutralised and typed as
    text, so that not even a cell starting with "=" is read as a formula."""
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = XLSX_MOMENT if isinstance(value, datetime.datetime) else XLSX_DATE
        return cell
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, neutralise(value))
    cell.data_type = "s"
    return cell


def _xlsx_row(sheet, row, dated):
    """A row of cells as ``_xlsx_cell`` makes them, made cheaply for a long sheet: text
    is given as a plain value, which openpyxl types as text (neutralised text never
    starts with "="; the few that would be typed otherwise, error codes such as "#N/A",
    get a cell of their own); dates and moments get one cell per column and format,
    ``dated``, kept from row to row (a sheet in write-only mode writes each row's cells
    before the next row is made)."""
    cells = []
    for column, value in enumerate(row):
        if isinstance(value, str):
            value = neutralise(value)
            if value.startswith("=") or value in ERROR_CODES:
                value = _xlsx_cell(sheet, value)
        elif isinstance(value, datetime.date):
            moment = isinstance(value, datetime.datetime)
            cell = dated.get((column, moment))
            if cell is None:
                cell = dated[column, moment] = WriteOnlyCell(sheet)
                cell.number_format = XLSX_MOMENT if moment else XLSX_DATE
            cell.value = value
            value = cell
        cells.append(value)
    return cells


def _csv_cell(value):
    """A cell of the CSV file: moments as "2024-04-15 13:05", dates as "2024-04-15"."""
    if isinstance(value, datetime.datetime):
        return _when(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else neutralise_csv(value)


def _prepare_sheet(sheet, widths, marking):
    """A sheet's columns as wide as ``widths`` say, its header row (below the marking, if
    any) frozen, printed on every page and written in bold; returns the header's row."""
    for number, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    header_row = len(marking_rows(marking)) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    for row in marking_rows(marking):
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    return header_row


def _header_cells(sheet, names):
    cells = []
    for name in names:
        cell = _xlsx_cell(sheet, str(name))
        cell.font = HEADER_FONT
        cells.append(cell)
    return cells


def _filter(sheet, header_row, width, last_row):
    """A filter on every column of the header row, over the rows below it."""
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{max(last_row, header_row)}"


def _counted(updates, progress, indicator_columns=None):
    """The rows of ``updates``, telling ``progress(rows_written)`` after every chunk."""
    written = 0
    for written, row in enumerate(rows(updates, indicator_columns), 1):  # noqa: B007 - counted after the loop
        yield row
        if written % CHUNK == 0:
            progress(written)
    progress(written)


def marking_rows(marking):
    """The rows before the headers: the handling marking alone, or none."""
    return [[marking]] if marking else []


def write_csv(updates, output, progress, marking=""):
    """Write the updates as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
    it as such) to the binary file ``output``, a chunk of rows in memory at a time; the
    handling marking, if any, on the first line."""
    text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
    text.write("\ufeff")
    for row in marking_rows(marking):
        writer.writerow([_csv_cell(cell) for cell in row])
    indicator_columns = indicators.export_columns()
    writer.writerow(header(indicator_columns))
    for row in _counted(updates, progress, indicator_columns):
        writer.writerow([_csv_cell(cell) for cell in row])
    text.flush()
    text.detach()


def write_xlsx(updates, output, progress, marking=""):
    """Write the updates as an Excel workbook to the binary file ``output``; write_only
    keeps one row in memory at a time. A sheet holds at most ``XLSX_SHEET_ROWS`` updates
    (Excel opens no more than 1,048,576 rows); the next ones go on another sheet. Each
    sheet starts with the handling marking, if any, above its header."""
    workbook = Workbook(write_only=True)
    sheet, on_sheet, dated = None, XLSX_SHEET_ROWS, {}
    indicator_columns = indicators.export_columns()
    widths = [width for _name, width in columns(indicator_columns)]
    header_row = len(marking_rows(marking)) + 1

    def new_sheet(title):
        sheet = workbook.create_sheet(title)
        _prepare_sheet(sheet, widths, marking)
        sheet.append(_header_cells(sheet, header(indicator_columns)))
        return sheet

    for row in _counted(updates, progress, indicator_columns):
        if on_sheet == XLSX_SHEET_ROWS:
            if sheet is not None:
                _filter(sheet, header_row, len(widths), header_row + on_sheet)
            number = len(workbook.worksheets) + 1
            title = _("Updates") if number == 1 else f"{_('Updates')} ({number})"
            sheet, on_sheet, dated = new_sheet(title), 0, {}
        sheet.append(_xlsx_row(sheet, row, dated))
        on_sheet += 1
    if sheet is None:
        sheet, on_sheet = new_sheet(_("Updates")), 0
    _filter(sheet, header_row, len(widths), header_row + on_sheet)
    workbook.save(output)


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    """What csv.writer writes to when each line is wanted back as a string."""

    def write(self, value):
        return value


# --- The status matrix of one period -------------------------------------------------


def matrix_countries(objectives):
    """The matrix's columns: every member country, then the partner countries named on
    any of ``objectives`` (partners answer only for the objectives they are named on)."""
    members = list(Country.objects.members().order_by("name"))
    partners = list(
        Country.objects.filter(partner_objectives__in=objectives).distinct().order_by("name")
    )
    return members + [country for country in partners if country not in members]


def matrix_table(objective_set, period):
    """The header and one row per objective of ``objective_set`` for ``period``: each cell
    the status of that period's newest published report of the country, "Missing" where
    a member country has none, empty where a partner has none (partners contribute where
    they are named and are never counted as missing). Three queries."""
    objectives = list(objective_set.objectives.order_by("number").prefetch_related("partners"))
    countries = matrix_countries(objectives)
    newest = {}
    reports = (
        ProgressUpdate.objects.published()
        .filter(period=period, objective__in=objectives)
        .order_by("-created_at", "-id")
        .values_list("objective_id", "country_id", "status")
    )
    for objective_id, country_id, status in reports:
        newest.setdefault((objective_id, country_id), status)
    header = [
        _("Year"),
        _("Objective number"),
        _("Objective"),
        _("Reporting period"),
        *(country.local_name for country in countries),
    ]
    table = []
    for objective in objectives:
        named = {country.pk for country in objective.partners.all()}
        cells = []
        for country in countries:
            if country.membership == Country.Membership.PARTNER and country.pk not in named:
                cells.append("")
                continue
            status = newest.get((objective.pk, country.pk))
            if status:
                cells.append(str(ProgressUpdate.Status(status).label))
            else:  # partners contribute where named, and are never counted as missing
                partner = country.membership == Country.Membership.PARTNER
                cells.append("" if partner else _("Missing"))
        table.append(
            [objective_set.year, objective.number, objective.local_title, period.local_name, *cells]
        )
    return header, table


def matrix_response(fmt, objective_set, period, filename, marking=""):
    """The matrix of ``period`` as a CSV file or an Excel workbook (``fmt``), with the
    handling marking first when there is one, neutralised like the list exports."""
    header, table = matrix_table(objective_set, period)
    widths = [7, 10, 40, 12, *(max(14, len(str(name)) + 2) for name in header[4:])]
    return table_response(fmt, header, table, filename, _("Status matrix"), marking, widths)


def table_response(fmt, header, table, filename, sheet_title, marking="", widths=None):
    """A small table (the matrix of a period, a set's assessments) as a CSV file or an
    Excel workbook (``fmt``), with the handling marking first when there is one,
    neutralised like the list exports; numbers and dates stay numbers and dates."""
    if fmt == "csv":
        lines = [*marking_rows(marking), header, *table]
        writer = csv.writer(_Echo(), quoting=csv.QUOTE_NONNUMERIC)
        body = "\ufeff" + "".join(
            writer.writerow([neutralise_csv(cell) for cell in line]) for line in lines
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(sheet_title)[:31])
    widths = widths or [max(12, min(60, len(str(name)) + 2)) for name in header]
    header_row = _prepare_sheet(sheet, widths, marking)
    sheet.append(_header_cells(sheet, header))
    for line in table:
        sheet.append([_xlsx_cell(sheet, cell) for cell in line])
    _filter(sheet, header_row, len(widths), header_row + len(table))
    output = io.BytesIO()
    workbook.save(output)
    response = HttpResponse(
        output.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
