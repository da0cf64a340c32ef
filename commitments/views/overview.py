"""The dashboard: where every objective stands in every country, what is missing, and
what happened last, for the year asked for; two years side by side; and every country's
timeliness on a set."""

import re

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import (
    assessments,
    exports,
    fragments,
    handling,
    partners,
    policy,
    services,
    timeliness,
    years,
)
from commitments.matrix import DashboardOverview, matrix_rows, published
from commitments.models import (
    ObjectiveLink,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)


@policy.requires(policy.has_role)
@policy.methods("GET")
def dashboard(request):
    user = request.user
    overview = DashboardOverview(request)
    # Reference data kept per year asked for: no query when it is cached.
    if overview.frame.unknown_year:
        return year_unknown(request, overview.frame)
    drafts = fragments.own_drafts(request)
    context = {
        # The overview is the same for every reader with the same scope: cached, keyed by
        # the data stamps, and computed only when a fragment has to be drawn.
        "overview": overview,
        "frame": overview.frame,
        # Partners' published contributions, read only when their fragment is drawn.
        "partner_contributions": lambda: partners.latest_contributions(
            overview.frame.partnered_objectives
        ),
        # The secretariat's final assessments of the set, read only when drawn.
        "compliance": lambda: assessments.published_compliance(
            overview.frame.objective_set, overview.frame.objectives, overview.frame.countries
        ),
        "recent": recent_activity(request),
        "awaiting_review": (
            ProgressUpdate.objects.review_queue().count() if policy.may_review(user) else None
        ),
        "needing_action": drafts[0] if drafts is not None else None,
    }
    return render(request, "commitments/dashboard.html", context)


def year_unknown(request, frame):
    """A year no set has (or no year at all): say so, and list the years there are."""
    return render(
        request,
        "commitments/year_unknown.html",
        {"frame": frame, "asked": request.GET.get("year", "")[:20]},
        status=404,
    )


def recent_activity(request, count=10):
    """The updates the reader may see that changed last (written, edited, submitted,
    reviewed), latest first as their dates show; each drawn once per row version."""
    visible = policy.readable_updates(request.user)
    return fragments.fill_rows(
        request,
        visible.last_changed_first().only("pk", "version")[:count],
        "activity-item",
        visible.select_related("objective", "country", "author", "period"),
    )


@policy.requires(policy.may_oversee_the_cycle)
@policy.methods("GET")
def compare_years(request):
    """Two sets' matrices side by side (``?a=2024&b=2025``; by default the two newest),
    objectives aligned by the continuity recorded between them, otherwise by number."""
    sets = years.all_sets()
    asked = {side: years.requested_value(request.GET.get(side, "")) for side in ("a", "b")}
    defaults = [s.year for s in sets[:2]][::-1]
    if asked["a"] is None and asked["b"] is None and len(defaults) == 2:
        asked = {"a": defaults[0], "b": defaults[1]}
    chosen = {
        side: years.choose(sets, year) if year is not None else None for side, year in asked.items()
    }
    unknown = [
        request.GET.get(side, "")[:20]
        for side in ("a", "b")
        if asked[side] is not None and chosen[side] is None
    ]
    scope = policy.unpublished_scope(request.user)
    countries = list(years.member_countries())
    columns = {}  # side -> [(objective, cells)] in statement order
    for side, objective_set in chosen.items():
        if objective_set is not None:
            objectives = years.objectives_of(objective_set)
            columns[side] = matrix_rows(published(objectives, countries, None, scope))
    rows = aligned(columns.get("a", []), columns.get("b", []))
    context = {
        "sets": sets,
        "a": chosen["a"],
        "b": chosen["b"],
        "countries": countries,
        "rows": rows,
        "unknown": unknown,
    }
    return render(
        request, "commitments/compare_years.html", context, status=404 if unknown else 200
    )


