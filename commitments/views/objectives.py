"""The objectives: their list by year, and each one's page with every country's reports."""

import functools

from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404, render

from commitments import (
    charts,
    continuity,
    indicators,
    milestones,
    partners,
    policy,
    timeliness,
    years,
)
from commitments.models import (
    Objective,
    ObjectiveSet,
    ProgressUpdate,
)
from commitments.pagination import page_of_rows
from commitments.views.overview import year_unknown


@policy.requires(policy.has_role)
@policy.methods("GET")
def objective_list(request):
    # Read only when the cached list (reference data alone) has to be drawn again, or a
    # year is asked for (which must exist).
    listing = ObjectiveListing(years.requested(request))
    if listing.frame.year is not None and listing.frame.unknown_year:
        return year_unknown(request, listing.frame)
    return render(request, "commitments/objective_list.html", {"listing": listing})


class ObjectiveListing:
    """Every set with its objectives (or the one of the year asked for), and the year
    switch's frame: two queries, on first use."""

    def __init__(self, year):
        self.year = year

    @functools.cached_property
    def frame(self):
        sets = (
            ObjectiveSet.objects.select_related("adopted_at", "reviewed_at")
            .annotate(is_open=years.is_open())
            .order_by("-year")
        )
        sets = list(sets)
        # No year asked for: every set is listed, none is "the" one.
        chosen = years.choose(sets, self.year) if self.year is not None else None
        return years.Frame(year=self.year, sets=sets, objective_set=chosen)

    @functools.cached_property
    def objective_sets(self):
        shown = self.frame.sets if self.year is None else [self.frame.objective_set]
        prefetch_related_objects(
            shown,
            Prefetch(
                "objectives",
                queryset=Objective.objects.select_related("area").order_by("number"),
            ),
        )
        return shown


@policy.requires(policy.has_role)
@policy.methods("GET")
def objective_detail(request, pk):
    objective = get_object_or_404(
        Objective.objects.select_related("objective_set__adopted_at", "area"), pk=pk
    )
    visible = policy.readable_updates(request.user).filter(objective=objective)
    # Read once, and only if a cached fragment that shows them has to be drawn again.
    countries = functools.cache(lambda: list(years.member_countries()))
    context = {
        "objective": objective,
        "page": page_of_rows(
            request,
            visible.newest_first(),
            "update-card",
            visible.select_related("country", "period", "author"),
        ),
        "can_write": policy.may_write_update_for(request.user, objective),
        # Drawn only when its cached fragment is missing (the template calls it).
        "timeline_chart": functools.partial(objective_timeline_chart, objective, countries),
        "objective_timeliness": functools.partial(
            objective_timeliness, objective, countries, policy.unpublished_scope(request.user)
        ),
        "legend": charts.legend,
        # Drawn only when the "objective-continuity" fragment is missing.
        "continuity": functools.partial(ObjectiveContinuity, objective),
        # Drawn only when the "objective-figures" fragment is missing.
        "objective_figures": functools.partial(ObjectiveFigures, objective, countries),
        "can_plan": policy.may_write_updates(request.user)
        and policy.may_plan_for(request.user, objective, request.user.membership.country),
    }
    return render(request, "commitments/objective_detail.html", context)


def objective_timeline_chart(objective, countries):
    """Each member country's published status in each reporting period of the objective's set.

    Two queries whatever the history: the countries (``countries()``, read once per
    request), then the periods, each annotated with
    every country's newest published status (one index probe per cell).
    """
    countries = countries()
    published = ProgressUpdate.objects.published().filter(objective=objective)
    # Sorted here, not in SQL: a sort node over the subqueries would read as a sort over
    # the update table in the query plans, and there are only a handful of periods.
    periods = sorted(
        objective.objective_set.periods.order_by().annotate(
            **{
                f"status_{country.pk}": Subquery(
                    published.filter(country=country, period=OuterRef("pk"))
                    .newest_first()
                    .values("status")[:1]
                )
                for country in countries
            }
        ),
        key=lambda period: period.starts_on,
    )
    statuses = {
        (country.pk, period.pk): getattr(period, f"status_{country.pk}")
        for period in periods
        for country in countries
        if getattr(period, f"status_{country.pk}")
    }
    return charts.status_timeline(countries, periods, statuses)


def objective_timeliness(objective, countries, scope):
    """Each member country's report in each period of the objective's set: on time,
    late, overdue or not due yet (one query, and the countries if not read yet)."""
    countries = countries()
    of_set = timeliness.of_set(objective.objective_set, [objective], countries, scope)
    return {
        "periods": of_set.periods,
        "rows": [(country, of_set.row(objective, country)) for country in countries],
    }


class ObjectiveContinuity:
    """What the objective's page shows of the record around it: the partner countries
    named on it, their latest contributions, the objectives it continues and their
    statuses by year (reference data and published updates only, the same for every
    reader). Two queries for an objective that names no partner and continues nothing."""

    def __init__(self, objective):
        self.objective = objective
        self.partners = list(objective.partners.all())
        self.earlier = list(objective.links_to_earlier.select_related("earlier__objective_set"))
        self.history = continuity.history_by_year(objective) if self.earlier else []
        self.countries = [country for country, _ in self.history[0].cells] if self.history else []
        contributions = partners.latest_contributions([objective]) if self.partners else []
        self.contributions = contributions[0][1] if contributions else []


class ObjectiveFigures:
    """The objective's indicators (each country's published values by period, baseline
    and target, totals where they add up) and each country's milestones (met, overdue):
    published data and the countries' plans, the same for every reader. Five queries
    (indicators, targets, values, milestones, and the countries if not read yet)."""

    def __init__(self, objective, countries):
        countries = countries()
        self.indicators = indicators.of_objective(objective, countries)
        self.milestones = milestones.of_objective(objective, countries)
