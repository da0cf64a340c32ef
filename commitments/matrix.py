"""The status matrix, objectives by countries: each cell's status (that of its latest
reporting period) and whether its current period is reported, as the dashboard and the
country page show it, for the set the reader chose (commitments/years.py)."""

from collections import Counter
from functools import partial
from typing import NamedTuple
from urllib.parse import urlencode

from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from commitments import charts, fragments, milestones, policy, timeliness, years
from commitments.models import (
    ALL_COUNTRIES,
    Country,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.planning import StoredQuery

# The dashboard's matrix in one statement: for each (objective, country) cell, the status
# of its latest reporting period: the objective's set's periods, latest first (an index
# scan of period_set_latest), each probed for its newest published update (upd_period_cell_
# latest) until one has any; so a correction filed later for an earlier period never
# overrides a later one (ProgressUpdateQuerySet.latest_period_first is the same order).
# And whether the reader can see an update handed in for the period (a probe on
# upd_period_cell_latest): a published one, or a submitted one of a country in the
# reader's scope (``%(all)s`` and ``%(own)s``, from the ``scope`` argument, which
# policy.unpublished_scope gives). Plain SQL because the ORM builds the same correlated
# subqueries one expression per country, and compiling them cost more than running them;
# kept in the database as a function, planned once per connection (planning.StoredQuery).
PUBLISHED_MATRIX_SQL = """
SELECT cell.position, latest.id, latest.status, latest.period_id, latest.period_name,
    EXISTS (SELECT 1 FROM commitments_progressupdate u
     WHERE u.period_id = %(period)s
       AND u.objective_id = cell.objective_id AND u.country_id = cell.country_id
       AND (u.state = 'published'
            OR (u.state = 'submitted' AND (%(all)s OR u.country_id = %(own)s))))
FROM unnest(%(objectives)s::bigint[], %(countries)s::bigint[], %(sets)s::bigint[])
    WITH ORDINALITY AS cell (objective_id, country_id, set_id, position)
LEFT JOIN LATERAL (
    SELECT u.id, u.status, p.id AS period_id, p.name AS period_name
    FROM commitments_reportingperiod p
    CROSS JOIN LATERAL (
        SELECT u.id, u.status FROM commitments_progressupdate u
        WHERE u.period_id = p.id
          AND u.objective_id = cell.objective_id AND u.country_id = cell.country_id
          AND u.state = 'published'
        ORDER BY u.created_at DESC, u.id DESC LIMIT 1
    ) u
    WHERE p.objective_set_id = cell.set_id
    ORDER BY p.starts_on DESC, p.id DESC LIMIT 1
) latest ON TRUE
"""


PUBLISHED_MATRIX = StoredQuery(
    "published_matrix",
    PUBLISHED_MATRIX_SQL,
    parameters=(
        ("objectives", "bigint[]"),
        ("countries", "bigint[]"),
        ("sets", "bigint[]"),
        ("period", "bigint"),
        ("all", "boolean"),
        ("own", "bigint"),
    ),
    columns=(
        ("cell_position", "bigint"),
        ("update_id", "bigint"),
        ("status", "varchar"),
        ("period_id", "bigint"),
        ("period_name", "varchar"),
        ("reported", "boolean"),
    ),
)


def published_cells(objectives, countries, period, scope, using=DEFAULT_DB_ALIAS):
    """The matrix of ``published`` as plain values, cell by cell (objective by objective,
    each country in order): ``(update id, status, period id, period name, reported)``,
    the update's fields None where the cell has no published update. One query; what a
    page that draws its rows from the cache needs, without building a model per cell."""
    objectives = list(objectives)
    params = {  # one entry per cell, row by row
        "objectives": [objective.pk for objective in objectives for _ in countries],
        "countries": [country.pk for _ in objectives for country in countries],
        "sets": [objective.objective_set_id for objective in objectives for _ in countries],
        "period": period.pk if period else None,
        "all": scope is ALL_COUNTRIES,
        "own": scope if isinstance(scope, int) else None,
    }
    with connections[using].cursor() as cursor:
        PUBLISHED_MATRIX.execute(cursor, params)
        # In cell order; sorted here, not in SQL, where the Sort would sit above the
        # update probes and hide them from the query-plan test.
        return [(*row[1:5], scope is not None and row[5]) for row in sorted(cursor.fetchall())]


def published(objectives, countries, period, scope, using=DEFAULT_DB_ALIAS):
    """``ProgressUpdate.objects.published().matrix(objectives, countries, period,
    reported=readable.reported())``
    in one query that costs no more to build than to run: the dashboard's and the
    country page's matrix, for a reader whose ``policy.unpublished_scope`` is
    ``scope`` (``ALL_COUNTRIES``, one country's id, or None: nothing counts as
    reported) and whose readable updates are ``readable``. Each cell's update holds
    its status and period; its other fields load if asked for. ``matrix`` stays the
    reference (tests compare the two); the briefs' dates in the past are
    ``snapshots.latest_published``."""
    objectives = list(objectives)
    cells = published_cells(objectives, countries, period, scope, using)
    return [
        (objective, _published_row(objective, countries, values, using))
        for objective, values in _by_objective(objectives, countries, cells)
    ]


def _by_objective(objectives, countries, cells):
    """``(objective, its cells)`` for cells listed objective by objective, each country
    in order (``published_cells``)."""
    width = len(countries)
    return [
        (objective, cells[index * width : (index + 1) * width])
        for index, objective in enumerate(objectives)
    ]


def _published_row(objective, countries, cells, using=DEFAULT_DB_ALIAS):
    """One objective's ``(country, update or None, reported)`` from its cells as
    ``published_cells`` read them."""
    return [
        (country, _latest(using, objective, country, *cell[:4]), cell[4])
        for country, cell in zip(countries, cells, strict=True)
    ]


def _latest(using, objective, country, pk, status, period_id, period_name):
    """A cell's published update as ``published_cells`` read it (None for none): its
    status and period, its other fields deferred."""
    if pk is None:
        return None
    latest = _loaded(
        using,
        id=pk,
        objective_id=objective.pk,
        country_id=country.pk,
        period_id=period_id,
        status=status,
        state=ProgressUpdate.State.PUBLISHED,
    )
    latest.period = ReportingPeriod.from_db(using, ["id", "name"], [period_id, period_name])
    return latest


def _loaded(using, **values):
    """An update as the ORM builds it from a row holding these fields only (the
    rest deferred: read from the database if asked for)."""
    names = [f.attname for f in ProgressUpdate._meta.concrete_fields if f.attname in values]
    return ProgressUpdate.from_db(using, names, [values[name] for name in names])


class DashboardOverview:
    """The dashboard's matrix, distribution, timeliness and missing list for one reader
    and one set (the year asked for, or the one the dashboard opens on): what its cached
    fragments show, each part computed on first use."""

    def __init__(self, request):
        self.request = request
        self.user = request.user

    @cached_property
    def frame(self):
        """The set asked for, every set's year, its objectives, the member countries and
        the current period: reference data, kept per reference stamp, day and year asked
        for, so that after a publication only the matrix itself is read again."""
        year = years.requested(self.request)
        return fragments.cached("dashboard-frame", self.request, lambda: years.read_frame(year))

    @property
    def objective_set(self):
        return self.frame.objective_set

    @property
    def countries(self):
        return self.frame.countries

    @property
    def period(self):
        return self.frame.period

    @cached_property
    def timeliness(self):
        """On time, late and overdue reports of every period of the set (one query)."""
        return timeliness.of_set(
            self.objective_set,
            self.frame.objectives,
            self.countries,
            policy.unpublished_scope(self.user),
        )

    @cached_property
    def published(self):
        """Each cell's latest published status, as plain values (``published_cells``):
        the matrix is the published record; a cell counts as reported once submitted."""
        return published_cells(
            self.frame.objectives,
            self.countries,
            self.period,
            policy.unpublished_scope(self.user),
        )

    @cached_property
    def drawn_rows(self):
        """The rows as the dashboard draws them (``MatrixRow``): what each shows, in plain
        values, which its fragment is keyed by (``fragments.MATRIX_ROW``): each cell's
        update, status, period, whether it counts as reported, its overdue periods and
        its milestones (met, total, overdue). The cells themselves (links, labels, the
        updates as models) are built only for a row that is drawn. The milestones are
        read in one query and kept where the template's ``cell_milestones`` looks."""
        found = milestones.by_cell(self.frame.objectives, self.countries)
        self._milestones = found
        empty = milestones.CellMilestones()
        rows = []
        for objective, values in _by_objective(
            self.frame.objectives, self.countries, self.published
        ):
            overdue = [self.timeliness.overdue(objective, country) for country in self.countries]
            shown = tuple(
                (
                    country.pk,
                    *cell[:3],
                    cell[4],
                    tuple(period.pk for period in late),
                    (marks.met, marks.total, len(marks.overdue)),
                )
                for country, cell, late, marks in zip(
                    self.countries,
                    values,
                    overdue,
                    (found.get((objective.pk, country.pk), empty) for country in self.countries),
                    strict=True,
                )
            )
            rows.append(MatrixRow(objective, shown, partial(self._cells_of, objective, values)))
        return rows

    @property
    def rows(self):
        """``(objective, [MatrixCell])`` for each objective: every row's cells, built."""
        return [(row.objective, row.cells) for row in self.drawn_rows]

    def _cells_of(self, objective, values):
        """One row's ``MatrixCell``s, built when the row is drawn."""
        [(_objective, cells)] = matrix_rows(
            [(objective, _published_row(objective, self.countries, values))], self.timeliness
        )
        return cells

    @cached_property
    def missing(self):
        """Every objective–country pair with nothing handed in for a period whose
        deadline has passed (all periods of the set), then those still owed for the
        current period, each with the reader's country's draft for it, if any."""
        if self.period is None:
            return []
        own = policy.SiteAbilities(self.user).write_for
        return [
            MissingReport(
                objective,
                country,
                period,
                overdue,
                self.drafts.get((objective.pk, period.pk)) if country.pk == own else None,
            )
            for objective, country, period, overdue in self.timeliness.missing(
                self.frame.objectives, self.countries, self.period
            )
        ]

    @cached_property
    def summaries(self):
        """Each member country's timeliness on the set."""
        return self.timeliness.summaries(self.countries)

    @cached_property
    def status_totals(self):
        totals = Counter(status for pk, status, *_rest in self.published if pk is not None)
        return [(status, totals[status]) for status in ProgressUpdate.Status]

    @cached_property
    def chart_shown(self):
        """What the status chart shows, in plain values (its fragment's key)."""
        return (
            [(str(status), count) for status, count in self.status_totals],
            self.no_update_total,
        )

    @cached_property
    def summaries_shown(self):
        """What the timeliness table shows, in plain values (its fragment's key)."""
        return [
            (summary.country.pk, sorted(summary.counts.items(), key=str))
            for summary in self.summaries
        ]

    @cached_property
    def no_update_total(self):
        return sum(1 for pk, *_rest in self.published if pk is None)

    @cached_property
    def status_chart(self):
        # Drawn from the counts above: no extra query.
        return charts.status_distribution(self.status_totals, self.no_update_total)

    @cached_property
    def legend(self):
        return charts.legend()

    @cached_property
    def drafts(self):
        """The reader's country's open drafts and returned updates on this set's
        objectives, by (objective, period): what "Write update" links to instead of
        starting another one. One query, only for an official."""
        return drafts_by_cell(self.user, self.frame.objectives)


def _editable_on(user, objectives):
    """The official's country's drafts and returned updates on ``objectives``; None for a
    reader who writes none, or no objectives."""
    if not policy.may_write_updates(user) or not objectives:
        return None
    return policy.editable_updates(user).filter(
        objective__in=[objective.pk for objective in objectives]
    )


def drafts_by_cell(user, objectives):
    """``{(objective id, period id): update}``: the editable updates (drafts and returned
    ones) of the official's country on ``objectives``, the newest edit of each cell."""
    editable = _editable_on(user, objectives)
    if editable is None:
        return {}
    # One row per cell, chosen in the database in the order of upd_needing_action_cell (a
    # returned update before a draft, then the newest edit): a country may hold many
    # drafts, and only one per cell is shown.
    cells = (
        editable.order_by("country_id", "objective_id", "period_id", "-state", "-updated_at")
        .distinct("country_id", "objective_id", "period_id")
        .only("pk", "objective_id", "period_id", "state", "updated_at")
    )
    return {(update.objective_id, update.period_id): update for update in cells}


def started_cells(user, objectives):
    """``{(objective id, period id)}``: the cells of ``objectives`` where the official's
    country has a draft or a returned update (``drafts_by_cell``'s cells, without reading
    the updates: one walk of upd_needing_action_cell)."""
    editable = _editable_on(user, objectives)
    if editable is None:
        return set()
    return set(
        editable.order_by("objective_id", "period_id")
        .values_list("objective_id", "period_id")
        .distinct()
    )


class CountryLatest:
    """A country's status on each objective of a set (the year asked for, or the one the
    dashboard opens on): its latest reporting period's, with the periods it is overdue
    for and its timeliness."""

    def __init__(self, country, request):
        self.country = country
        self.request = request
        self.user = request.user

    @cached_property
    def frame(self):
        year = years.requested(self.request)
        if policy.may_act_for(self.user, self.country):
            # Its own officials' page lists what is owed for the current period: the
            # whole frame, with that period, as the dashboard keeps it.
            return fragments.cached("dashboard-frame", self.request, lambda: years.read_frame(year))
        return fragments.cached(
            "set-frame", self.request, lambda: years.read_frame(year, whole=False)
        )

    @property
    def objective_set(self):
        return self.frame.objective_set

    @cached_property
    def objectives(self):
        # A partner country's page shows the objectives it is named on, no others.
        objectives = self.frame.objectives
        if self.country.membership == Country.Membership.PARTNER:
            named = set(policy.objectives_open_to(self.country).values_list("pk", flat=True))
            objectives = [objective for objective in objectives if objective.pk in named]
        return objectives

    @cached_property
    def timeliness(self):
        """The country's timeliness on the set; none for a partner, which is never
        counted as missing."""
        if self.country.membership != Country.Membership.MEMBER:
            return timeliness.SetTimeliness()
        return timeliness.of_set(
            self.objective_set,
            self.objectives,
            [self.country],
            policy.unpublished_scope(self.user),
        )

    @cached_property
    def summaries(self):
        """The country's timeliness on the set (counts and completion rate), as a list
        for the summary table."""
        return [self.timeliness.summary(self.country)]

    @cached_property
    def rows(self):
        """``(objective, update, overdue periods)`` for each objective."""
        matrix = published(
            self.objectives, [self.country], None, policy.unpublished_scope(self.user)
        )
        return [
            (objective, cells[0][1], self.timeliness.overdue(objective, self.country))
            for objective, cells in matrix
        ]

    @cached_property
    def owed_timeliness(self):
        """The timeliness its own officials owe reports by: the country's, and for a
        partner (never counted as missing elsewhere) that on the objectives naming it."""
        if self.country.membership == Country.Membership.MEMBER:
            return self.timeliness
        return timeliness.of_set(
            self.objective_set,
            self.objectives,
            [self.country],
            policy.unpublished_scope(self.user),
        )

    @cached_property
    def not_started(self):
        """For the country's own officials: each report overdue in any period of the set,
        then each still owed for the current period, that nobody of the country has
        started (a draft or returned update of it is in their list of drafts instead),
        as ``MissingReport``s, each with the period to write it for."""
        current = self.frame.period  # set for its own officials only (``frame``)
        if current is None:
            return []
        started = started_cells(self.user, self.objectives)
        return [
            MissingReport(objective, country, period, overdue, None)
            for objective, country, period, overdue in self.owed_timeliness.missing(
                self.objectives, [self.country], current
            )
            if (objective.pk, period.pk) not in started
        ]


class MissingReport(NamedTuple):
    objective: object
    country: Country
    period: ReportingPeriod
    overdue: bool  # its deadline has passed
    draft: ProgressUpdate | None  # the reader's country's draft for it: edit, not write


class MatrixRow:
    """One objective's row of the dashboard's matrix: ``shown``, what its cells show in
    plain values (its fragment's key), and ``cells``, built on first use."""

    def __init__(self, objective, shown, build):
        self.objective = objective
        self.shown = shown
        self._build = build

    @cached_property
    def cells(self):
        return self._build()


class MatrixCell(NamedTuple):
    country: Country
    update: ProgressUpdate | None
    reported: bool
    href: str  # the updates list filtered to this cell
    label: str  # what the link is about, for screen readers
    overdue: list  # the periods of the set with nothing handed in after their deadline


def matrix_rows(matrix, timeliness_of_set=None):
    """The dashboard's cells with their link, its spoken label and their overdue
    periods: built here once rather than by a url tag and a blocktranslate in each of
    the template's cells."""
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
                    timeliness_of_set.overdue(objective, country) if timeliness_of_set else [],
                )
                for country, update, reported in row
            ],
        )
        for objective, row in matrix
    ]
