"""A year's objective set from a CSV file and back, all or nothing.

The file has a header row naming its columns and one objective per row. ``number``,
``title`` and ``text`` are required; ``title_es``, ``title_fr``, ``text_es``, ``text_fr``
and ``area`` (a priority area of the set, by number or name) are optional, in any order.
Commas or semicolons separate the cells (spreadsheet programs in Spanish and French
locales save semicolons): the header row tells which. Every bad row is reported with its
line number; if any row is bad, nothing is saved. Cells are held to the rules of the
admin's forms: no invisible control character (tab and line breaks only in the texts),
numbers in plain digits within the column's range.

A file for a year that already has a set updates it by objective number (the admin ticks
"update"): changed objectives are saved with their version moved on, new numbers added,
the others kept; running the same file again changes nothing. ``export_csv`` writes a
set in the same columns, so a set round-trips: export, edit, import.
"""

import csv
import datetime
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commitments import audit
from commitments.models import Objective, ObjectiveSet, PriorityArea, ReportingPeriod
from commitments.validators import refused_character

REQUIRED_COLUMNS = ["number", "title", "text"]
OPTIONAL_COLUMNS = ["title_es", "title_fr", "text_es", "text_fr", "area"]
EXPORT_COLUMNS = ["number", "area", "title", "title_es", "title_fr", "text", "text_es", "text_fr"]
TEXT_FIELDS = ["title", "title_es", "title_fr", "text", "text_es", "text_fr"]
LIMITS = {"title": 120, "title_es": 120, "title_fr": 120, "area": 120}
LIMITS |= {"text": 2000, "text_es": 2000, "text_fr": 2000}
DELIMITERS = ",;"
MAX_ROWS = 100
MAX_BYTES = 1024 * 1024
MAX_NUMBER = 32767  # the number column is a PostgreSQL smallint


def _invisible_characters(cells):
    """{column: problem} for each cell holding a character no form would accept."""
    problems = {}
    for column, value in cells.items():
        found = refused_character(value, multiline=column.startswith("text"))
        if found:
            problems[column] = _(
                "the %(column)s has an invisible character %(character)s at position %(position)d"
            ) % {
                "column": column,
                "character": f"U+{ord(found.group()):04X}",
                "position": found.start() + 1,
            }
    return problems


def _header_message():
    return _(
        "The first row must name the columns %(required)s (and any of %(optional)s), "
        "separated by commas or semicolons."
    ) % {"required": ", ".join(REQUIRED_COLUMNS), "optional": ", ".join(OPTIONAL_COLUMNS)}


def _delimiter(first_line):
    """The separator the header row uses: the one of , ; that splits it into known
    column names (a file saved by a Spanish or French spreadsheet uses ;)."""
    for delimiter in DELIMITERS:
        names = {cell.strip().lower() for cell in first_line.split(delimiter)}
        if set(REQUIRED_COLUMNS) <= names:
            return delimiter
    return None


def _check_row(line, values, seen):
    """The problems of one row (as strings)."""
    problems = []
    unreadable = _invisible_characters(values)
    problems.extend(unreadable.values())
    number = values["number"]
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
    for column in ("title", "text"):
        if column not in unreadable and not values[column]:
            problems.append(
                _("the %(column)s must have 1 to %(limit)d characters")
                % {"column": column, "limit": LIMITS[column]}
            )
    for column, limit in LIMITS.items():
        if column in values and column not in unreadable and len(values[column]) > limit:
            problems.append(
                _("the %(column)s has more than %(limit)d characters")
                % {"column": column, "limit": limit}
            )
    return problems


