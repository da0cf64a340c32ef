"""Timeliness: for each objective, member country and period of a set, whether its report
was handed in on time (first submitted on or before the period's deadline), late, or is
still missing after the deadline (overdue); a completion rate per country.

A report counts from its first submission (``ProgressUpdate.first_submitted_at``), so one
returned for changes and submitted again keeps its date. Withdrawn updates and drafts
were never handed in. Partner countries are never counted as missing: callers pass the
member countries. What counts as handed in follows the reader's scope
(``policy.unpublished_scope``), as the dashboard's "reported" does: published reports for
everyone, submitted and returned ones for the coordinators and the country's own officials.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import ALL_COUNTRIES, ReportingPeriod
from commitments.planning import StoredQuery

ON_TIME = "on_time"
LATE = "late"
OVERDUE = "overdue"
NOT_DUE = "not_due"

LABELS = {
    ON_TIME: _("On time"),
    LATE: _("Late"),
    OVERDUE: _("Overdue"),
    NOT_DUE: _("Not due yet"),
}

# Each period of the set by each cell, with the first hand-in of the cell in that period:
# one probe of upd_period_cell_first_in per (period, cell), whatever the history. Kept in
# the database as a function, planned once per connection (planning.StoredQuery).
FIRST_IN_SQL = """
SELECT p.id, p.name, p.starts_on, p.deadline, cell.objective_id, cell.country_id, first_in.at
FROM commitments_reportingperiod p
CROSS JOIN unnest(%(objectives)s::bigint[], %(countries)s::bigint[])
    AS cell (objective_id, country_id)
LEFT JOIN LATERAL (
    SELECT u.first_submitted_at AS at FROM commitments_progressupdate u
    WHERE u.period_id = p.id
      AND u.objective_id = cell.objective_id AND u.country_id = cell.country_id
      AND u.first_submitted_at IS NOT NULL
      AND (u.state = 'published'
           OR (u.state IN ('submitted', 'returned') AND (%(all)s OR u.country_id = %(own)s)))
    ORDER BY u.first_submitted_at LIMIT 1
) first_in ON TRUE
WHERE p.objective_set_id = %(set)s
"""


FIRST_IN = StoredQuery(
    "first_in",
    FIRST_IN_SQL,
    parameters=(
        ("objectives", "bigint[]"),
        ("countries", "bigint[]"),
        ("set", "bigint"),
        ("all", "boolean"),
        ("own", "bigint"),
    ),
    columns=(
        ("period_id", "bigint"),
        ("period_name", "varchar"),
        ("starts_on", "date"),
        ("deadline", "date"),
        ("objective_id", "bigint"),
        ("country_id", "bigint"),
        ("first_in", "timestamptz"),
    ),
)


def mark(first_in, deadline, today, zone=None):
    """ON_TIME, LATE, OVERDUE or NOT_DUE for a report first handed in at ``first_in``
    (None: not yet) in a period due on ``deadline``, days counted in ``zone`` (the
    current time zone when not given)."""
    if first_in is None:
        return OVERDUE if deadline < today else NOT_DUE
    return ON_TIME if timezone.localdate(first_in, zone) <= deadline else LATE


@dataclass
class CountrySummary:
    country: object
    counts: Counter

    @property
    def on_time(self):
        return self.counts[ON_TIME]

    @property
    def late(self):
        return self.counts[LATE]

    @property
    def overdue(self):
        return self.counts[OVERDUE]

    @property
    def not_due(self):
        return self.counts[NOT_DUE]

    @property
    def expected(self):
        """Reports due by now, and those handed in early."""
        return self.on_time + self.late + self.overdue

    @property
    def completion_rate(self):
        """Handed in out of expected, in percent (None when nothing is expected yet)."""
        if not self.expected:
            return None
        return round(100 * (self.on_time + self.late) / self.expected)


@dataclass
class SetTimeliness:
    """The marks of every (objective, country, period) of a set."""

    periods: list = field(default_factory=list)  # in order, with ``deadline``
    marks: dict = field(default_factory=dict)  # (objective id, country id, period id) -> mark

    def of(self, objective, country, period):
        return self.marks.get((objective.pk, country.pk, period.pk))

    def overdue(self, objective, country):
        """The periods of the cell with nothing handed in after their deadline."""
        return [p for p in self.periods if self.of(objective, country, p) == OVERDUE]

    def row(self, objective, country):
        """``(period, mark)`` for each period of the set."""
        return [(p, self.of(objective, country, p)) for p in self.periods]

    def summary(self, country):
        counts = Counter(
            value
            for (_objective, country_id, _period), value in self.marks.items()
            if country_id == country.pk
        )
        return CountrySummary(country, counts)

    def summaries(self, countries):
        return [self.summary(country) for country in countries]

    def by_period(self, objectives, country):
        """``(period, Counter of marks)`` for one country, each period of the set."""
        return [
            (period, Counter(self.of(objective, country, period) for objective in objectives))
            for period in self.periods
        ]

    def missing(self, objectives, countries, current):
        """``(objective, country, period, overdue)`` of every report overdue in any
        period of the set, then of those not handed in yet for ``current``."""
        found = []
        for period in self.periods:
            for objective in objectives:
                for country in countries:
                    value = self.of(objective, country, period)
                    if value == OVERDUE or (value == NOT_DUE and period.pk == current.pk):
                        found.append((objective, country, period, value == OVERDUE))
        return found


def of_set(objective_set, objectives, countries, scope, today=None):
    """The timeliness of ``objectives`` by ``countries`` (members) in every period of
    ``objective_set``, for a reader of this ``scope``: one query."""
    result = SetTimeliness()
    objectives = list(objectives)
    if objective_set is None or not objectives or not countries:
        return result
    today = today or timezone.localdate()
    params = {
        "objectives": [o.pk for o in objectives for _ in countries],
        "countries": [c.pk for _ in objectives for c in countries],
        "set": objective_set.pk,
        "all": scope is ALL_COUNTRIES,
        "own": scope if isinstance(scope, int) else None,
    }
    with connection.cursor() as cursor:
        FIRST_IN.execute(cursor, params)
        rows = cursor.fetchall()
    periods = {}
    zone = timezone.get_current_timezone()
    for period_id, name, starts_on, deadline, objective_id, country_id, first_in in rows:
        if period_id not in periods:
            periods[period_id] = ReportingPeriod(
                id=period_id,
                objective_set_id=objective_set.pk,
                name=name,
                starts_on=starts_on,
                deadline=deadline,
            )
        result.marks[(objective_id, country_id, period_id)] = mark(first_in, deadline, today, zone)
    result.periods = sorted(periods.values(), key=lambda p: (p.starts_on, p.pk))
    return result
