"""What the JSON feed answers, declared once: each shape's fields (their JSON schema and
how each is read from an object) and each endpoint (its path, parameters and shape).

The views serialise with these declarations and the OpenAPI description is generated from
them, so the description cannot drift from what the feed sends: a field added here appears
in both, and the contract test (tests/api/test_feed.py) checks every answer against it.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import attrgetter, or_

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import F, JSONField, Q
from django.db.models.expressions import RawSQL

from commitments.models import (
    Assessment,
    Country,
    EvidenceFile,
    Indicator,
    Meeting,
    MeetingDocument,
    ObjectiveLink,
    ProgressUpdate,
)

# Results a page: about what the HTML lists show (20), so that a feed page costs what a
# page does; a reader follows `next` for more.
PAGE_SIZE = 25

TEXT = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
NUMBER = {"type": "number"}


def nullable(schema):
    return {**schema, "type": [schema["type"], "null"]}


def iso(value):
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Field:
    """One property of an answer: its name, its JSON schema and how it is read."""

    name: str
    schema: dict
    read: Callable  # (request, obj) -> a JSON value
    required: bool = True


@dataclass(frozen=True)
class Shape:
    """An object the feed sends, as an ordered list of fields."""

    name: str
    fields: tuple[Field, ...]
    closed: bool = True  # no properties beyond the declared ones

    def serialise(self, request, obj):
        return {f.name: f.read(request, obj) for f in self.fields}

    def schema(self):
        declared = {
            "type": "object",
            "required": [f.name for f in self.fields if f.required],
            "properties": {f.name: f.schema for f in self.fields},
        }
        if self.closed:
            declared["additionalProperties"] = False
        return declared


def attribute(path, convert=None):
    """A reader of ``obj.a.b`` (a dotted path), passed through ``convert`` if given."""
    names = path.split(".")

    def read(request, obj):
        for name in names:
            obj = getattr(obj, name)
        return convert(obj) if convert else obj

    return read


def nested(shape, path):
    """A field holding ``shape`` (inlined in the description) read from ``obj.path``."""
    read_object = attribute(path)
    return lambda request, obj: shape.serialise(request, read_object(request, obj))


def nested_or_null(shape, path):
    """``nested``, or null where ``obj.path`` is None (or a missing one-to-one row)."""

    def read(request, obj):
        try:
            value = attribute(path)(request, obj)
        except ObjectDoesNotExist:
            value = None
        return None if value is None else shape.serialise(request, value)

    return read


def many(shape, path):
    """A field holding a list of ``shape`` read from the related rows ``obj.path`` (their
    ``all()``, prefetched by the view)."""
    return lambda request, obj: [
        shape.serialise(request, item) for item in getattr(obj, path).all()
    ]


def array_of(schema):
    return {"type": "array", "items": schema}


def number_of(path):
    """The number at ``obj.path`` (a Decimal or None) as a JSON number or null."""

    def convert(value):
        if value is None:
            return None
        return int(value) if value == value.to_integral() else float(value)

    return attribute(path, convert)


def json_number(text):
    """A stored decimal, given as its text, as a JSON number: an integer when whole."""
    if text is None:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral() else float(value)


def code_of(path):
    """The country code at ``obj.path`` (a country or None)."""
    return attribute(path, lambda country: country.code if country else None)


LANGUAGE = {**TEXT, "enum": [code for code, _name in settings.LANGUAGES]}


# --- Shapes ------------------------------------------------------------------------------

UPDATE_OBJECTIVE = Shape(
    "UpdateObjective",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("year", INTEGER, attribute("objective_set.year")),
        Field("number", INTEGER, attribute("number")),
        Field("title", TEXT, attribute("title")),
        Field("set", INTEGER, attribute("objective_set_id")),
    ),
    closed=False,
)
UPDATE_COUNTRY = Shape(
    "UpdateCountry",
    (Field("code", TEXT, attribute("code")), Field("name", TEXT, attribute("name"))),
    closed=False,
)
UPDATE_PERIOD = Shape(
    "UpdatePeriod",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("name", TEXT, attribute("name")),
        Field("starts_on", DATE, attribute("starts_on", iso)),
        Field("ends_on", DATE, attribute("ends_on", iso)),
    ),
    closed=False,
)

EVIDENCE_FILE = Shape(
    "EvidenceFile",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("name", TEXT, attribute("name")),
        Field("type", {**TEXT, "enum": list(EvidenceFile.Kind.values)}, attribute("kind")),
        Field("size", INTEGER, attribute("size")),
        Field("sha256", TEXT, attribute("sha256")),
        # The download, for whoever may read the update (the feed's own credentials).
        Field(
            "url",
            TEXT,
            lambda request, file: request.build_absolute_uri(file.get_absolute_url()),
        ),
    ),
)

UPDATE = Shape(
    "Update",
    (
        Field("id", INTEGER, attribute("pk")),
        Field(
            "url",
            TEXT,
            lambda request, update: request.build_absolute_uri(update.get_absolute_url()),
        ),
        Field("objective", UPDATE_OBJECTIVE.schema(), nested(UPDATE_OBJECTIVE, "objective")),
        Field("country", UPDATE_COUNTRY.schema(), nested(UPDATE_COUNTRY, "country")),
        Field("period", UPDATE_PERIOD.schema(), nested(UPDATE_PERIOD, "period")),
        Field("status", {**TEXT, "enum": list(ProgressUpdate.Status.values)}, attribute("status")),
        Field("narrative", TEXT, attribute("narrative")),
        Field("language", LANGUAGE, attribute("language")),
        Field(
            "evidence_links", {"type": "array", "items": TEXT}, attribute("evidence_links", list)
        ),
        Field(
            "author",
            TEXT,
            lambda request, update: update.author.get_full_name() or update.author.username,
        ),
        Field("created_at", DATE_TIME, attribute("created_at", iso)),
        Field("updated_at", DATE_TIME, attribute("updated_at", iso)),
        Field("published_at", nullable(DATE_TIME), attribute("published_at", iso)),
        # A report a coordinator entered from the country's diplomatic note or e-mail, and
        # where it came from (null for the reports countries write themselves).
        Field("entered_on_behalf", BOOLEAN, attribute("entered_on_behalf")),
        Field(
            "source_kind",
            {"type": ["string", "null"], "enum": [*ProgressUpdate.SourceKind.values, None]},
            attribute("source_kind", lambda value: value or None),
        ),
        Field(
            "source_reference",
            nullable(TEXT),
            attribute("source_reference", lambda value: value or None),
        ),
        Field("source_date", nullable(DATE), attribute("source_date", iso)),
        # Written by the demo command: invented text.
        Field("fictional_demo", BOOLEAN, attribute("is_demo")),
        # The figures reported with it: a value per indicator (indicators endpoint), and
        # the milestones it marks met (milestones endpoint, ids).
        Field(
            "indicator_values",
            array_of(
                {
                    "type": "object",
                    "required": ["indicator", "value"],
                    "additionalProperties": False,
                    "properties": {"indicator": INTEGER, "value": NUMBER},
                }
            ),
            lambda request, update: [
                {"indicator": value["indicator"], "value": json_number(value["value"])}
                for value in update.feed_figures["values"]
            ],
        ),
        Field(
            "milestones_met",
            array_of(INTEGER),
            lambda request, update: update.feed_figures["milestones"],
        ),
        # The documents attached beside the links (those not removed).
        Field(
            "evidence_files",
            array_of(EVIDENCE_FILE.schema()),
            lambda request, update: [
                EVIDENCE_FILE.serialise(request, EvidenceFile(update_id=update.pk, **file))
                for file in update.feed_figures["files"]
            ],
        ),
    ),
)


# The columns the Update shape reads, its joined rows' included (``QuerySet.only``).
UPDATE_COLUMNS = (
    "objective",
    "country",
    "period",
    "author",
    "status",
    "narrative",
    "language",
    "evidence_links",
    "created_at",
    "updated_at",
    "published_at",
    "entered_on_behalf",
    "source_kind",
    "source_reference",
    "source_date",
    "is_demo",
    "objective__number",
    "objective__title",
    "objective__objective_set__year",
    "country__code",
    "country__name",
    "period__name",
    "period__starts_on",
    "period__ends_on",
    "author__username",
    "author__first_name",
    "author__last_name",
)


# Each update's indicator values (in the indicators' order), milestones met (in the
# milestones' order) and evidence files (not removed, in the order they came), as one
# JSON object the database builds in the page's own statement: three prefetch queries,
# and a model per value, cost more than the page's rows; so did the ORM's writing of
# three array subqueries (3 ms of CPU a page). Values as text, so that no float stands
# between the stored decimal and the JSON number (``json_number``).
UPDATE_FIGURES_SQL = """
jsonb_build_object(
    'values', COALESCE((
        SELECT jsonb_agg(
            jsonb_build_object('indicator', v.indicator_id, 'value', v.value::text)
            ORDER BY i.number, v.id)
        FROM commitments_indicatorvalue v
        JOIN commitments_indicator i ON i.id = v.indicator_id
        WHERE v.update_id = commitments_progressupdate.id), '[]'::jsonb),
    'milestones', COALESCE((
        SELECT jsonb_agg(m.id ORDER BY m.due_on, m.id)
        FROM commitments_milestonemet met
        JOIN commitments_milestone m ON m.id = met.milestone_id
        WHERE met.update_id = commitments_progressupdate.id), '[]'::jsonb),
    'files', COALESCE((
        SELECT jsonb_agg(
            jsonb_build_object(
                'id', f.id, 'name', f.name, 'kind', f.kind, 'size', f.size,
                'sha256', f.sha256)
            ORDER BY f.uploaded_at, f.id)
        FROM commitments_evidencefile f
        WHERE f.update_id = commitments_progressupdate.id AND f.removed_at IS NULL),
        '[]'::jsonb)
)
"""


def update_figures():
    """The annotation the Update shape reads its figures from (``feed_figures``)."""
    return {"feed_figures": RawSQL(UPDATE_FIGURES_SQL, [], output_field=JSONField())}  # noqa: S611


AREA = Shape(
    "PriorityArea",
    (
        Field("number", INTEGER, attribute("number")),
        Field("name", TEXT, attribute("name")),
        Field("name_es", TEXT, attribute("name_es")),
        Field("name_fr", TEXT, attribute("name_fr")),
    ),
)

LINK = Shape(
    "ContinuityLink",
    (
        Field("kind", {**TEXT, "enum": list(ObjectiveLink.Kind.values)}, attribute("kind")),
        Field("earlier", INTEGER, attribute("earlier_id")),
    ),
)

OBJECTIVE = Shape(
    "Objective",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("year", INTEGER, attribute("objective_set.year")),
        Field("number", INTEGER, attribute("number")),
        Field("title", TEXT, attribute("title")),
        Field("text", TEXT, attribute("text")),
        Field(
            "area",
            nullable(TEXT),
            lambda request, objective: objective.area and objective.area.name,
        ),
        Field("active", BOOLEAN, attribute("is_active")),
        Field("adopted_at", TEXT, attribute("objective_set.adopted_at.name")),
        # Added with the yearly cycle: every language version, the set, the priority area
        # in full, the partners named on it and what it continues.
        Field("set", INTEGER, attribute("objective_set_id")),
        Field("title_es", TEXT, attribute("title_es")),
        Field("title_fr", TEXT, attribute("title_fr")),
        Field("text_es", TEXT, attribute("text_es")),
        Field("text_fr", TEXT, attribute("text_fr")),
        Field("translations_official", BOOLEAN, attribute("translations_official")),
        Field("priority_area", nullable(AREA.schema()), nested_or_null(AREA, "area")),
        Field(
            "partners",
            array_of(TEXT),
            lambda request, objective: [country.code for country in objective.partners.all()],
        ),
        Field("continues", array_of(LINK.schema()), many(LINK, "links_to_earlier")),
    ),
)

COUNTRY = Shape(
    "Country",
    (
        Field("code", TEXT, attribute("code")),
        Field("name", TEXT, attribute("name")),
        Field(
            "membership",
            {**TEXT, "enum": list(Country.Membership.values)},
            attribute("membership"),
        ),
        Field("name_es", TEXT, attribute("name_es")),
        Field("name_fr", TEXT, attribute("name_fr")),
    ),
)

PERIOD = Shape(
    "Period",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("set", INTEGER, attribute("objective_set_id")),
        Field("year", INTEGER, attribute("objective_set.year")),
        Field("name", TEXT, attribute("name")),
        Field("starts_on", DATE, attribute("starts_on", iso)),
        Field("ends_on", DATE, attribute("ends_on", iso)),
        Field("deadline", DATE, attribute("deadline", iso)),
    ),
)

SET_PERIOD = Shape(
    "SetPeriod",
    tuple(f for f in PERIOD.fields if f.name not in {"set", "year"}),
)

OBJECTIVE_SET = Shape(
    "ObjectiveSet",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("year", INTEGER, attribute("year")),
        Field("adopted_at", INTEGER, attribute("adopted_at_id")),
        Field("reviewed_at", nullable(INTEGER), attribute("reviewed_at_id")),
        # The set every page shows unless the reader asks for another year: the one chosen
        # in the admin, else the newest open one (years.choose).
        Field(
            "opens_dashboard",
            BOOLEAN,
            lambda request, objective_set: objective_set.pk == request.dashboard_set_id,
        ),
        Field("open", BOOLEAN, attribute("is_open")),
        Field("areas", array_of(AREA.schema()), many(AREA, "areas")),
        Field("periods", array_of(SET_PERIOD.schema()), many(SET_PERIOD, "periods")),
    ),
)

DOCUMENT = Shape(
    "OutcomeDocument",
    (
        Field("kind", {**TEXT, "enum": list(MeetingDocument.Kind.values)}, attribute("kind")),
        Field("language", LANGUAGE, attribute("language")),
        Field("title", TEXT, attribute("title")),
        Field("url", nullable(TEXT), attribute("url", lambda value: value or None)),
        Field("text", nullable(TEXT), attribute("text", lambda value: value or None)),
    ),
)

SNAPSHOT = Shape(
    "MeetingSnapshot",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("taken_at", DATE_TIME, attribute("taken_at", iso)),
        Field("cutoff", DATE, attribute("cutoff", iso)),
    ),
)

MEETING = Shape(
    "Meeting",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("kind", {**TEXT, "enum": list(Meeting.Kind.values)}, attribute("kind")),
        Field("ordinal", nullable(INTEGER), attribute("ordinal")),
        Field("name", TEXT, attribute("name")),
        Field("name_es", TEXT, attribute("name_es")),
        Field("name_fr", TEXT, attribute("name_fr")),
        Field("start_date", nullable(DATE), attribute("start_date", iso)),
        Field("end_date", nullable(DATE), attribute("end_date", iso)),
        Field(
            "date_precision",
            {**TEXT, "enum": list(Meeting.DatePrecision.values)},
            attribute("date_precision"),
        ),
        Field("place", TEXT, attribute("place")),
        Field("place_es", TEXT, attribute("place_es")),
        Field("place_fr", TEXT, attribute("place_fr")),
        Field("host", nullable(TEXT), code_of("host")),
        Field(
            "participants",
            array_of(TEXT),
            lambda request, meeting: [country.code for country in meeting.participants.all()],
        ),
        Field("documents", array_of(DOCUMENT.schema()), many(DOCUMENT, "documents")),
        Field("snapshot", nullable(SNAPSHOT.schema()), nested_or_null(SNAPSHOT, "snapshot")),
    ),
)

SNAPSHOT_CELL = Shape(
    "SnapshotCell",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("snapshot", INTEGER, attribute("snapshot_id")),
        Field("meeting", INTEGER, attribute("snapshot.meeting_id")),
        Field("set", INTEGER, attribute("objective_set_id")),
        Field("objective", INTEGER, attribute("objective_id")),
        Field("country", TEXT, attribute("country.code")),
        # null where the cell had no published update at the cut-off
        Field(
            "status",
            {"type": ["string", "null"], "enum": [*ProgressUpdate.Status.values, None]},
            attribute("status", lambda value: value or None),
        ),
        Field("period", nullable(INTEGER), attribute("period_id")),
        Field("update", nullable(INTEGER), attribute("update_id")),
    ),
)

TARGET = Shape(
    "IndicatorTarget",
    (
        Field("country", TEXT, attribute("country.code")),
        Field("baseline", nullable(NUMBER), number_of("baseline")),
        Field("baseline_year", nullable(INTEGER), attribute("baseline_year")),
        Field("target", nullable(NUMBER), number_of("target")),
        Field("target_date", nullable(DATE), attribute("target_date", iso)),
        Field("note", TEXT, attribute("note")),
    ),
)

INDICATOR = Shape(
    "Indicator",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("objective", INTEGER, attribute("objective_id")),
        Field("set", INTEGER, attribute("objective.objective_set_id")),
        Field("year", INTEGER, attribute("objective.objective_set.year")),
        Field("number", INTEGER, attribute("number")),
        Field("name", TEXT, attribute("name")),
        Field("name_es", TEXT, attribute("name_es")),
        Field("name_fr", TEXT, attribute("name_fr")),
        Field("definition", TEXT, attribute("definition")),
        Field("definition_es", TEXT, attribute("definition_es")),
        Field("definition_fr", TEXT, attribute("definition_fr")),
        Field("unit", TEXT, attribute("unit")),
        Field("unit_es", TEXT, attribute("unit_es")),
        Field("unit_fr", TEXT, attribute("unit_fr")),
        Field(
            "direction", {**TEXT, "enum": list(Indicator.Direction.values)}, attribute("direction")
        ),
        Field("additive", BOOLEAN, attribute("additive")),
        Field("targets", array_of(TARGET.schema()), many(TARGET, "targets")),
    ),
)

MILESTONE = Shape(
    "Milestone",
    (
        Field("id", INTEGER, attribute("pk")),
        Field("objective", INTEGER, attribute("objective_id")),
        Field("set", INTEGER, attribute("objective.objective_set_id")),
        Field("country", TEXT, attribute("country.code")),
        Field("title", TEXT, attribute("title")),
        Field("due_on", DATE, attribute("due_on", iso)),
        Field("owner", TEXT, attribute("owner")),
        # Met once a published update marks it (``met_in``: that update's period's name).
        Field("met", BOOLEAN, attribute("met")),
        Field("met_in", nullable(TEXT), attribute("met_in")),
        Field("overdue", BOOLEAN, attribute("is_overdue")),
    ),
)

ASSESSMENT = Shape(
    "Assessment",
    (
        Field("id", INTEGER, attribute("pk")),
        Field(
            "url",
            TEXT,
            lambda request, assessment: request.build_absolute_uri(assessment.get_absolute_url()),
        ),
        Field("set", INTEGER, attribute("objective.objective_set_id")),
        Field("year", INTEGER, attribute("objective.objective_set.year")),
        Field("objective", INTEGER, attribute("objective_id")),
        Field("country", TEXT, attribute("country.code")),
        Field("review", {**TEXT, "enum": list(Assessment.Review.values)}, attribute("review")),
        # The G20 Research Group's scale: +1 full, 0 partial, -1 non-compliance.
        Field("score", {**INTEGER, "enum": [1, 0, -1]}, attribute("rating")),
        Field("rationale", TEXT, attribute("rationale")),
        Field(
            "evidence_updates",
            array_of(INTEGER),
            lambda request, assessment: [u.pk for u in assessment.evidence_updates.all()],
        ),
        Field(
            "evidence_files",
            array_of(INTEGER),
            lambda request, assessment: [f.pk for f in assessment.evidence_files.all()],
        ),
        Field("reply", nullable(TEXT), attribute("reply", lambda value: value or None)),
        Field("replied_at", nullable(DATE_TIME), attribute("replied_at", iso)),
        Field("finalised_at", DATE_TIME, attribute("finalised_at", iso)),
        Field("fictional_demo", BOOLEAN, attribute("is_demo")),
    ),
)

PROBLEM = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": TEXT, "errors": {"type": "object"}},
}


# --- Endpoints ---------------------------------------------------------------------------


# --- Keyset pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyset:
    """How a list is ordered and paged: a page ends at its last row, and the next one
    starts after that row's values of the ordering fields (``-name`` for descending), so
    a page costs the same at the start and at the end of a million rows and stays right
    while rows are added (no row is skipped or sent twice). The last field must be
    unique. The cursor in the ``next`` link is those values, encoded; a cursor that does
    not decode is refused (``InvalidCursor``)."""

    ordering: tuple[str, ...]

    def _fields(self):
        return [(name.lstrip("-"), name.startswith("-")) for name in self.ordering]

    def order(self, queryset):
        return queryset.order_by(
            *(
                F(name).desc() if descending else F(name).asc()
                for name, descending in self._fields()
            )
        )

    def cursor(self, obj):
        values = [attrgetter(name.replace("__", "."))(obj) for name, _ in self._fields()]
        raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def after(self, queryset, cursor):
        """The rows that follow the cursor's position, in order."""
        return queryset.filter(self.condition(queryset.model, cursor))

    def condition(self, model, cursor):
        """The filter on ``model``'s rows that keeps those after the cursor's position."""
        fields = self._fields()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            values = json.loads(raw)
            if not isinstance(values, list) or len(values) != len(fields):
                raise ValueError
            if any(not isinstance(v, str | int) or "\x00" in str(v) for v in values):
                raise ValueError
            values = [
                self._field(model, name).to_python(value)
                for (name, _), value in zip(fields, values, strict=True)
            ]
        except (ValueError, TypeError, UnicodeDecodeError, binascii.Error, ValidationError):
            raise InvalidCursor from None
        if any(value is None for value in values):
            raise InvalidCursor
        # (a, b, c) after (x, y, z): a beyond x, or a = x and b beyond y, or ...; with
        # the first field's bound repeated on its own, so that its index serves the page.
        steps = []
        for position, (name, descending) in enumerate(fields):
            equal = {f"{earlier}": values[i] for i, (earlier, _) in enumerate(fields[:position])}
            beyond = {f"{name}__{'lt' if descending else 'gt'}": values[position]}
            steps.append(Q(**equal, **beyond))
        first, descending = fields[0]
        bound = Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]})
        return bound & reduce(or_, steps)

    @staticmethod
    def _field(model, path):
        *relations, name = path.split("__")
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        return model._meta.get_field(name)


