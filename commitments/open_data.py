"""All the published data a reader may see, as one zip of CSV files with a data dictionary
that describes every column in English, Spanish and French.

Each file's columns are declared once below (``TABLES``): the same declaration writes the
file and its part of the dictionary, so a column cannot be added without a description.
Text cells are neutralised as in the exports (``exports.neutralise_csv``).
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


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: Any  # a lazy translation
    value: Any  # row -> cell


@dataclass(frozen=True)
class Table:
    file: str
    rows: Any  # user -> QuerySet
    columns: tuple


def _when(value):
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds") if value else ""


DATE = "date (ISO 8601)"


def _year(objective):
    return objective.objective_set.year


def _number(objective):
    return objective.number


def _published_updates(user):
    return (
        policy.readable_updates(user)
        .published()
        .order_by("pk")
        .select_related("objective__objective_set", "country", "period", "author")
    )


TABLES = (
    Table(
        "updates.csv",
        _published_updates,
        (
            Column("id", "integer", _("The update's number in the tracker."), lambda u: u.pk),
            Column(
                "objective_id",
                "integer",
                _("The objective reported on (objectives.csv, id)."),
                lambda u: u.objective_id,
            ),
            Column(
                "year",
                "integer",
                _("The year of the objective's set."),
                lambda u: u.objective.objective_set.year,
            ),
            Column(
                "objective_number",
                "integer",
                _("The objective's number within its year."),
                lambda u: u.objective.number,
            ),
            Column(
                "country_code",
                "text",
                _("The reporting country's code (countries.csv, code)."),
                lambda u: u.country.code,
            ),
            Column(
                "period_id",
                "integer",
                _("The reporting period (reporting-periods.csv, id)."),
                lambda u: u.period_id,
            ),
            Column(
                "status",
                "text",
                _(
                    "Progress as the country reported it: not_started, on_track, at_risk, "
                    "off_track or completed."
                ),
                lambda u: u.status,
            ),
            Column(
                "narrative",
                "text",
                _("What the country wrote, in the language it was written in."),
                lambda u: u.narrative,
            ),
            Column(
                "evidence_links",
                "text",
                _("Links to evidence, one per line."),
                lambda u: "\n".join(u.evidence_links),
            ),
            Column(
                "author",
                "text",
                _("The official who wrote the update."),
                lambda u: u.author.get_full_name() or u.author.username,
            ),
            Column(
                "published_at",
                "date and time (UTC, ISO 8601)",
                _("When a coordinator published the update."),
                lambda u: _when(u.published_at),
            ),
        ),
    ),
    Table(
        "objectives.csv",
        lambda user: Objective.objects.select_related("objective_set").order_by("pk"),
        (
            Column("id", "integer", _("The objective's number in the tracker."), lambda o: o.pk),
            Column(
                "year",
                "integer",
                _("The year of the objective's set."),
                lambda o: o.objective_set.year,
            ),
            Column(
                "number",
                "integer",
                _("The objective's number within its year."),
                lambda o: o.number,
            ),
            Column("title_en", "text", _("The short title in English."), lambda o: o.title),
            Column("title_es", "text", _("The short title in Spanish."), lambda o: o.title_es),
            Column("title_fr", "text", _("The short title in French."), lambda o: o.title_fr),
            Column(
                "is_active",
                "true or false",
                _("Whether the objective still takes new updates."),
                lambda o: "true" if o.is_active else "false",
            ),
        ),
    ),
    Table(
        "countries.csv",
        lambda user: Country.objects.order_by("code"),
        (
            Column("code", "text", _("The country's code."), lambda c: c.code),
            Column("name_en", "text", _("The country's name in English."), lambda c: c.name),
            Column("name_es", "text", _("The country's name in Spanish."), lambda c: c.name_es),
            Column("name_fr", "text", _("The country's name in French."), lambda c: c.name_fr),
        ),
    ),
    Table(
        "reporting-periods.csv",
        lambda user: ReportingPeriod.objects.order_by("starts_on", "pk"),
        (
            Column("id", "integer", _("The period's number in the tracker."), lambda p: p.pk),
            Column("name", "text", _("The period's name, for example 2024 Q1."), lambda p: p.name),
            Column(
                "starts_on",
                "date (ISO 8601)",
                _("The first day of the period."),
                lambda p: p.starts_on,
            ),
            Column(
                "ends_on", "date (ISO 8601)", _("The last day of the period."), lambda p: p.ends_on
            ),
            Column(
                "deadline",
                DATE,
                _("The day by which updates for the period are due."),
                lambda p: p.deadline,
            ),
        ),
    ),
)


def _number(value):
    return indicators.export_number(value)


def _published_values(user):
    return (
        IndicatorValue.objects.filter(
            update__in=policy.readable_updates(user).published().values("pk")
        )
        .select_related("update__country")
        .order_by("pk")
    )


TABLES += (
    Table(
        "indicators.csv",
        lambda user: Indicator.objects.order_by("pk"),
        (
            Column("id", "integer", _("The indicator's number in the tracker."), lambda i: i.pk),
            Column(
                "objective_id",
                "integer",
                _("The objective it measures (objectives.csv, id)."),
                lambda i: i.objective_id,
            ),
            Column("name_en", "text", _("The name in English."), lambda i: i.name),
            Column("name_es", "text", _("The name in Spanish."), lambda i: i.name_es),
            Column("name_fr", "text", _("The name in French."), lambda i: i.name_fr),
            Column(
                "definition_en", "text", _("The definition in English."), lambda i: i.definition
            ),
            Column(
                "definition_es", "text", _("The definition in Spanish."), lambda i: i.definition_es
            ),
            Column(
                "definition_fr", "text", _("The definition in French."), lambda i: i.definition_fr
            ),
            Column("unit_en", "text", _("The unit in English."), lambda i: i.unit),
            Column("unit_es", "text", _("The unit in Spanish."), lambda i: i.unit_es),
            Column("unit_fr", "text", _("The unit in French."), lambda i: i.unit_fr),
            Column(
                "direction",
                "text",
                _("higher (higher is better) or lower (lower is better)."),
                lambda i: i.direction,
            ),
            Column(
                "additive",
                "true or false",
                _("Whether the countries' values may be added up."),
                lambda i: "true" if i.additive else "false",
            ),
        ),
    ),
    Table(
        "indicator-targets.csv",
        lambda user: IndicatorTarget.objects.select_related("country").order_by("pk"),
        (
            Column(
                "indicator_id",
                "integer",
                _("The indicator (indicators.csv, id)."),
                lambda t: t.indicator_id,
            ),
            Column("country_code", "text", _("The country's code."), lambda t: t.country.code),
            Column(
                "baseline", "number", _("The country's baseline."), lambda t: _number(t.baseline)
            ),
            Column(
                "baseline_year",
                "integer",
                _("The year of the baseline."),
                lambda t: t.baseline_year or "",
            ),
            Column("target", "number", _("The country's target."), lambda t: _number(t.target)),
            Column(
                "target_date",
                DATE,
                _("The day by which the target should be reached."),
                lambda t: t.target_date or "",
            ),
            Column(
                "note",
                "text",
                _("The country's note where its national definition differs."),
                lambda t: t.note,
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
                lambda v: v.update_id,
            ),
            Column(
                "indicator_id",
                "integer",
                _("The indicator (indicators.csv, id)."),
                lambda v: v.indicator_id,
            ),
            Column(
                "country_code",
                "text",
                _("The reporting country's code."),
                lambda v: v.update.country.code,
            ),
            Column(
                "period_id",
                "integer",
                _("The reporting period (reporting-periods.csv, id)."),
                lambda v: v.update.period_id,
            ),
            Column(
                "value",
                "number",
                _("The value reported for the period."),
                lambda v: _number(v.value),
            ),
        ),
    ),
    Table(
        "milestones.csv",
        lambda user: milestones.with_progress(
            Milestone.objects.select_related("country").order_by("pk")
        ),
        (
            Column("id", "integer", _("The milestone's number in the tracker."), lambda m: m.pk),
            Column(
                "objective_id",
                "integer",
                _("The objective (objectives.csv, id)."),
                lambda m: m.objective_id,
            ),
            Column("country_code", "text", _("The country's code."), lambda m: m.country.code),
            Column(
                "title", "text", _("The milestone, as the country wrote it."), lambda m: m.title
            ),
            Column("due_on", DATE, _("The day it is due."), lambda m: m.due_on),
            Column("owner", "text", _("The agency or office responsible."), lambda m: m.owner),
            Column(
                "met",
                "true or false",
                _("Whether a published update marks it met."),
                lambda m: "true" if m.met else "false",
            ),
            Column(
                "met_in",
                "text",
                _("The reporting period of the first published update marking it met."),
                lambda m: m.met_in or "",
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


def count(user):
    """How many rows the zip holds, for its progress."""
    return sum(table.rows(user).count() for table in TABLES)


def write_zip(user, output, progress):
    """Write every table ``user`` may read, and the dictionary, as a zip to ``output``;
    ``progress(rows_written)`` after each chunk of rows."""
    written = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            with archive.open(table.file, "w", force_zip64=True) as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
                writer.writerow([column.name for column in table.columns])
                for row in table.rows(user).iterator(chunk_size=exports.CHUNK):
                    cells = [column.value(row) for column in table.columns]
                    writer.writerow([exports.neutralise_csv(cell) for cell in cells])
                    written += 1
                    if written % exports.CHUNK == 0:
                        progress(written)
                text.flush()
                text.detach()
        with archive.open(DICTIONARY, "w") as member:
            text = io.TextIOWrapper(member, encoding="utf-8", newline="")
            csv.writer(text, quoting=csv.QUOTE_NONNUMERIC).writerows(dictionary_rows())
            text.flush()
            text.detach()
    progress(written)
