"""A country's milestones on an objective: adding and changing them (its officials only,
audited), and which are met (marked so in a published update) or overdue (due before
today and not met), for every page that shows an objective."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import audit, policy
from commitments.models import Milestone, MilestoneMet, ProgressUpdate

EDITABLE_FIELDS = ("title", "due_on", "owner")


def _published_marks(published_before=None):
    marks = MilestoneMet.objects.filter(
        milestone=OuterRef("pk"), update__state=ProgressUpdate.State.PUBLISHED
    )
    if published_before is not None:
        marks = marks.filter(update__published_at__lt=published_before)
    return marks


def with_progress(milestones, published_before=None, today=None):
    """``milestones`` annotated with ``met`` (a published update marks it, published
    before ``published_before`` when given), ``met_in`` (the name of the period of the
    update that first marked it) and, given ``today``, ``is_overdue`` (not met, and due before)."""
    marks = _published_marks(published_before)
    # The first mark recorded: ordered by its own key, never sorting updates.
    first = marks.order_by("pk")
    milestones = milestones.annotate(
        met=Exists(marks),
        met_in=Subquery(first.values("update__period__name")[:1]),
    )
    if today is not None:
        milestones = milestones.annotate(
            is_overdue=Case(
                When(met=False, due_on__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    return milestones


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
    as of ``today``): one query."""
    today = today or timezone.localdate()
    found = {}
    rows = with_progress(
        Milestone.objects.filter(
            objective__in=[objective.pk for objective in objectives],
            country__in=[country.pk for country in countries],
        ),
        published_before,
        today,
    ).order_by("due_on", "pk")
    for milestone in rows:
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