class InvalidCursor(Exception):
    """A ``cursor`` parameter that is not one the feed sent."""


@dataclass(frozen=True)
class Parameter:
    name: str
    schema: dict
    description: str = ""

    def describe(self):
        described = {"name": self.name, "in": "query", "schema": self.schema}
        if self.description:
            described["description"] = self.description
        return described


CURSOR = Parameter(
    "cursor",
    {**TEXT, "maxLength": 400},
    f"Where the page starts: the cursor of the previous page's `next` link ({PAGE_SIZE} "
    "results a page). Leave it out for the first page.",
)


@dataclass(frozen=True)
class Endpoint:
    """A list the feed serves: its address, what it filters on and what it sends."""

    url_name: str
    path: str
    operation: str
    summary: str
    shape: Shape
    keyset: Keyset
    parameters: tuple[Parameter, ...] = field(default=())

    @property
    def accepted(self):
        """The query parameters this endpoint understands (any other is refused)."""
        return {parameter.name for parameter in (CURSOR, *self.parameters)}


YEAR = Parameter(
    "year", {**INTEGER, "minimum": 1000, "maximum": 9999}, "The year of the objective set."
)
SET = Parameter("set", INTEGER, "The id of the objective set (see /api/v1/sets/).")


UPDATES = Endpoint(
    "api_updates",
    "/api/v1/updates/",
    "listUpdates",
    "Published progress updates, newest first.",
    UPDATE,
    Keyset(("-created_at", "-id")),
    (
        Parameter("country", TEXT, "ISO code, e.g. MX."),
        Parameter("objective", INTEGER),
        Parameter("status", {**TEXT, "enum": list(ProgressUpdate.Status.values)}),
        Parameter("period", INTEGER),
        Parameter("author", TEXT, "Username of the author."),
        Parameter("q", {**TEXT, "maxLength": 200}, "Full-text search of the narratives."),
        YEAR,
        SET,
    ),
)
OBJECTIVES = Endpoint(
    "api_objectives",
    "/api/v1/objectives/",
    "listObjectives",
    "Objectives, newest set first.",
    OBJECTIVE,
    Keyset(("-objective_set__year", "number")),
    (YEAR, SET),
)
COUNTRIES = Endpoint(
    "api_countries",
    "/api/v1/countries/",
    "listCountries",
    "Member and partner countries.",
    COUNTRY,
    Keyset(("code",)),
)
SETS = Endpoint(
    "api_sets",
    "/api/v1/sets/",
    "listSets",
    "Objective sets, newest year first, with their priority areas and reporting periods.",
    OBJECTIVE_SET,
    Keyset(("-year",)),
    (YEAR, SET),
)
PERIODS = Endpoint(
    "api_periods",
    "/api/v1/periods/",
    "listPeriods",
    "Reporting periods, newest set first, each set's in order.",
    PERIOD,
    Keyset(("-objective_set__year", "starts_on", "id")),
    (YEAR, SET),
)
MEETINGS = Endpoint(
    "api_meetings",
    "/api/v1/meetings/",
    "listMeetings",
    "Meetings of the dialogue, with their outcome documents and snapshot, by id.",
    MEETING,
    Keyset(("id",)),
    (
        Parameter("year", YEAR.schema, "Meetings held (starting) in this year."),
        Parameter("set", INTEGER, "Meetings that adopted or reviewed this set (its id)."),
    ),
)
SNAPSHOTS = Endpoint(
    "api_snapshots",
    "/api/v1/snapshots/",
    "listSnapshotCells",
    "The cells of the meetings' snapshots: what each meeting saw, frozen at its cut-off.",
    SNAPSHOT_CELL,
    Keyset(("id",)),
    (
        Parameter("meeting", INTEGER, "The id of the meeting."),
        Parameter("snapshot", INTEGER, "The id of the snapshot."),
        YEAR,
        SET,
    ),
)
INDICATORS = Endpoint(
    "api_indicators",
    "/api/v1/indicators/",
    "listIndicators",
    "The objectives' indicators in three languages, with each country's baseline and target.",
    INDICATOR,
    Keyset(("id",)),
    (Parameter("objective", INTEGER, "The id of the objective."), YEAR, SET),
)
MILESTONES = Endpoint(
    "api_milestones",
    "/api/v1/milestones/",
    "listMilestones",
    "Each country's milestones on the objectives: due date, owner, met or overdue.",
    MILESTONE,
    Keyset(("id",)),
    (
        Parameter("objective", INTEGER, "The id of the objective."),
        Parameter("country", TEXT, "ISO code, e.g. MX."),
        YEAR,
        SET,
    ),
)
ASSESSMENTS = Endpoint(
    "api_assessments",
    "/api/v1/assessments/",
    "listAssessments",
    "The secretariat's final assessments: each country's rating on each objective at the "
    "interim and the final review, with the rationale, the evidence relied on and the "
    "country's reply, by id.",
    ASSESSMENT,
    Keyset(("id",)),
    (
        Parameter("country", TEXT, "ISO code, e.g. MX."),
        Parameter("objective", INTEGER),
        Parameter("review", {**TEXT, "enum": list(Assessment.Review.values)}),
        YEAR,
        SET,
    ),
)
ENDPOINTS = (
    UPDATES,
    OBJECTIVES,
    COUNTRIES,
    SETS,
    PERIODS,
    MEETINGS,
    SNAPSHOTS,
    INDICATORS,
    MILESTONES,
    ASSESSMENTS,
)


