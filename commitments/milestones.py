"""A country's milestones on an objective: adding and changing them (its officials only,
audited), and which are met (marked so in a published update) or overdue (due before
today and not met), for every page that shows an objective."""

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, CharField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import audit, policy
from commitments.models import Milestone, ProgressUpdate

EDITABLE_FIELDS = ("title", "due_on", "owner")


def _first_mark_sql(milestone, published_before=None):
    """SQL and parameters: the name of the period of the first published update (first
    recorded) that marks ``milestone`` (a table or alias) met, published before
    ``published_before`` when given; NULL while none does. What "met" means, written
    once: the ORM's annotations (``with_progress``) and the dashboard's own read
    (``by_cell``) both use it."""
    sql = (
        "(SELECT period.name FROM commitments_milestonemet mark"  # noqa: S608
        " JOIN commitments_progressupdate marking ON marking.id = mark.update_id"
        " JOIN commitments_reportingperiod period ON period.id = marking.period_id"
        f" WHERE mark.milestone_id = {milestone}.id AND marking.state = %s"
    )
    params = [ProgressUpdate.State.PUBLISHED.value]
    if published_before is not None:
        sql += " AND marking.published_at < %s"
        params.append(published_before)
    return sql + " ORDER BY mark.id LIMIT 1)", params


def _progress_sql(milestone, published_before=None, today=None, first=None):
    """``{name: (SQL, parameters)}``: ``met``, ``met_in`` and, given ``today``,
    ``is_overdue`` (not met, and due before ``today``) of ``milestone``; ``first`` is a
    column holding its first mark's period name, when the query reads it once (a
    lateral join), otherwise the subquery is written in each."""
    if first is None:
        first, params = _first_mark_sql(milestone, published_before)
    else:
        params = []
    found = {"met_in": (first, params), "met": (f"({first} IS NOT NULL)", params)}
    if today is not None:
        found["is_overdue"] = (
            f"({first} IS NULL AND {milestone}.due_on < %s)",
            [*params, today],
        )
    return found


def with_progress(milestones, published_before=None, today=None):
    """``milestones`` annotated with ``met`` (a published update marks it, published
    before ``published_before`` when given), ``met_in`` (the name of the period of the
    update that first marked it) and, given ``today``, ``is_overdue`` (not met, and due
    before)."""
    fields = {"met_in": CharField(), "met": BooleanField(), "is_overdue": BooleanField()}
    table = connection.ops.quote_name(Milestone._meta.db_table)
    return milestones.annotate(
        **{
            name: RawSQL(sql, params, output_field=fields[name])  # noqa: S611 (ours)
            for name, (sql, params) in _progress_sql(table, published_before, today).items()
        }
    )


@dataclass
class CellMilestones:
    """One objective and country's milestones: how many are met, and those overdue."""

    milestones: list = field(default_factory=list)

    @property
    def total(self):
        return len(self.milestones)

    @property
    def met(self):
        return sum(1 for milestone in self.milestones if milestone.met)

    @property
    def overdue(self):
        return [milestone for milestone in self.milestones if milestone.is_overdue]


def by_cell(objectives, countries, today=None, published_before=None):
    """``{(objective id, country id): CellMilestones}`` for every cell of ``objectives`` ×
    ``countries`` that has milestones (met as of ``published_before`` when given, overdue
    as of ``today``): one query, written in SQL (every page with a matrix reads it, and
    the ORM took longer to write this query than the database to answer it)."""
    today = today or timezone.localdate()
    # The first mark read once per milestone, in a lateral join: written in each column,
    # it took the planner three times as long as the database took to answer.
    first, first_params = _first_mark_sql("m", published_before)
    progress = _progress_sql("m", today=today, first="first_mark.name")
    columns = ", ".join(f"{sql} AS {name}" for name, (sql, _params) in progress.items())
    params = [value for _sql, values in progress.values() for value in values]
    rows = Milestone.objects.raw(
        f"SELECT m.*, {columns} FROM {Milestone._meta.db_table} m"  # noqa: S608
        f" LEFT JOIN LATERAL {first} first_mark ON TRUE"
        " WHERE m.objective_id = ANY(%s) AND m.country_id = ANY(%s)",
        [
            *params,
            *first_params,
            [objective.pk for objective in objectives],
            [country.pk for country in countries],
        ],
    )
    found = {}
    # Ordered here: a Sort in SQL would sit above the lateral probes of the update table
    # (tests/performance/test_query_plans.py); a cell has a handful of milestones.
    for milestone in sorted(rows, key=lambda milestone: (milestone.due_on, milestone.pk)):
        found.setdefault(
            (milestone.objective_id, milestone.country_id), CellMilestones()
        ).milestones.append(milestone)
    return found


def of_objective(objective, countries, today=None):
    """``[(country, CellMilestones)]`` for each of ``countries`` with milestones on the
    objective, in the countries' order (one query)."""
    cells = by_cell([objective], countries, today)
    return [
        (country, cells[(objective.pk, country.pk)])
        for country in countries
        if (objective.pk, country.pk) in cells
    ]


def _values(milestone):
    return {
        "title": milestone.title,
        "due_on": milestone.due_on.isoformat(),
        "owner": milestone.owner,
    }


class DuplicateTitle(Exception):
    """The country already has a milestone of this title on the objective."""


def add(*, actor, objective, country, title, due_on, owner):
    """One of the country's officials adds a milestone to an objective (audited)."""
    policy.may_plan_for.check(actor, objective, country)
    milestone = Milestone(
        objective=objective, country=country, title=title, due_on=due_on, owner=owner
    )
    milestone.full_clean(exclude=["objective", "country"], validate_constraints=False)
    try:
        with transaction.atomic():
            milestone.save()
            audit.record(
                actor=actor,
                action=audit.Action.MILESTONE_ADDED,
                target=milestone,
                changes={name: [None, value] for name, value in _values(milestone).items()},
            )
    except IntegrityError:
        raise DuplicateTitle(_("This country already has a milestone of this title.")) from None
    return milestone


def change(*, actor, milestone, title, due_on, owner):
    """One of the country's officials changes a milestone's title, due date or owner."""
    policy.may_plan_for.check(actor, milestone.objective, milestone.country)
    try:
        with transaction.atomic():
            current = Milestone.objects.select_for_update().get(pk=milestone.pk)
            before = _values(current)
            current.title, current.due_on, current.owner = title, due_on, owner
            current.full_clean(exclude=["objective", "country"], validate_constraints=False)
            current.save(update_fields=list(EDITABLE_FIELDS))
            after = _values(current)
            changes = {
                name: [before[name], after[name]] for name in before if before[name] != after[name]
            }
            if changes:
                audit.record(
                    actor=actor,
                    action=audit.Action.MILESTONE_CHANGED,
                    target=current,
                    changes=changes,
                )
    except IntegrityError:
        raise DuplicateTitle(_("This country already has a milestone of this title.")) from None
    return current
