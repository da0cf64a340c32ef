"""Cached fragments of pages: each declared once here, keyed by the data stamps.

A fragment is declared in ``FRAGMENTS`` with its name, what its key is made of and how
long it is kept. Templates draw one with ``{% fragment "name" subject %}…{% endfragment %}``
(commitments/templatetags/fragments.py), Python keeps data with ``cached`` and finds the
rows already drawn with ``fill_rows``: all three build the key from the declaration
(``Fragment.key``), so a template and the code that reads its rows cannot disagree, and
no key is spelled out anywhere else (tests/performance/test_cached_fragments.py checks that
no template uses ``{% cache %}`` and no module builds a fragment's key by hand).

The key names the data stamps: values PostgreSQL changes whenever what a cached fragment
shows may have changed (``STAMPED_TABLES``, below). A page reads them once (one small
query) and a fragment names those it depends on, with the language and whatever else it
varies on (never the user's session: pages carry a CSRF token and a CSP nonce, which no
fragment contains). When the data behind a fragment changes, the database changes the
stamp, the key changes, and the fragment is drawn again: nothing is ever invalidated by
hand.

A fragment is served to every reader whose request names the same key, so it holds only
what all of them may read. A row's fragment is keyed by the row (its id and version),
never by the reader: it shows nothing that depends on who reads it, and never an update's
discussion (comments, reasons for returning), which only some readers of a published
update may read (``policy.may_read_discussion``). Tests draw each row fragment as a
coordinator and as another country's official and require the same text.

What a row shows, and what moves its key when it changes:

- the update's own fields (state, status, period, narrative, dates): its ``version``,
  which every write to the row moves (the services count it up; a trigger of migration
  0020 moves it for any other UPDATE, from the admin, ``QuerySet.update()`` or SQL);
- the objective (number, title, set's year), the country, the period's name and the
  author's name: reference data, which moves the ``reference`` stamp, the author's name
  included (``auth_user`` is stamped on its name columns, whichever path renames
  someone: the admin, a management command);
- the language of the page (labels, dates).

The fragments live in the ``fragments`` cache: each process's memory by default, or one
Redis server shared by every process and instance when ``CACHE_URL`` names one
(commitments/cache.py, which also namespaces the keys by database and release). Neither is
state the application depends on: every read checks the stamps in PostgreSQL first, so a
process that never saw a fragment, or was just started, only draws it once more, and a
shared fragment is served only while the data it was drawn from is still current.
"""

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language

from commitments import policy, years
from commitments.planning import joins_as_written

CACHE = "fragments"
HOUR = 60 * 60
DAY = 24 * HOUR

REFERENCE = "reference"
RECORD = "record"
STAMPS_SQL = "SELECT name, value FROM commitments_data_stamp"


def stamps(request=None):
    """The current data stamps: ``{"reference": …, "record": …}``, read once per request."""
    if request is not None and hasattr(request, "data_stamps"):
        return request.data_stamps
    with connection.cursor() as cursor:
        cursor.execute(STAMPS_SQL)
        values = dict(cursor.fetchall())
    # A database emptied by hand (a test flush) has no rows until the next write bumps them.
    current = {REFERENCE: values.get(REFERENCE, 0), RECORD: values.get(RECORD, 0)}
    if request is not None:
        request.data_stamps = current
    return current


# --- What the stamps follow -----------------------------------------------------------


@dataclass(frozen=True)
class StampedTable:
    """A table whose writes move a stamp: any INSERT, DELETE or TRUNCATE, and an UPDATE
    (of ``columns`` only, when given). For ``record``, only a statement that wrote a
    submitted or published update, before or after the change: drafts come and go
    without emptying the caches."""

    table: str
    stamp: str
    columns: tuple[str, ...] = ()


