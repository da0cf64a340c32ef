"""The status matrix, objectives by countries: each cell's latest published status and
whether its current period is reported, as the dashboard and the country page show it."""

from collections import Counter
from typing import NamedTuple
from urllib.parse import urlencode

from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from commitments import charts, fragments, policy
from commitments.models import (
    ALL_COUNTRIES,
    Country,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

# The dashboard's matrix in one statement: for each (objective, country) cell, the newest
# published update (an index probe on upd_cell_latest) and whether the reader can see an
# update handed in for the period (a probe on upd_period_cell_latest): a published one,
# or a submitted one of a country in the reader's scope (``%(all)s`` and ``%(own)s``, from
# the ``scope`` argument, which policy.unpublished_scope gives). Plain SQL because the ORM
# builds the same correlated subqueries one expression per country, and compiling them
# cost more than running them.
PUBLISHED_MATRIX_SQL = """
SELECT cell.position, latest.id, latest.status, latest.period_id, latest.period_name,
    EXISTS (SELECT 1 FROM commitments_progressupdate u
     WHERE u.period_id = %(period)s
       AND u.objective_id = cell.objective_id AND u.country_id = cell.country_id
       AND (u.state = 'published'
            OR (u.state = 'submitted' AND (%(all)s OR u.country_id = %(own)s))))
FROM unnest(%(objectives)s::bigint[], %(countries)s::bigint[])
    WITH ORDINALITY AS cell (objective_id, country_id, position)
LEFT JOIN LATERAL (
    SELECT u.id, u.status, u.period_id, p.name AS period_name
    FROM commitments_progressupdate u
    JOIN commitments_reportingperiod p ON p.id = u.period_id
    WHERE u.objective_id = cell.objective_id AND u.country_id = cell.country_id
      AND u.state = 'published'
    ORDER BY u.created_at DESC, u.id DESC LIMIT 1
) latest ON TRUE
"""


def published(objectives, countries, period, scope, using=DEFAULT_DB_ALIAS):
    """``ProgressUpdate.objects.published().matrix(objectives, countries, period,
    reported=readable.reported())``
    in one query that costs no more to build than to run: the dashboard's and the
    country page's matrix, for a reader whose ``policy.unpublished_scope`` is
    ``scope`` (``ALL_COUNTRIES``, one country's id, or None: nothing counts as
    reported) and whose readable updates are ``readable``. Each cell's update holds
    its status and period; its other fields load if asked for. ``matrix`` stays the
    reference (tests compare the two) and serves the briefs' dates in the past."""
    objectives = list(objectives)
    params = {  # one entry per cell, row by row
        "objectives": [objective.pk for objective in objectives for _ in countries],
        "countries": [country.pk for _ in objectives for country in countries],
        "period": period.pk if period else None,
        "all": scope is ALL_COUNTRIES,
        "own": scope if isinstance(scope, int) else None,
    }
    with connections[using].cursor() as cursor:
        cursor.execute(PUBLISHED_MATRIX_SQL, params)
        # In cell order; sorted here, not in SQL, where the Sort would sit above the
        # update probes and hide them from the query-plan test.
        cells = iter(row[1:] for row in sorted(cursor.fetchall()))
    rows = []
    for objective in objectives:
        row = []
        for country, (pk, status, period_id, period_name, reported) in zip(
            countries, cells, strict=False
        ):
            latest = None
            if pk is not None:
                latest = _loaded(
                    using,
                    id=pk,
                    objective_id=objective.pk,
                    country_id=country.pk,
                    period_id=period_id,
                    status=status,
                    state=ProgressUpdate.State.PUBLISHED,
                )
                latest.period = ReportingPeriod.from_db(
                    using, ["id", "name"], [period_id, period_name]
                )
            row.append((country, latest, scope is not None and reported))
        rows.append((objective, row))
    return rows


def _loaded(using, **values):
    """An update as the ORM builds it from a row holding these fields only (the
    rest deferred: read from the database if asked for)."""
    names = [f.attname for f in ProgressUpdate._meta.concrete_fields if f.attname in values]
    return ProgressUpdate.from_db(using, names, [values[name] for name in names])


class DashboardOverview:
    """The dashboard's matrix, distribution and missing list for one reader: what its
    cached fragments show, each part computed on first use."""

    def __init__(self, request):
        self.request = request
        self.user = request.user

    @cached_property
    def frame(self):
        """The current objective set, its active objectives, the member countries and
        the current period: reference data, kept per reference stamp and day, so that
        after a publication only the matrix itself is read again."""
        return fragments.cached("dashboard-frame", self.request, self._read_frame)

    @staticmethod
    def _read_frame():
        objectives = current_objectives()
        objective_set = objectives[0].objective_set if objectives else None
        return {
            "objective_set": objective_set,
            "objectives": objectives,
            "countries": list(Country.objects.members()),
            "period": ReportingPeriod.objects.current_for(objective_set),
        }

    @property
    def objective_set(self):
        return self.frame["objective_set"]

    @property
    def countries(self):
        return self.frame["countries"]

    @property
    def period(self):
        return self.frame["period"]

    @cached_property
    def rows(self):
        # The matrix is the published record; a cell counts as reported once submitted.
        return matrix_rows(
            published(
                self.frame["objectives"],
                self.countries,
                self.period,
                policy.unpublished_scope(self.user),
            )
        )

    @cached_property
    def cells(self):
        return [cell for _, row in self.rows for cell in row]

    @cached_property
    def missing(self):
        if self.period is None:
            return []
        return [
            (objective, cell.country)
            for objective, row in self.rows
            for cell in row
            if not cell.reported
        ]

    @cached_property
    def status_totals(self):
        totals = Counter(cell.update.status for cell in self.cells if cell.update)
        return [(status, totals[status]) for status in ProgressUpdate.Status]

    @cached_property
    def no_update_total(self):
        return sum(1 for cell in self.cells if cell.update is None)

    @cached_property
    def status_chart(self):
        # Drawn from the counts above: no extra query.
        return charts.status_distribution(self.status_totals, self.no_update_total)

    @cached_property
    def legend(self):
        return charts.legend()


class CountryLatest:
    """A country's newest published update on each active objective of the current set."""

    def __init__(self, country, user):
        self.country = country
        self.user = user

    @cached_property
    def objectives(self):
        # A partner country's page shows the objectives it is named on, no others.
        objectives = current_objectives()
        if self.country.membership == Country.Membership.PARTNER:
            named = set(policy.objectives_open_to(self.country).values_list("pk", flat=True))
            objectives = [objective for objective in objectives if objective.pk in named]
        return objectives

    @property
    def objective_set(self):
        return self.objectives[0].objective_set if self.objectives else None

    @cached_property
    def rows(self):
        matrix = published(
            self.objectives, [self.country], None, policy.unpublished_scope(self.user)
        )
        return [(objective, cells[0][1]) for objective, cells in matrix]


class MatrixCell(NamedTuple):
    country: Country
    update: ProgressUpdate | None
    reported: bool
    href: str  # the updates list filtered to this cell
    label: str  # what the link is about, for screen readers


def matrix_rows(matrix):
    """The dashboard's cells with their link and its spoken label: built here once
    rather than by a url tag and a blocktranslate in each of the template's cells."""
    base = reverse("update_list")
    about = _("%(country)s: updates on objective %(number)s")
    return [
        (
            objective,
            [
                MatrixCell(
                    country,
                    update,
                    reported,
                    f"{base}?{urlencode({'objective': objective.pk, 'country': country.code})}",
                    about % {"country": country.local_name, "number": objective.number},
                )
                for country, update, reported in row
            ],
        )
        for objective, row in matrix
    ]


def current_objectives():
    """The active objectives of the current set (the newest with any), in statement
    order, each with its set: one query."""
    return list(
        Objective.objects.filter(
            is_active=True, objective_set=ObjectiveSet.objects.newest_active().values("pk")[:1]
        )
        .select_related("objective_set__adopted_at")
        .order_by("number")
    )