def parse(upload):
    """Read an uploaded CSV; return (objectives as dicts of the file's columns, errors as
    strings)."""
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return [], [_("The file is larger than 1 MB.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")]
    if not text.strip():
        return [], [_("The file is empty.")]
    delimiter = _delimiter(text.splitlines()[0])
    if delimiter is None:
        return [], [_header_message()]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error):
        return [], [_("The file is empty.")]
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    unknown = [name for name in header if name not in known]
    if unknown or len(set(header)) != len(header):
        return [], [
            _("Unknown or repeated column “%(column)s”.")
            % {"column": (unknown or [n for n in header if header.count(n) > 1])[0][:40]},
            _header_message(),
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
        if len(cells) != len(header):
            errors.append(
                _("Line %(line)d: expected %(expected)d columns, found %(found)d.")
                % {"line": line, "expected": len(header), "found": len(cells)}
            )
            continue
        values = {
            name: cell.strip() if name == "number" else _unguarded(cell.strip())
            for name, cell in zip(header, cells, strict=True)
        }
        for name in values:
            if name.startswith("text"):
                values[name] = values[name].replace("\r\n", "\n").replace("\r", "\n")
        problems = _check_row(line, values, seen)
        if problems:
            errors.append(
                _("Line %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}
            )
        else:
            rows.append({**values, "number": int(values["number"])})
    return rows, errors


def _areas_for(objective_set, rows):
    """{cell value: PriorityArea} for the ``area`` cells of ``rows``: an area of the set by
    its number or its name (in any language, any case); a name it lacks becomes a new
    area, numbered after the last. Raises ValidationError for an unknown number."""
    areas = list(objective_set.areas.all()) if objective_set.pk else []
    found = {}
    for row in rows:
        value = row.get("area", "")
        if not value or value in found:
            continue
        wanted = value.casefold()
        match = next(
            (
                area
                for area in areas
                if wanted == str(area.number)
                or wanted
                in (area.name.casefold(), area.name_es.casefold(), area.name_fr.casefold())
            ),
            None,
        )
        if match is None and value.isdigit():
            raise ValidationError(
                _("Objective %(number)s: the set has no priority area number %(area)s.")
                % {"number": row["number"], "area": value}
            )
        if match is None:
            match = PriorityArea.objects.create(
                objective_set=objective_set,
                number=max((area.number for area in areas), default=0) + 1,
                name=value,
            )
            areas.append(match)
        found[value] = match
    return found


def _objective_values(row, areas):
    values = {name: row[name] for name in TEXT_FIELDS if name in row}
    if "area" in row:
        values["area"] = areas.get(row["area"])
    return values


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
    areas = _areas_for(objective_set, rows)
    Objective.objects.bulk_create(
        Objective(
            objective_set=objective_set, number=row["number"], **_objective_values(row, areas)
        )
        for row in rows
    )
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
            "areas": [None, [area.name for area in areas.values()]],
        },
    )
    return objective_set


def _shown(value):
    return str(value) if isinstance(value, PriorityArea) else value


@transaction.atomic
def update_objective_set(*, actor, objective_set, rows):
    """Update ``objective_set`` from imported rows by objective number: the columns the
    file has are set on the objective of that number (its version moves on), numbers the
    set lacks are added. Returns (the set, how many objectives changed or were added);
    one audit entry lists every change, and a file that changes nothing writes none."""
    objective_set = ObjectiveSet.objects.select_for_update().get(pk=objective_set.pk)
    areas = _areas_for(objective_set, rows)
    existing = {
        objective.number: objective
        for objective in objective_set.objectives.select_for_update(of=("self",)).select_related(
            "area"
        )
    }
    changes, changed = {}, 0
    for row in rows:
        values = _objective_values(row, areas)
        objective = existing.get(row["number"])
        if objective is None:
            objective = Objective.objects.create(
                objective_set=objective_set, number=row["number"], **values
            )
            changes[f"{row['number']}"] = [None, f"{row['number']}. {objective.title}"]
            changed += 1
            continue
        differs = {
            name: [_shown(getattr(objective, name)), _shown(value)]
            for name, value in values.items()
            if getattr(objective, name) != value
        }
        if not differs:
            continue
        for name, value in values.items():
            setattr(objective, name, value)
        objective.version += 1
        objective.save()
        changes |= {f"{row['number']}.{name}": pair for name, pair in differs.items()}
        changed += 1
    if changed:
        audit.record(
            actor=actor,
            action=audit.Action.OBJECTIVESET_IMPORT_UPDATED,
            target=objective_set,
            changes=changes,
        )
    return objective_set, changed


# A cell a spreadsheet would run as a formula starts with one of these.
FORMULA_START = ("=", "+", "-", "@")


def _guarded(value):
    """``value`` as the export writes it: an apostrophe before text a spreadsheet would
    run as a formula (after any apostrophes it already starts with), so that opening the
    file runs nothing; ``_unguarded`` takes exactly that apostrophe away again."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_START) else value


def _unguarded(value):
    """The text ``_guarded`` wrote (or a spreadsheet's own text marker) read back."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def export_csv(objective_set):
    """The set's objectives as CSV text in the columns ``parse`` reads (comma-separated,
    with a byte-order mark so spreadsheet programs read UTF-8). Every cell is quoted, so a
    spreadsheet that splits on another separator keeps each whole, and text that would
    run as a formula is guarded (``_guarded``): the import reads it back unchanged."""
    output = io.StringIO()
    csv.writer(output).writerow(EXPORT_COLUMNS)
    writer = csv.writer(output, quoting=csv.QUOTE_ALL)
    for objective in objective_set.objectives.select_related("area").order_by("number"):
        writer.writerow(
            [
                objective.number,
                _guarded(objective.area.name if objective.area else ""),
                *(_guarded(getattr(objective, name)) for name in EXPORT_COLUMNS[2:]),
            ]
        )
    return "\ufeff" + output.getvalue()
