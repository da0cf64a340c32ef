import functools
import uuid
from collections import Counter
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.db.models import F, Func, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import i18n
from django.views.decorators.cache import never_cache

from commitments import briefs, charts, exports, fragments, history, policy, services
from commitments.filters import ProgressUpdateFilter
from commitments.forms import CommentForm, ProgressUpdateForm, ReturnForm, VersionForm
from commitments.models import (
    AuditEntry,
    Country,
    Meeting,
    Membership,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
    joins_as_written,
)
from commitments.pagination import CappedPaginator as Paginator
from commitments.ratelimits import hit_rate_limit, too_many_requests

PAGE_SIZE = 20


@policy.public
@policy.password_step
@policy.coordinators_may_post
@policy.methods("POST")
def set_language(request):
    """Switch the language: remembered in a cookie, and on the membership when signed in."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    membership = policy.membership_of(request.user)
    if membership is not None and language in dict(settings.LANGUAGES):
        membership.language = language
        membership.save(update_fields=["language"])
    return response


@policy.public
@policy.password_step
@never_cache
@policy.methods("GET")
def healthz(request):
    """Readiness: 200 after a database round trip, 503 when the database is unreachable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@policy.public
@never_cache
@policy.methods("GET")
def livez(request):
    """Liveness: the process answers; no database involved (restart it if this fails)."""
    return HttpResponse("ok", content_type="text/plain")


@policy.requires(policy.has_role)
@policy.methods("GET")
def dashboard(request):
    user = request.user
    context = {
        # The overview is the same for every reader with the same scope: cached, keyed by
        # the data stamps, and computed only when a fragment has to be drawn.
        "overview": DashboardOverview(request),
        "recent": recent_activity(request),
        "awaiting_review": (
            ProgressUpdate.objects.review_queue().count() if policy.may_review(user) else None
        ),
        "needing_action": (
            policy.editable_updates(user).count() if policy.may_write_updates(user) else None
        ),
    }
    return render(request, "commitments/dashboard.html", context)


def recent_activity(request, count=10):
    """The newest updates the reader may see, each drawn once per row version."""
    visible = policy.readable_updates(request.user)
    return fragments.fill_rows(
        request,
        visible.newest_first().only("pk", "version")[:count],
        "activity-item",
        visible.select_related("objective", "country", "author", "period"),
    )


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
            ProgressUpdate.objects.published_matrix(
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
        return current_objectives()

    @property
    def objective_set(self):
        return self.objectives[0].objective_set if self.objectives else None

    @cached_property
    def rows(self):
        matrix = ProgressUpdate.objects.published_matrix(
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


@policy.requires(policy.has_role)
@policy.methods("GET")
def objective_list(request):
    sets = ObjectiveSet.objects.select_related("adopted_at", "reviewed_at").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.order_by("number"))
    )
    # Read only when the cached list (reference data alone) has to be drawn again.
    context = {"objective_sets": sets}
    return render(request, "commitments/objective_list.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def objective_detail(request, pk):
    objective = get_object_or_404(
        Objective.objects.select_related("objective_set__adopted_at"), pk=pk
    )
    visible = policy.readable_updates(request.user).filter(objective=objective)
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
        "timeline_chart": functools.partial(objective_timeline_chart, objective),
        "legend": charts.legend,
    }
    return render(request, "commitments/objective_detail.html", context)


def page_of_rows(request, updates, fragment, full, count_list=None):
    """A page of ``updates`` (in page order) for a template that draws each inside its
    cached ``fragment`` (``fragments.fill_rows``): ids and versions are read for the
    page, rows from ``full`` only where not drawn yet. The count reads ids only, so an
    index alone can count the rows; ``count_list`` counts instead when given."""
    light = updates.only("pk")
    page = Paginator(
        updates.only("pk", "version"),
        PAGE_SIZE,
        count_list=light if count_list is None else count_list,
    ).get_page(request.GET.get("page"))
    page.object_list = fragments.fill_rows(request, page.object_list, fragment, full)
    return page


def objective_timeline_chart(objective):
    """Each member country's published status in each reporting period of the objective's set.

    Two queries whatever the history: the countries, then the periods, each annotated with
    every country's newest published status (one index probe per cell).
    """
    countries = list(Country.objects.members())
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


