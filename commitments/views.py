from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from commitments import access, charts, services
from commitments.filters import ProgressUpdateFilter
from commitments.forms import ProgressUpdateForm
from commitments.models import (
    Country,
    Meeting,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

PAGE_SIZE = 20


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Readiness: 200 after a database round trip, 503 when the database is unreachable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def dashboard(request):
    access.require_role(request)
    objective_set = ObjectiveSet.objects.current()
    countries = list(Country.objects.members())
    period = ReportingPeriod.objects.current_for(objective_set)
    visible = ProgressUpdate.objects.visible_to(request.user)
    rows = visible.matrix(active_objectives(objective_set), countries, period)
    cells = [cell for _, row in rows for cell in row]
    totals = Counter(latest.status for _, latest, _ in cells if latest)
    context = {
        "objective_set": objective_set,
        "countries": countries,
        "rows": rows,
        "period": period,
        "missing": [
            (objective, country)
            for objective, row in rows
            for country, _, reported in row
            if period and not reported
        ],
        "status_totals": [(status, totals[status]) for status in ProgressUpdate.Status],
        "no_update_total": sum(1 for _, latest, _ in cells if latest is None),
        "recent": visible.newest_first().select_related("objective", "country", "author", "period")[
            :10
        ],
    }
    # The chart is drawn from the counts above: no extra query.
    context["status_chart"] = charts.status_distribution(
        context["status_totals"], context["no_update_total"]
    )
    context["legend"] = charts.legend()
    return render(request, "commitments/dashboard.html", context)


def active_objectives(objective_set):
    """The set's active objectives in statement order (none without a set)."""
    if objective_set is None:
        return Objective.objects.none()
    return objective_set.objectives.filter(is_active=True).order_by("number")


@require_GET
def objective_list(request):
    access.require_role(request)
    sets = ObjectiveSet.objects.select_related("adopted_at", "reviewed_at").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.order_by("number"))
    )
    return render(request, "commitments/objective_list.html", {"objective_sets": sets})


@require_GET
def objective_detail(request, pk):
    access.require_role(request)
    objective = get_object_or_404(
        Objective.objects.select_related("objective_set__adopted_at"), pk=pk
    )
    updates = (
        ProgressUpdate.objects.visible_to(request.user)
        .filter(objective=objective)
        .newest_first()
        .select_related("country", "period", "author")
    )
    page = Paginator(updates, PAGE_SIZE).get_page(request.GET.get("page"))
    membership = access.membership_of(request.user)
    context = {
        "objective": objective,
        "page": page,
        "countries": Country.objects.members(),
        "can_write": membership is not None and membership.is_official and objective.is_active,
    }
    context["timeline_chart"] = objective_timeline_chart(objective, updates)
    context["legend"] = charts.legend()
    return render(request, "commitments/objective_detail.html", context)


def objective_timeline_chart(objective, updates):
    """Each member country's status per reporting period of the objective's set.

    Three queries whatever the history: countries, periods, and the newest update's
    status per (country, period) from the ``updates`` the page may show.
    """
    countries = list(Country.objects.members())
    periods = list(objective.objective_set.periods.order_by("starts_on"))
    newest = (
        updates.order_by("country_id", "period_id", "-created_at", "-id")
        .distinct("country_id", "period_id")
        .values_list("country_id", "period_id", "status")
    )
    statuses = {(country, period): status for country, period, status in newest}
    return charts.status_timeline(countries, periods, statuses)


@require_GET
def country_list(request):
    access.require_role(request)
    countries = Country.objects.annotate(
        update_count=Count("updates"), official_count=Count("memberships", distinct=True)
    )
    return render(request, "commitments/country_list.html", {"countries": countries})


@require_GET
def country_detail(request, code):
    access.require_role(request)
    country = get_object_or_404(Country, code=code.upper())
    objective_set = ObjectiveSet.objects.current()
    visible = ProgressUpdate.objects.visible_to(request.user)
    rows = visible.matrix(active_objectives(objective_set), [country])
    updates = (
        visible.filter(country=country)
        .newest_first()
        .select_related("objective", "period", "author")
    )
    context = {
        "country": country,
        "objective_set": objective_set,
        "rows": [(objective, cells[0][1]) for objective, cells in rows],
        "page": Paginator(updates, PAGE_SIZE).get_page(request.GET.get("page")),
        "meetings": country.meetings.order_by("-start_date"),
    }
    return render(request, "commitments/country_detail.html", context)


@require_GET
def meeting_list(request):
    access.require_role(request)
    meetings = Meeting.objects.prefetch_related("participants")
    return render(request, "commitments/meeting_list.html", {"meetings": meetings})


@require_GET
def meeting_detail(request, pk):
    access.require_role(request)
    meeting = get_object_or_404(Meeting.objects.prefetch_related("participants"), pk=pk)
    objectives = Prefetch("objectives", queryset=Objective.objects.order_by("number"))
    context = {
        "meeting": meeting,
        "adopted": meeting.objective_sets_adopted.prefetch_related(objectives),
        "reviewed": meeting.objective_sets_reviewed.prefetch_related(objectives),
    }
    return render(request, "commitments/meeting_detail.html", context)


@require_GET
def update_list(request):
    access.require_role(request)
    updates = (
        ProgressUpdate.objects.visible_to(request.user)
        .newest_first()
        .select_related("objective__objective_set", "country", "period", "author")
    )
    filterset = ProgressUpdateFilter(request.GET, queryset=updates)
    valid = filterset.is_valid()
    results = filterset.qs if valid else updates.none()
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    return render(request, "commitments/update_list.html", context, status=200 if valid else 400)


@require_GET
def update_detail(request, pk):
    update = access.get_visible_update(request, pk)
    context = {
        "update": update,
        "can_edit": ProgressUpdate.objects.editable_by(request.user).filter(pk=pk).exists(),
    }
    return render(request, "commitments/update_detail.html", context)


@require_http_methods(["GET", "POST"])
def update_create(request, pk):
    membership = access.require_official(request)
    objective = get_object_or_404(
        Objective.objects.select_related("objective_set").filter(is_active=True), pk=pk
    )
    initial = {"period": ReportingPeriod.objects.current_for(objective.objective_set)}
    form = ProgressUpdateForm(request.POST or None, objective=objective, initial=initial)
    if request.method == "POST" and form.is_valid():
        update = services.create_update(
            actor=request.user,
            membership=membership,
            objective=objective,
            **{name: form.cleaned_data[name] for name in services.EDITABLE_UPDATE_FIELDS},
        )
        messages.success(request, _("Your update was saved."))
        return redirect(update)
    context = {"form": form, "objective": objective, "country": membership.country}
    return render(request, "commitments/update_form.html", context)


@require_http_methods(["GET", "POST"])
def update_edit(request, pk):
    update = access.get_editable_update(request, pk)
    form = ProgressUpdateForm(request.POST or None, instance=update, objective=update.objective)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_update(
                actor=request.user,
                update=update,
                loaded_version=form.cleaned_data["version"],
                **{name: form.cleaned_data[name] for name in services.EDITABLE_UPDATE_FIELDS},
            )
        except services.EditConflict as error:
            conflict = error.current
            # Keep what the user typed; the next save is made against the version shown.
            data = request.POST.copy()
            data["version"] = conflict.version
            form = ProgressUpdateForm(data, instance=update, objective=update.objective)
            form.is_valid()
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(update)
    context = {
        "form": form,
        "objective": update.objective,
        "country": update.country,
        "update": update,
        "conflict": conflict,
    }
    return render(request, "commitments/update_form.html", context, status=409 if conflict else 200)