# The tables whose triggers move the stamps: migrations create the triggers from this
# list (``sync_stamp_triggers``, 0021 first), and tests/performance/test_cached_fragments.py
# compares it with
# the triggers in the database, so a change here fails the tests until a new migration
# runs ``sync_stamp_triggers`` again.
STAMPED_TABLES = (
    StampedTable("commitments_objective", REFERENCE),
    StampedTable("commitments_objectiveset", REFERENCE),
    StampedTable("commitments_priorityarea", REFERENCE),
    StampedTable("commitments_objectivelink", REFERENCE),
    StampedTable("commitments_objective_partners", REFERENCE),
    StampedTable("commitments_reportingperiod", REFERENCE),
    StampedTable("commitments_country", REFERENCE),
    StampedTable("commitments_meeting", REFERENCE),
    StampedTable("commitments_membership", REFERENCE),
    # The handling marking every page shows, and what a brief compares with (a meeting's
    # snapshot, taken once) and lists (its outcome documents).
    StampedTable("commitments_handlingmarking", REFERENCE),
    StampedTable("commitments_meetingsnapshot", REFERENCE),
    StampedTable("commitments_meetingdocument", REFERENCE),
    # Indicators, each country's baselines and targets, and its milestones: what the
    # objective's, country's and dashboard's pages show beside the published record.
    StampedTable("commitments_indicator", REFERENCE),
    StampedTable("commitments_indicatortarget", REFERENCE),
    StampedTable("commitments_milestone", REFERENCE),
    # Names, not sign-ins: last_login changes at every sign-in and shows nowhere cached.
    StampedTable("auth_user", REFERENCE, columns=("username", "first_name", "last_name")),
    StampedTable("commitments_progressupdate", RECORD),
    # The secretariat's assessments: the dashboard's compliance and the brief show them.
    StampedTable("commitments_assessment", REFERENCE),
)

# The trigger functions (migration 0017): each bump draws a new random value rather than
# counting up, so after a restore, or a test database flushed and refilled, a stamp never
# comes back with a value that once described other data. The record stamp's function
# looks at the statement's old and new rows; TRUNCATE has none and always bumps.
STAMP_FUNCTIONS = {
    REFERENCE: "commitments_stamp_reference",
    RECORD: "commitments_stamp_record_rows",
}
RECORD_TRUNCATE_FUNCTION = "commitments_stamp_record"

DROP_STAMP_TRIGGERS = """
DO $$
DECLARE found record;
BEGIN
    FOR found IN
        SELECT t.tgname, t.tgrelid::regclass AS tbl FROM pg_trigger t
        JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE NOT t.tgisinternal AND p.proname = ANY (%s)
    LOOP
        EXECUTE format('DROP TRIGGER %%I ON %%s', found.tgname, found.tbl);
    END LOOP;
END $$;
"""


def sync_stamp_triggers(apps, schema_editor):
    """A migration's step: drop every trigger that moves a stamp, then create one set per
    entry of ``STAMPED_TABLES`` (one trigger per statement, so a bulk load costs one
    bump). A table that does not exist yet is left to the migration after the one that
    creates it."""
    functions = [*STAMP_FUNCTIONS.values(), RECORD_TRUNCATE_FUNCTION]
    existing = set(schema_editor.connection.introspection.table_names())
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP_STAMP_TRIGGERS, [functions])
        for entry in STAMPED_TABLES:
            if entry.table in existing:
                cursor.execute(stamp_triggers_sql(entry))


def stamp_triggers_sql(entry):
    """The triggers that make writes to ``entry.table`` move ``entry.stamp``."""
    table = entry.table
    if entry.stamp == RECORD:
        function = STAMP_FUNCTIONS[RECORD]
        return f"""
CREATE TRIGGER stamp_record_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER stamp_record_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER stamp_record_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER stamp_record_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {RECORD_TRUNCATE_FUNCTION}();
"""
    update = f"UPDATE OF {', '.join(entry.columns)}" if entry.columns else "UPDATE"
    return f"""
CREATE TRIGGER stamp_{entry.stamp} AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {STAMP_FUNCTIONS[entry.stamp]}();
"""