@policy.requires(policy.has_role)
@policy.methods("GET")
def country_list(request):
    # Subqueries, not joins: joining officials and updates would multiply the rows. The
    # date of the newest published update is one index probe per country, where a count
    # of a country's updates read every one of them (65 ms at a million) and counted
    # drafts its reader may not see.
    countries = Country.objects.annotate(
        official_count=count_of(Membership.objects.filter(country=OuterRef("pk"))),
        latest_published=Subquery(  # one probe of upd_cty_published per country
            ProgressUpdate.objects.published()
            .filter(country=OuterRef("pk"))
            .newest_first()
            .values("created_at")[:1]
        ),
    )
    return render(request, "commitments/country_list.html", {"countries": countries})


def count_of(queryset):
    """A correlated ``COUNT(*)`` subquery."""
    return Coalesce(Subquery(queryset.order_by().values(n=Func(F("pk"), function="COUNT"))[:1]), 0)


@policy.requires(policy.has_role)
@policy.methods("GET")
def country_detail(request, code):
    country = get_object_or_404(Country, code=code.upper())
    updates = policy.readable_updates(request.user).filter(country=country)
    own = policy.may_act_for(request.user, country)
    needing_action = None
    if own:
        with joins_as_written():
            needing_action = list(
                policy.editable_updates(request.user)
                .returned_first()
                .select_related("objective", "period", "author")[:PAGE_SIZE]
            )
    context = {
        "country": country,
        "own": own,
        "needing_action": needing_action,
        # Read only when its cached fragment is missing.
        "latest": CountryLatest(country, request.user),
        "page": page_of_rows(
            request,
            updates.newest_first(),
            "update-card-with-objective",
            updates.select_related("objective", "country", "period", "author"),
        ),
        "meetings": country.meetings.order_by("-start_date"),
    }
    return render(request, "commitments/country_detail.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_list(request):
    meetings = Meeting.objects.prefetch_related("participants")
    return render(request, "commitments/meeting_list.html", {"meetings": meetings})


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_detail(request, pk):
    meeting = get_object_or_404(Meeting.objects.prefetch_related("participants"), pk=pk)
    objectives = Prefetch("objectives", queryset=Objective.objects.order_by("number"))
    context = {
        "meeting": meeting,
        "adopted": meeting.objective_sets_adopted.prefetch_related(objectives),
        "reviewed": meeting.objective_sets_reviewed.prefetch_related(objectives),
    }
    return render(request, "commitments/meeting_detail.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_brief(request, pk):
    meeting = get_object_or_404(Meeting, pk=pk)
    context = {"brief": briefs.build(meeting)}
    return render(request, "commitments/meeting_brief.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_brief_pdf(request, pk):
    """The brief as a PDF: drawn once per change of what it shows (it takes seconds), then
    served from the shared cache; each user may have only a few drawn afresh at a time
    (``RATE_LIMITS["brief_pdf"]``, counted here, not per request)."""
    meeting = get_object_or_404(Meeting, pk=pk)
    key = briefs.pdf_cache_key(request, meeting)
    document = briefs.cached_pdf(key)
    if document is None:
        limit = policy.RateLimit.named("brief_pdf")
        if hit_rate_limit(limit, f"user:{request.user.pk}"):
            return too_many_requests(request, limit)
        document = briefs.render_pdf(request, briefs.build(meeting))
        briefs.keep_pdf(key, document)
    response = HttpResponse(document, content_type="application/pdf")
    filename = slugify(meeting.name) or "brief"
    response["Content-Disposition"] = f'attachment; filename="brief-{filename}.pdf"'
    return response


def listed_updates(user):
    """The updates this user may read, newest first, with what a list row shows."""
    return (
        policy.readable_updates(user)
        .newest_first()
        .select_related("objective__objective_set", "country", "period", "author")
    )


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_list(request):
    # The page reads ids and versions only; rows whose drawing is cached are not read
    # again (page_of_rows).
    updates = policy.readable_updates(request.user).newest_first().only("pk")
    filterset = ProgressUpdateFilter(request.GET, queryset=updates, request=request)
    valid = filterset.is_valid()
    results = filterset.qs if valid else updates.none()
    searching = valid and filterset.form.cleaned_data.get("q")
    page = page_of_rows(
        request,
        results,
        "update-row",
        listed_updates(request.user),
        count_list=results.order_by() if searching else None,
    )
    return render_update_list(request, filterset, page, status=200 if valid else 400)


def render_update_list(request, filterset, page, status):
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        # The filters as given: the pages' links keep them; without any, the form is
        # the cached "update-filters" fragment.
        "query": query.urlencode(),
    }
    return render(request, "commitments/update_list.html", context, status=status)


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_export(request, fmt):
    """The filtered updates list as a file, under the same filters and access rules."""
    updates = listed_updates(request.user)
    filterset = ProgressUpdateFilter(request.GET, queryset=updates, request=request)
    if not filterset.is_valid():
        page = Paginator(updates.none(), PAGE_SIZE).get_page(1)
        return render_update_list(request, filterset, page, status=400)
    filename = f"nadd-updates-{timezone.now():%Y%m%d-%H%M}"
    if fmt == "csv":
        return exports.csv_response(filterset.qs, filename)
    return exports.xlsx_response(filterset.qs, filename)


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_detail(request, pk):
    update = policy.get_update(request, pk)
    return render(request, "commitments/update_detail.html", detail_context(request, update))


def detail_context(request, update, **forms):
    """What the update page shows, and which actions it offers this user."""
    actions = policy.actions_on(request.user, update)
    return {
        "update": update,
        "actions": actions,
        # The discussion (comments, reasons for returning) and the history that records
        # it are not read at all for a reader outside the conversation.
        "comments": update.comments.select_related("author") if actions.read_discussion else (),
        "return_form": forms.get("return_form") or ReturnForm(initial={"version": update.version}),
        "comment_form": forms.get("comment_form") or CommentForm(),
    }


@policy.rate_limit("update_create", 60, 60 * 60, per="user")
@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def update_create(request, pk):
    objective = policy.get_objective_to_write_for(request, pk)
    membership = request.user.membership  # an official's (required above), read already
    initial = {}
    if request.method == "GET":  # a posted form names its period
        initial["period"] = ReportingPeriod.objects.current_for(objective.objective_set)
    form = ProgressUpdateForm(request.POST or None, objective=objective, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            update = services.create_update(
                actor=request.user,
                membership=membership,
                objective=objective,
                token=form.cleaned_data["token"],
                **{name: form.cleaned_data[name] for name in services.EDITABLE_UPDATE_FIELDS},
            )
        except services.ReusedForm:
            # Keep the typed text, with a fresh token for the next attempt.
            data = request.POST.copy()
            data["token"] = str(uuid.uuid4())
            form = ProgressUpdateForm(data, objective=objective)
            form.is_valid()
            form.add_error(None, _("This form was already used. Check the text and save again."))
            status = 409
        except ValidationError as error:  # the model's own checks: nothing was saved
            form.add_model_errors(error)
        else:
            messages.success(
                request, _("Your draft was saved. Submit it for review when it is ready.")
            )
            return redirect(update)
    context = {"form": form, "objective": objective, "country": membership.country}
    return render(request, "commitments/update_form.html", context, status=status)


@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def update_edit(request, pk):
    update = policy.get_update_to_edit(request, pk)
    if update.state not in ProgressUpdate.EDITABLE_STATES:
        return conflict(
            request, update, _("Only drafts and returned updates can be edited."), status=409
        )
    form = ProgressUpdateForm(request.POST or None, update=update, objective=update.objective)
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_update(
                actor=request.user,
                update=update,
                loaded_version=form.cleaned_data["version"],
                **{name: form.cleaned_data[name] for name in services.EDITABLE_UPDATE_FIELDS},
            )
        except services.EditConflict as error:
            current = error.current
            # Keep what the user typed; the next save is made against the version shown.
            data = request.POST.copy()
            data["version"] = current.version
            form = ProgressUpdateForm(data, update=update, objective=update.objective)
            form.is_valid()
        except services.StaleState as error:
            return conflict(request, error.current, error.message)
        except ValidationError as error:  # the model's own checks: nothing was saved
            form.add_model_errors(error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(update)
    context = {
        "form": form,
        "objective": update.objective,
        "country": update.country,
        "update": update,
        "conflict": current,
    }
    return render(request, "commitments/update_form.html", context, status=409 if current else 200)


def conflict(request, update, message, status=409):
    """The action no longer fits the update: say why and link back to its current state."""
    return render(
        request,
        "commitments/update_conflict.html",
        {"update": update, "message": message},
        status=status,
    )


def transition_view(action, success_message, rule=None):
    """A POST-only view moving an update along its workflow with ``action``; ``rule``
    refuses (403) a reader of the update who may not act on it, before the form is read."""

    @policy.methods("POST")
    def view(request, pk):
        update = policy.get_update(request, pk, rule)
        form = VersionForm(request.POST)
        if not form.is_valid():
            return conflict(request, update, _("The form was incomplete; reload the page."), 400)
        try:
            action(actor=request.user, update=update, loaded_version=form.cleaned_data["version"])
        except services.StaleState as error:
            return conflict(request, error.current, error.message)
        messages.success(request, success_message)
        return redirect(update)

    return view


# An official acts for their own country only: another country's update, readable once
# published, is refused when fetched (policy.may_submit, policy.may_withdraw).
update_submit = policy.requires(policy.may_write_updates)(
    transition_view(
        services.submit_update,
        _lazy("Submitted for review. A coordinator will publish or return it."),
        policy.may_submit,
    )
)
update_withdraw = policy.requires(policy.may_write_updates)(
    transition_view(
        services.withdraw_update,
        _lazy("The update was withdrawn. It stays in the history."),
        policy.may_withdraw,
    )
)
# Any coordinator reviews any update they read: the role is the whole rule.
update_publish = policy.coordinators_may_post(
    policy.requires(policy.may_review)(
        transition_view(
            services.publish_update,
            _lazy("Published: every signed-in user can now read this update."),
        )
    )
)


@policy.coordinators_may_post
@policy.requires(policy.may_review)
@policy.methods("POST")
def update_return(request, pk):
    update = policy.get_update(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "commitments/update_detail.html",
            detail_context(request, update, return_form=form),
            status=400,
        )
    try:
        services.return_update(
            actor=request.user,
            update=update,
            loaded_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except services.StaleState as error:
        return conflict(request, error.current, error.message)
    messages.success(request, _("The update was returned to its country with your reason."))
    return redirect(update)


@policy.coordinators_may_post
@policy.requires(policy.has_role)
@policy.methods("POST")
def update_comment(request, pk):
    update = policy.get_update(request, pk, policy.may_comment)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "commitments/update_detail.html",
            detail_context(request, update, comment_form=form),
            status=400,
        )
    try:
        services.add_comment(
            actor=request.user,
            update=update,
            body=form.cleaned_data["body"],
            token=form.cleaned_data["token"],
        )
    except services.ReusedForm:
        # Keep the typed text, with a fresh token for the next attempt.
        data = request.POST.copy()
        data["token"] = str(uuid.uuid4())
        form = CommentForm(data)
        form.is_valid()
        form.add_error(
            None, _("This comment form was already used. Check the text and send it again.")
        )
        return render(
            request,
            "commitments/update_detail.html",
            detail_context(request, update, comment_form=form),
            status=409,
        )
    messages.success(request, _("Your comment was added."))
    return redirect(f"{update.get_absolute_url()}#comments")


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_history(request, pk):
    update = policy.get_update(request, pk, policy.may_read_history)
    entries = AuditEntry.objects.for_object(update).select_related("actor").reverse()
    context = {"update": update, "entries": [(entry, history.describe(entry)) for entry in entries]}
    return render(request, "commitments/update_history.html", context)


@policy.requires(policy.may_review)
@policy.methods("GET")
def review_queue(request):
    queue = ProgressUpdate.objects.review_queue().select_related(
        "objective__objective_set", "country", "period", "author"
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    with joins_as_written():
        page.object_list = list(page.object_list)
    return render(request, "commitments/review_queue.html", {"page": page})
