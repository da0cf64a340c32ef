"""Which objective set a page shows: the year asked for (``?year=2024``), or else the set
the dashboard opens on (``ObjectiveSet.opens_dashboard``, chosen by an administrator;
adding a set never moves it). Every page that shows a set offers the year switch, a list of
every set's year; several sets stay open for reporting at once (``ObjectiveSet.objects.open``).
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from commitments.models import Country, Objective, ObjectiveSet, ReportingPeriod

# What ``requested`` gives for a ``year`` that is not a year at all.
NOT_A_YEAR = "?"


def requested(request):
    """The year named in the request's ``?year=``: None when none is named (the set the
    dashboard opens on), an int, or ``NOT_A_YEAR``. Part of cached fragments' keys."""
    return requested_value(request.GET.get("year", ""))


def requested_value(value):
    """``requested`` for one value of a query string."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    return NOT_A_YEAR


def member_countries():
    """The countries whose reports are counted (partners never are)."""
    return Country.objects.members()


def is_open():
    """An annotation: whether the set is open (has active objectives)."""
    return Exists(Objective.objects.filter(objective_set=OuterRef("pk"), is_active=True))


def all_sets():
    """Every set, newest first, each annotated with ``is_open``: one query."""
    return list(
        ObjectiveSet.objects.select_related("adopted_at")
        .annotate(is_open=is_open())
        .order_by("-year")
    )


def choose(sets, year):
    """The set of ``year`` among ``sets`` (see ``requested``), or the one the dashboard
    opens on when no year is named: the chosen one, else the newest open one. None when
    there is no such set."""
    if year is None:
        chosen = [s for s in sets if s.opens_dashboard] or [s for s in sets if s.is_open]
        return chosen[0] if chosen else None
    return next((s for s in sets if s.year == year), None)


def objectives_of(objective_set):
    """The objectives a page shows for a set, in statement order, each with its set: the
    active ones of an open set, every one of a closed set (its record). One query."""
    if objective_set is None:
        return []
    objectives = Objective.objects.filter(objective_set=objective_set).order_by("number")
    if getattr(objective_set, "is_open", True):
        objectives = objectives.filter(is_active=True)
    objectives = list(objectives)
    for objective in objectives:
        objective.objective_set = objective_set
    return objectives


@dataclass
class Frame:
    """One set as a page shows it: the year asked for, the set (None for an unknown year
    or none at all), every set for the switch, its objectives, the member countries and
    its current period."""

    year: int | str | None
    sets: list
    objective_set: ObjectiveSet | None
    objectives: list = field(default_factory=list)
    countries: list = field(default_factory=list)
    period: ReportingPeriod | None = None
    # The objectives that name a partner country (ids): only those can have partners'
    # contributions to show, so pages read contributions for them alone.
    partnered: frozenset = frozenset()

    @property
    def partnered_objectives(self):
        return [objective for objective in self.objectives if objective.pk in self.partnered]

    @property
    def unknown_year(self):
        """A year was asked for and no set has it."""
        return self.year is not None and self.objective_set is None

    @property
    def is_default(self):
        """Whether this is the set the dashboard opens on."""
        return self.objective_set is not None and self.objective_set == choose(self.sets, None)


def read_frame(year, whole=True, today=None):
    """The frame for ``year`` (see ``requested``): the sets and the objectives, and when
    ``whole`` which of them name a partner, the member countries and the current period;
    two or five queries."""
    sets = all_sets()
    objective_set = choose(sets, year)
    frame = Frame(year=year, sets=sets, objective_set=objective_set)
    if objective_set is not None:
        frame.objectives = objectives_of(objective_set)
        if whole:
            frame.partnered = frozenset(
                Objective.partners.through.objects.filter(
                    objective__in=[objective.pk for objective in frame.objectives]
                ).values_list("objective_id", flat=True)
            )
            frame.period = ReportingPeriod.objects.current_for(
                objective_set, today or timezone.localdate()
            )
    if whole:
        frame.countries = list(member_countries())
    return frame