# --- What a key is made of ----------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of a fragment's key: a function of the request and the fragment's subject
    (the update a row shows, the objective a chart is about, the filter listed)."""

    name: str
    value: Any
    needs_subject: bool = False


ROW = Part("row", lambda request, update: f"{update.pk}v{update.version}", needs_subject=True)
SUBJECT = Part("subject", lambda request, subject: getattr(subject, "pk", subject), True)
REFERENCE_STAMP = Part(REFERENCE, lambda request, subject: stamps(request)[REFERENCE])
RECORD_STAMP = Part(RECORD, lambda request, subject: stamps(request)[RECORD])
LANGUAGE = Part("language", lambda request, subject: get_language())
TODAY = Part("today", lambda request, subject: timezone.localdate().isoformat())
# Whose unpublished updates the reader sees, and the official's own country (the
# dashboard offers "Write update" on its missing cells).
SCOPE = Part("scope", lambda request, subject: policy.unpublished_scope(request.user))
OWN_COUNTRY = Part(
    "own-country", lambda request, subject: policy.SiteAbilities(request.user).write_for
)


def digest(value):
    """A short digest of ``value``'s repr: plain values only (numbers, strings, ids,
    tuples and lists of them), never an object whose repr names its address."""
    return hashlib.blake2b(repr(value).encode(), digest_size=12).hexdigest()


def _drawing_of_row(request, row):
    """What a matrix row (``matrix.MatrixRow``) shows, beyond reference data and
    language: its ``shown`` plain values (each cell's update, status, period, whether it
    counts as reported, its overdue periods and milestones), as a short digest."""
    return f"{row.objective.pk}-{digest(row.shown)}"


# One row of a status matrix, keyed by what its cells show: after a publication only the
# row whose cell changed is drawn again.
MATRIX_ROW = Part("matrix-row", _drawing_of_row, needs_subject=True)


def _filters_given(request, subject):
    """The filters of a list as given in the address (every parameter but the page), as
    a short digest: the same filters draw the same form, whoever asks."""
    given = sorted(
        (name, value) for name, values in request.GET.lists() if name != "page" for value in values
    )
    return digest(given)


FILTERS_GIVEN = Part("filters", _filters_given)


# A drawing keyed by what it shows: the same figures draw the same chart or table,
# whatever moved the stamps (after a publication, a chart whose counts did not change is
# not drawn again).
SHOWN = Part("shown", lambda request, shown: digest(shown), needs_subject=True)

# A meeting's brief as asked for (briefs.Terms): the meeting, the meeting it is compared
# with and the cut-off.
BRIEF_TERMS = Part(
    "brief-terms",
    lambda request, terms: "-".join(
        [
            str(terms.meeting.pk),
            str(terms.comparison.pk) if terms.comparison else "none",
            terms.cutoff.isoformat(),
        ]
    ),
    needs_subject=True,
)
# The year asked for (``?year=``; none: the set the dashboard opens on).
YEAR = Part("year", lambda request, subject: years.requested(request))


def own_drafts(request):
    """``(count, newest id, newest edit)`` of the reader's country's drafts and returned
    updates, read once per request (one query); None for a reader who writes none.
    Drafts move no stamp, so a fragment offering "Write update" names these instead."""
    if not hasattr(request, "own_drafts"):
        request.own_drafts = None
        if policy.may_write_updates(request.user):
            found = policy.editable_updates(request.user).aggregate(
                count=Count("pk"), newest=Max("pk"), edited=Max("updated_at")
            )
            request.own_drafts = (found["count"], found["newest"], found["edited"])
    return request.own_drafts


OWN_DRAFTS = Part(
    "own-drafts",
    lambda request, subject: "-".join(
        str(value.timestamp() if hasattr(value, "timestamp") else value)
        for value in own_drafts(request) or ()
    ),
)


@dataclass(frozen=True)
class Fragment:
    """A cached part of a page, or data a page keeps: its name, its key's parts, and how
    many seconds it is kept (at most: the process's cache may drop it sooner)."""

    name: str
    parts: tuple[Part, ...]
    timeout: int = DAY

    @cached_property
    def has_subject(self):
        return any(part.needs_subject for part in self.parts)

    @cached_property
    def is_row(self):
        """Whether it draws one update, keyed by the update's id and version."""
        return ROW in self.parts

    def check_subject(self, given):
        """ValueError unless a subject is given exactly when the key names one."""
        if given != self.has_subject:
            takes = "with a subject" if self.has_subject else "without a subject"
            raise ValueError(f"Fragment {self.name!r} is drawn {takes}.")

    def key(self, request, subject=None):
        """The cache key of this fragment for this request (and subject)."""
        self.check_subject(subject is not None)
        values = [str(part.value(request, subject)) for part in self.parts]
        return ":".join(["fragment", self.name, *values])


# The dashboard's overview: the same for every reader with the same scope and country,
# drawn again after a publication, a change of reference data, or at midnight.
OVERVIEW = (REFERENCE_STAMP, RECORD_STAMP, SCOPE, OWN_COUNTRY, TODAY, LANGUAGE, YEAR)
# One update as a list draws it: the same for every reader (see above).
DRAWN_UPDATE = (ROW, REFERENCE_STAMP, LANGUAGE)

FRAGMENTS = {
    fragment.name: fragment
    for fragment in (
        Fragment("dashboard-head", OVERVIEW),
        Fragment("dashboard-matrix", OVERVIEW),
        # One objective's row of a matrix, drawn once per content, whoever reads it.
        Fragment("matrix-row", (MATRIX_ROW, REFERENCE_STAMP, LANGUAGE)),
        # Its "Write update" buttons link to a draft the reader's country already has.
        Fragment("dashboard-missing", (*OVERVIEW, OWN_DRAFTS)),
        # Data, not HTML: the set asked for (commitments/years.py), every set's year, its
        # objectives, the member countries and the current period, kept so that after a
        # publication only the matrix itself is read again.
        Fragment("dashboard-frame", (REFERENCE_STAMP, TODAY, YEAR)),
        # The sets and the objectives alone, for the country page.
        Fragment("set-frame", (REFERENCE_STAMP, TODAY, YEAR)),
        Fragment("activity-item", DRAWN_UPDATE),
        # A draft or returned update in its country's "Needs your action" list (with the
        # checkbox and version its batch submission posts: the row's own values).
        Fragment("action-item", DRAWN_UPDATE),
        # A submitted update in the review queue, marked when resubmitted after a return
        # (the return, and the resubmission, move the row's version).
        Fragment("review-row", DRAWN_UPDATE),
        Fragment("update-row", DRAWN_UPDATE),
        Fragment("update-card", DRAWN_UPDATE),
        Fragment("update-card-with-objective", DRAWN_UPDATE),
        # Published updates only, whoever reads them.
        Fragment("objective-chart", (SUBJECT, REFERENCE_STAMP, RECORD_STAMP, LANGUAGE)),
        # Each country's timeliness in each period of the objective's set: what counts as
        # handed in depends on the reader's scope, overdue on the day.
        Fragment(
            "objective-timeliness",
            (SUBJECT, REFERENCE_STAMP, RECORD_STAMP, SCOPE, TODAY, LANGUAGE),
        ),
        # Its indicators and milestones: published values, the countries' baselines,
        # targets and milestones (reference stamp), overdue as of the day.
        Fragment("objective-figures", (SUBJECT, REFERENCE_STAMP, RECORD_STAMP, TODAY, LANGUAGE)),
        # Its partners, their contributions, and its earlier years (published only).
        Fragment("objective-continuity", (SUBJECT, REFERENCE_STAMP, RECORD_STAMP, LANGUAGE)),
        # The secretariat's final assessments of the set (final ones only, for everyone).
        Fragment("dashboard-compliance", (REFERENCE_STAMP, LANGUAGE, YEAR)),
        # Partner countries' published contributions to the dashboard's objectives.
        Fragment("dashboard-partners", (REFERENCE_STAMP, RECORD_STAMP, TODAY, LANGUAGE, YEAR)),
        # A country's status per objective, with its overdue marks and timeliness: what
        # counts as handed in depends on the reader's scope, overdue on the day.
        Fragment(
            "country-latest",
            (SUBJECT, REFERENCE_STAMP, RECORD_STAMP, SCOPE, TODAY, LANGUAGE, YEAR),
        ),
        Fragment("objective-list", (REFERENCE_STAMP, LANGUAGE, YEAR)),
        # The dashboard's status chart, by its counts; its timeliness table, by each
        # country's counts (the countries' names: reference stamp).
        Fragment("status-chart", (SHOWN, LANGUAGE)),
        Fragment("timeliness-table", (SHOWN, REFERENCE_STAMP, LANGUAGE)),
        # The updates list's filter form for the filters given (a search, a country…),
        # with its errors: drawing its eight fields cost as much as the rest of the list.
        # Kept an hour: every distinct search has its own.
        Fragment("update-filters", (FILTERS_GIVEN, REFERENCE_STAMP, LANGUAGE), timeout=HOUR),
        # Data: what every form of a report on an objective for a country offers
        # (forms.form_reference; its subject: "objective id-country id"): the kind of the
        # set's periods, the objective's indicators with the country's targets, and
        # whether the country has milestones on it. Reference data only: which
        # milestones are still open depends on the record and is read with the form.
        Fragment("report-form", (SUBJECT, REFERENCE_STAMP)),
        # Data: one filter's options (its subject is the filter's name), read and drawn.
        Fragment("filter-options", (SUBJECT, REFERENCE_STAMP, LANGUAGE)),
        # A meeting's brief (everything below its form): the meeting and the sets it
        # reviews, the published record as of the cut-off, what the comparison meeting
        # saw (its snapshot, or the record reconstructed), indicators, milestones, earlier
        # years and final assessments: published data and reference data (the meetings,
        # snapshots and assessments included: STAMPED_TABLES), so the two stamps, the
        # terms asked for and the language. Published only, it reads the same for every
        # reader with a role; it is kept per scope all the same, so that a brief can never
        # carry to an official what a coordinator's drawing held. Its "Generated" time is
        # when it was drawn: nothing it shows has changed since.
        Fragment("meeting-brief", (BRIEF_TERMS, REFERENCE_STAMP, RECORD_STAMP, SCOPE, LANGUAGE)),
        # Data: the handling marking in the page's language, for a reader without a
        # membership (signed-in readers have it with their membership: handling.py).
        Fragment("handling-marking", (REFERENCE_STAMP, LANGUAGE)),
    )
}
ROW_FRAGMENTS = [name for name, fragment in FRAGMENTS.items() if fragment.is_row]


def declared(name):
    """The fragment declared under ``name`` (KeyError for one never declared)."""
    return FRAGMENTS[name]


def cache():
    """Where fragments are kept (this process's memory, or the shared Redis). Only this
    module reads or writes it (the template tag through ``drawn``); tests clear it."""
    return caches[CACHE]


def drawn(fragment, request, draw, subject=None):
    """The fragment's cached value for this request, or ``draw()`` kept under its key."""
    key = fragment.key(request, subject)
    value = cache().get(key)
    if value is None:
        value = draw()
        cache().set(key, value, fragment.timeout)
    return value


def cached(name, request, build, subject=None):
    """Data kept as the fragment ``name`` declares: ``build()`` once per key."""
    return drawn(declared(name), request, build, subject)


def fill_rows(request, rows, name, full):
    """A page's updates, for a template that draws each in ``{% fragment name update %}``.

    ``rows`` carry only their id and ``version``: cheap to read. Those whose fragment is
    cached stay so (the template takes the fragment); the others are read again from
    ``full`` (the same updates with what the drawing shows), drawn and cached. A fragment
    that expires in between is still drawn right: the light object loads its other
    fields when asked, one query each.
    """
    fragment = declared(name)
    if not fragment.is_row:
        raise ValueError(f"Fragment {name!r} does not draw one update.")
    rows = list(rows)
    keys = {row.pk: fragment.key(request, row) for row in rows}
    cached_rows = cache().get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in cached_rows]
    fetched = {}
    if missing:
        with joins_as_written():
            fetched = full.filter(pk__in=missing).in_bulk()
    return [fetched.get(row.pk, row) for row in rows]
