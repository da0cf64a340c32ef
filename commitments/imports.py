"""Loading a new year's objective set from a CSV file, all or nothing.

The file has a header row ``number,title,theme,text`` and one objective per row. Every
bad row is reported with its line number; if any row is bad, nothing is saved. Cells are
held to the rules of the admin's forms: no invisible control character (tab and line
breaks only in the text), numbers in plain digits within the column's range.
"""

import csv
import datetime
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commitments import audit
from commitments.models import Objective, ObjectiveSet, ReportingPeriod
from commitments.validators import refused_character

COLUMNS = ["number", "title", "theme", "text"]
MAX_ROWS = 100
MAX_BYTES = 1024 * 1024
MAX_NUMBER = 32767  # the number column is a PostgreSQL smallint


def _theme(value):
    """A theme's stored value from its value or its English label, any case."""
    wanted = value.strip().casefold()
    for choice, label in Objective.Theme.choices:
        if wanted in (choice.casefold(), str(label).casefold()):
            return choice
    return None


def _invisible_characters(cells):
    """{column: problem} for each cell holding a character no form would accept."""
    problems = {}
    for column, value in cells.items():
        found = refused_character(value, multiline=column == "text")
        if found:
            problems[column] = _(
                "the %(column)s has an invisible character %(character)s at position %(position)d"
            ) % {
                "column": column,
                "character": f"U+{ord(found.group()):04X}",
                "position": found.start() + 1,
            }
    return problems


def parse(upload):
    """Read an uploaded CSV; return (objectives as dicts, errors as strings)."""
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return [], [_("The file is larger than 1 MB.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error):
        return [], [_("The file is empty.")]
    if header != COLUMNS:
        return [], [
            _("The first row must be exactly: %(columns)s.") % {"columns": ",".join(COLUMNS)}
        ]
    rows, errors, seen = [], [], set()
    try:
        lines = list(enumerate(reader, start=2))
    except csv.Error as error:
        return [], [_("The file is not valid CSV: %(error)s") % {"error": error}]
    lines = [(line, cells) for line, cells in lines if any(cell.strip() for cell in cells)]
    if not lines:
        errors.append(_("The file has no objectives."))
    if len(lines) > MAX_ROWS:
        return [], [_("A set has at most %(limit)d objectives.") % {"limit": MAX_ROWS}]
    for line, cells in lines:
        problems = []
        if len(cells) != len(COLUMNS):
            errors.append(
                _("Line %(line)d: expected %(expected)d columns, found %(found)d.")
                % {"line": line, "expected": len(COLUMNS), "found": len(cells)}
            )
            continue
        number, title, theme, text = (cell.strip() for cell in cells)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        unreadable = _invisible_characters(
            dict(zip(COLUMNS, (number, title, theme, text), strict=True))
        )
        problems.extend(unreadable.values())
        if "number" in unreadable:
            pass  # said above
        elif not re.fullmatch("[0-9]{1,5}", number) or not 1 <= int(number) <= MAX_NUMBER:
            problems.append(
                _("the number must be a whole number from 1 to %(limit)d") % {"limit": MAX_NUMBER}
            )
        elif int(number) in seen:
            problems.append(_("number %(number)s appears twice") % {"number": number})
        else:
            seen.add(int(number))
        if "title" not in unreadable and (not title or len(title) > 120):
            problems.append(_("the title must have 1 to 120 characters"))
        if "theme" not in unreadable and _theme(theme) is None:
            problems.append(
                _("unknown theme “%(theme)s” (use one of: %(themes)s)")
                % {"theme": theme[:40], "themes": ", ".join(Objective.Theme.values)}
            )
        if "text" not in unreadable and (not text or len(text) > 2000):
            problems.append(_("the text must have 1 to 2000 characters"))
        if problems:
            errors.append(
                _("Line %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}
            )
        else:
            rows.append(
                {"number": int(number), "title": title, "theme": _theme(theme), "text": text}
            )
    return rows, errors


def quarters(year):
    """The four quarters of a year, each due fifteen days after it ends."""
    bounds = [(1, 3), (4, 6), (7, 9), (10, 12)]
    for index, (first, last) in enumerate(bounds, start=1):
        starts = datetime.date(year, first, 1)
        ends = (datetime.date(year + (last == 12), last % 12 + 1, 1)) - datetime.timedelta(days=1)
        yield f"{year} Q{index}", starts, ends, ends + datetime.timedelta(days=15)


@transaction.atomic
def import_objective_set(*, actor, year, adopted_at, rows, create_quarters):
    """Create the year's set, its objectives and (optionally) its quarters, or nothing."""
    if ObjectiveSet.objects.filter(year=year).exists():
        raise ValidationError(_("Objectives for %(year)s already exist.") % {"year": year})
    objective_set = ObjectiveSet.objects.create(year=year, adopted_at=adopted_at)
    Objective.objects.bulk_create(Objective(objective_set=objective_set, **row) for row in rows)
    if create_quarters:
        ReportingPeriod.objects.bulk_create(
            ReportingPeriod(
                objective_set=objective_set, name=name, starts_on=starts, ends_on=ends, deadline=due
            )
            for name, starts, ends, due in quarters(year)
        )
    audit.record(
        actor=actor,
        action=audit.Action.OBJECTIVESET_IMPORTED,
        target=objective_set,
        changes={
            "objectives": [None, [f"{row['number']}. {row['title']}" for row in rows]],
            "adopted_at": [None, str(adopted_at)],
            "periods": [None, [name for name, *_ in quarters(year)] if create_quarters else []],
        },
    )
    return objective_set