def aligned(left, right):
    """Rows ``(label, [(objective, cells) or (None, None), ...])`` of two sets' matrices:
    each objective beside the one of the other set it continues (or that continues it:
    ``ObjectiveLink``, read in one query), the rest by number. An objective split into
    several is on the row of each; the label says which numbers meet ("5 → 4")."""
    empty = (None, None)
    links = set(
        ObjectiveLink.objects.filter(
            Q(objective__in=[o for o, _ in left], earlier__in=[o for o, _ in right])
            | Q(objective__in=[o for o, _ in right], earlier__in=[o for o, _ in left])
        ).values_list("objective_id", "earlier_id")
    )

    def linked(a, b):
        return (a.pk, b.pk) in links or (b.pk, a.pk) in links

    rows, placed = [], set()
    for a, cells in left:
        matches = [(b, b_cells) for b, b_cells in right if linked(a, b)]
        matches = matches or [
            (b, b_cells) for b, b_cells in right if b.number == a.number and not links
        ]
        for b, b_cells in matches or [empty]:
            label = a.number if b is None or b.number == a.number else f"{a.number} → {b.number}"
            rows.append((label, [(a, cells), (b, b_cells)]))
            if b is not None:
                placed.add(b.pk)
    rows += [(b.number, [empty, (b, b_cells)]) for b, b_cells in right if b.pk not in placed]
    return rows


@policy.requires(policy.may_oversee_the_cycle)
@policy.methods("GET")
def timeliness_report(request):
    """Every member country's timeliness on a set, period by period."""
    year = years.requested(request)
    frame = fragments.cached("dashboard-frame", request, lambda: years.read_frame(year))
    if frame.unknown_year:
        return year_unknown(request, frame)
    of_set = timeliness.of_set(
        frame.objective_set,
        frame.objectives,
        frame.countries,
        policy.unpublished_scope(request.user),
    )
    countries = [
        (
            of_set.summary(country),
            of_set.by_period(frame.objectives, country),
            [(objective, of_set.row(objective, country)) for objective in frame.objectives],
        )
        for country in frame.countries
    ]
    context = {
        "frame": frame,
        "summaries": of_set.summaries(frame.countries),
        "periods": of_set.periods,
        "countries": countries,
        "labels": timeliness.LABELS,
    }
    return render(request, "commitments/timeliness.html", context)


# Deciding which set every page opens on is part of overseeing the cycle, as reviewing is.
@policy.coordinators_may_post
@policy.requires(policy.may_oversee_the_cycle)
@policy.methods("POST")
def open_dashboard_on(request, year):
    """Every page opens on this year's set from now on (audited in the service)."""
    objective_set = get_object_or_404(ObjectiveSet, year=year)
    services.open_dashboard_on(actor=request.user, objective_set=objective_set)
    messages.success(
        request,
        _("Every page now opens on %(set)s; the other years stay one click away.")
        % {"set": objective_set},
    )
    return redirect("dashboard")


@policy.requires(policy.has_role)
@policy.methods("GET")
def matrix_export(request, fmt):
    """The status matrix of one reporting period, objectives by countries, as a file:
    ``?period=<id>`` (a period of the set asked for), by default the current period of
    the set asked for (``?year=``, else the one the dashboard opens on). Published
    reports only, for every reader with a role."""
    year = years.requested(request)
    if year == years.NOT_A_YEAR:
        return refused(request, _("Give the year as four digits."))
    period_given = request.GET.get("period", "").strip()
    if period_given:
        if not re.fullmatch("[0-9]{1,18}", period_given):
            return refused(request, _("Choose a reporting period from the list."))
        period = (
            ReportingPeriod.objects.select_related("objective_set")
            .filter(pk=int(period_given))
            .first()
        )
        if period is None:
            return refused(request, _("Choose a reporting period from the list."))
        if year is not None and period.objective_set.year != year:
            return refused(
                request,
                _("That reporting period belongs to the objectives for %(year)s.")
                % {"year": period.objective_set.year},
            )
        objective_set = period.objective_set
    else:
        frame = years.read_frame(year)
        if frame.unknown_year or frame.objective_set is None:
            return year_unknown(request, frame)
        objective_set, period = frame.objective_set, frame.period
        if period is None:
            return refused(request, _("The objectives for this year have no reporting period."))
    filename = f"nadd-matrix-{period.name}-{timezone.now():%Y%m%d-%H%M}"
    filename = re.sub("[^A-Za-z0-9-]+", "-", filename)
    marking = handling.marking_for(request)
    return exports.matrix_response(fmt, objective_set, period, filename, marking=marking)


def refused(request, reason):
    return render(request, "400.html", {"reason": reason}, status=400)
