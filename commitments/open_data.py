"""All the published data a reader may see, as one zip of CSV files with a data dictionary
that describes every column in English, Spanish and French.

Each file's columns are declared once below (``TABLES``): the same declaration reads the
file's plain values from the database, writes the file and its part of the dictionary, so
a column cannot be added without a description. Text cells are neutralised as in the
exports (``exports.neutralise_csv``).
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from commitments import exports, indicators, milestones, policy
from commitments.models import (
    Country,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    Objective,
    ReportingPeriod,
)

LANGUAGES = ("en", "es", "fr")
DICTIONARY = "data-dictionary.csv"


def _same(value):
    return value


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: Any  # a lazy translation
    reads: Any  # the field the cell is made of (a lookup), or a tuple of fields
    cell: Any = _same  # the field's value (each field's, in order) -> the cell

    @property
    def fields(self):
        return self.reads if isinstance(self.reads, tuple) else (self.reads,)


@dataclass(frozen=True)
class Table:
    file: str
    rows: Any  # user -> QuerySet
    columns: tuple

    def fields(self):
        return [field for column in self.columns for field in column.fields]


def _when(value):
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds") if value else ""


def _true_or_false(value):
    return "true" if value else "false"


def _or_empty(value):
    return value or ""


def _author(first_name, last_name, username):
    return f"{first_name} {last_name}".strip() or username  # as User.get_full_name()


DATE = "date (ISO 8601)"


def _published_updates(user):
    return policy.readable_updates(user).published().order_by("pk")


TABLES = (
    Table(
        "updates.csv",
        _published_updates,
        (
            Column("id", "integer", _("The update's number in the tracker."), "pk"),
            Column(
                "objective_id",
                "integer",
                _("The objective reported on (objectives.csv, id)."),
                "objective_id",
            ),
            Column(
                "year",
                "integer",
                _("The year of the objective's set."),
                "objective__objective_set__year",
            ),
            Column(
                "objective_number",
                "integer",
                _("The objective's number within its year."),
                "objective__number",
            ),
            Column(
                "country_code",
                "text",
                _("The reporting country's code (countries.csv, code)."),
                "country__code",
            ),
            Column(
                "period_id",
                "integer",
                _("The reporting period (reporting-periods.csv, id)."),
                "period_id",
            ),
            Column(
                "status",
                "text",
                _(
                    "Progress as the country reported it: not_started, on_track, at_risk, "
                    "off_track or completed."
                ),
                "status",
            ),
            Column(
                "narrative",
                "text",
                _("What the country wrote, in the language it was written in."),
                "narrative",
            ),
            Column(
                "evidence_links",
                "text",
                _("Links to evidence, one per line."),
                "evidence_links",
                "\n".join,
            ),
            Column(
                "author",
                "text",
                _("The official who wrote the update."),
                ("author__first_name", "author__last_name", "author__username"),
                _author,
            ),
            Column(
                "published_at",
                "date and time (UTC, ISO 8601)",
                _("When a coordinator published the update."),
                "published_at",
                _when,
            ),
        ),
    ),
    Table(
        "objectives.csv",
        lambda user: Objective.objects.order_by("pk"),
        (
            Column("id", "integer", _("The objective's number in the tracker."), "pk"),
            Column("year", "integer", _("The year of the objective's set."), "objective_set__year"),
            Column("number", "integer", _("The objective's number within its year."), "number"),
            Column("title_en", "text", _("The short title in English."), "title"),
            Column("title_es", "text", _("The short title in Spanish."), "title_es"),
            Column("title_fr", "text", _("The short title in French."), "title_fr"),
            Column(
                "is_active",
                "true or false",
                _("Whether the objective still takes new updates."),
                "is_active",
                _true_or_false,
            ),
        ),
    ),
    Table(
        "countries.csv",
        lambda user: Country.objects.order_by("code"),
        (
            Column("code", "text", _("The country's code."), "code"),
            Column("name_en", "text", _("The country's name in English."), "name"),
            Column("name_es", "text", _("The country's name in Spanish."), "name_es"),
            Column("name_fr", "text", _("The country's name in French."), "name_fr"),
        ),
    ),
    Table(
        "reporting-periods.csv",
        lambda user: ReportingPeriod.objects.order_by("starts_on", "pk"),
        (
            Column("id", "integer", _("The period's number in the tracker."), "pk"),
            Column("name", "text", _("The period's name, for example 2024 Q1."), "name"),
            Column("starts_on", DATE, _("The first day of the period."), "starts_on"),
            Column("ends_on", DATE, _("The last day of the period."), "ends_on"),
            Column(
                "deadline", DATE, _("The day by which updates for the period are due."), "deadline"
            ),
        ),
    ),
)


def _number(value):
    return indicators.export_number(value)


def _published_values(user):
    return IndicatorValue.objects.filter(
        update__in=policy.readable_updates(user).published().values("pk")
    ).order_by("pk")


TABLES += (
    Table(
        "indicators.csv",
        lambda user: Indicator.objects.order_by("pk"),
        (
            Column("id", "integer", _("The indicator's number in the tracker."), "pk"),
            Column(
                "objective_id",
                "integer",
                _("The objective it measures (objectives.csv, id)."),
                "objective_id",
            ),
            Column("name_en", "text", _("The name in English."), "name"),
            Column("name_es", "text", _("The name in Spanish."), "name_es"),
            Column("name_fr", "text", _("The name in French."), "name_fr"),
            Column("definition_en", "text", _("The definition in English."), "definition"),
            Column("definition_es", "text", _("The definition in Spanish."), "definition_es"),
            Column("definition_fr", "text", _("The definition in French."), "definition_fr"),
            Column("unit_en", "text", _("The unit in English."), "unit"),
            Column("unit_es", "text", _("The unit in Spanish."), "unit_es"),
            Column("unit_fr", "text", _("The unit in French."), "unit_fr"),
            Column(
                "direction",
                "text",
                _("higher (higher is better) or lower (lower is better)."),
                "direction",
            ),
            Column(
                "additive",
                "true or false",
                _("Whether the countries' values may be added up."),
                "additive",
                _true_or_false,
            ),
        ),
    ),
    Table(
        "indicator-targets.csv",
        lambda user: IndicatorTarget.objects.order_by("pk"),
        (
            Column(
                "indicator_id",
                "integer",
                _("The indicator (indicators.csv, id)."),
                "indicator_id",
            ),
            Column("country_code", "text", _("The country's code."), "country__code"),
            Column("baseline", "number", _("The country's baseline."), "baseline", _number),
            Column(
                "baseline_year",
                "integer",
                _("The year of the baseline."),
                "baseline_year",
                _or_empty,
            ),
            Column("target", "number", _("The country's target."), "target", _number),
            Column(
                "target_date",
                DATE,
                _("The day by which the target should be reached."),
                "target_date",
                _or_empty,
            ),
            Column(
                "note",
                "text",
                _("The country's note where its national definition differs."),
                "note",
            ),
        ),
    ),
    Table(
        "indicator-values.csv",
        _published_values,
        (
            Column(
                "update_id",
                "integer",
                _("The published update that reported it (updates.csv, id)."),
                "update_id",
            ),
            Column(
                "indicator_id",
                "integer",
                _("The indicator (indicators.csv, id)."),
                "indicator_id",
            ),
            Column(
                "country_code",
                "text",
                _("The reporting country's code."),
                "update__country__code",
            ),
            Column(
                "period_id",
                "integer",
                _("The reporting period (reporting-periods.csv, id)."),
                "update__period_id",
            ),
            Column("value", "number", _("The value reported for the period."), "value", _number),
        ),
    ),
    Table(
        "milestones.csv",
        lambda user: milestones.with_progress(Milestone.objects.order_by("pk")),
        (
            Column("id", "integer", _("The milestone's number in the tracker."), "pk"),
            Column(
                "objective_id",
                "integer",
                _("The objective (objectives.csv, id)."),
                "objective_id",
            ),
            Column("country_code", "text", _("The country's code."), "country__code"),
            Column("title", "text", _("The milestone, as the country wrote it."), "title"),
            Column("due_on", DATE, _("The day it is due."), "due_on"),
            Column("owner", "text", _("The agency or office responsible."), "owner"),
            Column(
                "met",
                "true or false",
                _("Whether a published update marks it met."),
                "met",
                _true_or_false,
            ),
            Column(
                "met_in",
                "text",
                _("The reporting period of the first published update marking it met."),
                "met_in",
                _or_empty,
            ),
        ),
    ),
)


def dictionary_rows():
    """The data dictionary: one row per column of every file, described in each language."""
    yield ["file", "column", "type", *(f"description_{code}" for code in LANGUAGES)]
    for table in TABLES:
        for column in table.columns:
            descriptions = []
            for code in LANGUAGES:
                with translation.override(code):
                    descriptions.append(str(column.description))
            yield [table.file, column.name, column.kind, *descriptions]


def table_rows(table, user):
    """The header, then one row of cells per row of ``table`` that ``user`` may read: its
    plain values read in chunks, each column's cell made of its fields' values, text
    neutralised."""
    yield [column.name for column in table.columns]
    makers = []  # (cell, the positions of its fields' values)
    position = 0
    for column in table.columns:
        width = len(column.fields)
        makers.append((column.cell, slice(position, position + width)))
        position += width
    values = table.rows(user).values_list(*table.fields())
    for row in values.iterator(chunk_size=exports.CHUNK):
        yield [exports.neutralise_csv(cell(*row[fields])) for cell, fields in makers]


def count(user):
    """How many rows the zip holds, for its progress."""
    return sum(table.rows(user).count() for table in TABLES)


def _files(user):
    """Each file of the zip: its name, its lines (the header first) and whether its rows
    count towards the progress (those of the data, not the dictionary's)."""
    for table in TABLES:
        yield table.file, table_rows(table, user), True
    yield DICTIONARY, dictionary_rows(), False


def write_zip(user, output, progress):
    """Write every table ``user`` may read, and the dictionary, as a zip to ``output``;
    ``progress(rows_written)`` after each chunk of rows."""
    written = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, lines, counted in _files(user):
            # The data's files may outgrow 4 GB (zip64); the dictionary never does.
            with archive.open(name, "w", force_zip64=counted) as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
                writer.writerow(next(lines))
                for line in lines:
                    writer.writerow(line)
                    if counted:
                        written += 1
                        if written % exports.CHUNK == 0:
                            progress(written)
                text.flush()
                text.detach()
    progress(written)