def _page_of(shape):
    return {
        "type": "object",
        "required": ["next", "results"],
        "additionalProperties": False,
        "properties": {
            "next": {
                "type": ["string", "null"],
                "description": "The address of the next page; null on the last one.",
            },
            "results": {"type": "array", "items": {"$ref": f"#/components/schemas/{shape.name}"}},
        },
    }


def _responses(shape):
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "200": {
            "description": "A page of results.",
            "content": {"application/json": {"schema": _page_of(shape)}},
        },
        "400": {"description": "Invalid parameters.", "content": problem},
        "401": {"description": "No valid session or token.", "content": problem},
        "403": {"description": "The account has no role.", "content": problem},
    }


def openapi_schema():
    """The OpenAPI 3.1 description of the feed, generated from the declarations above."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "NADD Commitment Tracker feed",
            "version": "1",
            "description": "Published progress updates on the cooperation objectives of the "
            "North American Drug Dialogue, with the objectives (in English, Spanish and "
            "French, with their continuity links) and countries they refer to; the yearly "
            "objective sets with their priority areas and reporting periods; the meetings "
            "with their outcome documents; what each meeting saw (its snapshot); the objectives' "
            "indicators with each country's baseline and target (values come with the "
            "updates), and each country's milestones. Every "
            "list filters by `year` (of an objective set) and `set` (a set's id). Updates carry "
            "their evidence files (each downloaded at its `url` by whoever may read the "
            "update); the secretariat's final assessments are listed beside them.",
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}, {"session": []}],
        "paths": {
            endpoint.path: {
                "get": {
                    "operationId": endpoint.operation,
                    "summary": endpoint.summary,
                    "parameters": [p.describe() for p in (CURSOR, *endpoint.parameters)],
                    "responses": _responses(endpoint.shape),
                }
            }
            for endpoint in ENDPOINTS
        },
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Token <key>, created by an administrator.",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
            "schemas": {
                "Problem": PROBLEM,
                **{endpoint.shape.name: endpoint.shape.schema() for endpoint in ENDPOINTS},
            },
        },
    }
