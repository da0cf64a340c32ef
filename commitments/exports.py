"""The updates list as CSV or Excel, streamed row by row whatever its size.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab, a carriage
return or a NUL) are prefixed with an apostrophe, so exported text stays text.
"""

import csv
import datetime
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
CHUNK = 2000


def neutralise(value):
    """Text a spreadsheet will show, never evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def header():
    return [
        _("Id"),
        _("Year"),
        _("Objective number"),
        _("Objective"),
        _("Country code"),
        _("Country"),
        _("Reporting period"),
        _("Status"),
        _("Review state"),
        _("Narrative"),
        _("Evidence links"),
        _("Author"),
        _("Written (UTC)"),
        _("Last changed (UTC)"),
        _("Published (UTC)"),
    ]


def _when(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def rows(updates):
    """One list of cells per update, read from the database in chunks."""
    for update in updates.iterator(chunk_size=CHUNK):
        yield [
            update.pk,
            update.objective.objective_set.year,
            update.objective.number,
            neutralise(update.objective.local_title),
            update.country.code,
            neutralise(update.country.local_name),
            neutralise(update.period.name),
            str(update.get_status_display()),
            str(update.get_state_display()),
            neutralise(update.narrative),
            neutralise("\n".join(update.evidence_links)),
            neutralise(update.author.get_full_name() or update.author.username),
            _when(update.created_at),
            _when(update.updated_at),
            _when(update.published_at),
        ]


class _Echo:
    def write(self, value):
        return value


def csv_response(updates, filename):
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # a byte-order mark, so spreadsheet programs read UTF-8
        yield writer.writerow(header())
        for row in rows(updates):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(updates, filename):
    # write_only keeps one row in memory at a time; the workbook goes to a temporary file.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Updates"))
    sheet.append(header())
    for row in rows(updates):
        sheet.append(row)
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
