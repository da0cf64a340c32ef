"""A read-only JSON feed of published updates, objectives, countries, objective sets,
reporting periods, meetings and the cells of their snapshots, for partners' systems.
Authenticated by the browser session or by a per-user token created in the admin
(``Authorization: Token <key>``). The OpenAPI description is served at /api/v1/openapi.json.
"""

import re
from functools import wraps

from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from commitments import api_schema, milestones, policy, years
from commitments.api_schema import (
    ASSESSMENTS,
    COUNTRIES,
    INDICATORS,
    MEETINGS,
    MILESTONES,
    OBJECTIVES,
    PAGE_SIZE,
    PERIODS,
    SETS,
    SNAPSHOTS,
    UPDATES,
    InvalidCursor,
)
from commitments.filters import ProgressUpdateFilter
from commitments.models import (
    ApiToken,
    Assessment,
    Country,
    EvidenceFile,
    Indicator,
    IndicatorTarget,
    Meeting,
    MeetingSnapshot,
    MeetingSnapshotRow,
    Milestone,
    Objective,
    ObjectiveLink,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.pagination import newest_matches


def error(status, message, **extra):
    response = JsonResponse({"detail": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Token realm="nadd"'
    return response


def _token_user(request):
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() not in {"token", "bearer"} or not key.strip():
        return None
    token = (
        ApiToken.objects.select_related("user__membership")
        .filter(key_hash=ApiToken.hash(key.strip()), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def api_view(view):
    """JSON answers for everything: 401 without credentials, 403 without a role."""

    @policy.signs_in_itself
    @policy.methods("GET")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.headers.get("Authorization"):
            user = _token_user(request)
            if user is None:
                return error(401, "Invalid or revoked token.")
            request.user = user
        elif not request.user.is_authenticated:
            return error(401, "Sign in, or send a token: Authorization: Token <key>.")
        if not policy.has_role(request.user):
            return error(403, "This account has no role.")
        response = view(request, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response

    wrapper.answers_json = True  # a refused request gets JSON too (InputHygieneMiddleware)
    return wrapper


def paginated(request, queryset, endpoint, search=False):
    """A page of ``queryset`` in the endpoint's keyset order, from the ``cursor`` given,
    with the address of the next page. No count: counting a million rows on every page
    cost more than the page itself."""
    keyset = endpoint.keyset
    rows = keyset.order(queryset)
    cursor = request.GET.get("cursor")
    after = None
    if cursor is not None:
        try:
            after = keyset.condition(queryset.model, cursor)
        except InvalidCursor:
            return error(
                400, "Invalid cursor.", errors={"cursor": ["Follow the next link of a page."]}
            )
        rows = rows.filter(after)
    if search:  # newest first, in windows (pagination.newest_matches)
        page = newest_matches(rows, PAGE_SIZE + 1, after)
    else:
        page = list(rows[: PAGE_SIZE + 1])
    following = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        query = request.GET.copy()
        query["cursor"] = keyset.cursor(page[-1])
        following = f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"
    return JsonResponse(
        {
            "next": following,
            "results": [endpoint.shape.serialise(request, item) for item in page],
        }
    )


class Refused(Exception):
    """A request the feed answers with 400: ``errors`` per parameter."""

    def __init__(self, message, errors):
        super().__init__(message)
        self.message, self.errors = message, errors


def checked_parameters(request, endpoint):
    """Refuse parameters the endpoint does not declare, and empty ones."""
    unknown = set(request.GET) - endpoint.accepted
    if unknown:
        raise Refused("Unknown parameters.", {name: ["Unknown."] for name in unknown})
    empty = [name for name, value in request.GET.items() if not value.strip()]
    if empty:
        raise Refused("Empty parameters.", {name: ["Give a value."] for name in empty})


def number(request, name, digits=None):
    """The whole number given as ``name`` (None when not given); 400 otherwise."""
    value = request.GET.get(name)
    if value is None:
        return None
    pattern = f"[0-9]{{{digits}}}" if digits else "[0-9]{1,18}"
    if not re.fullmatch(pattern, value):  # isdigit() would take "²²²²"
        hint = f"Give a {digits}-digit year." if digits else "Give an id (a whole number)."
        raise Refused("Invalid filters.", {name: [hint]})
    return int(value)


def cycle_filters(request, queryset, to_set):
    """The ``year`` and ``set`` filters of every list: ``year`` is the four-digit year of
    an objective set, ``set`` its id (as /api/v1/sets/ gives it); ``to_set`` is the path
    from the list's rows to their set. A set id that no set has is refused, like every
    filter naming something that does not exist; a year without a set lists nothing.
    ``to_set`` None: the rows are the sets."""
    year = number(request, "year", digits=4)
    set_id = existing_set(request)
    prefix = f"{to_set}__" if to_set else ""
    if set_id is not None:
        queryset = queryset.filter(**{f"{prefix}pk": set_id})
    if year is not None:
        queryset = queryset.filter(**{f"{prefix}year": year})
    return queryset


def existing_set(request):
    """The set id given as ``set`` (None when not given); 400 if no set has it."""
    set_id = number(request, "set")
    if set_id is not None and not ObjectiveSet.objects.filter(pk=set_id).exists():
        raise Refused("Invalid filters.", {"set": ["No objective set has this id."]})
    return set_id


def answers_400(view):
    """``Refused`` becomes a 400 JSON answer."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as refused:
            return error(400, refused.message, errors=refused.errors)

    return wrapper


@api_view
@answers_400
def updates(request):
    checked_parameters(request, UPDATES)
    queryset = (
        ProgressUpdate.objects.published()
        .select_related("objective__objective_set", "country", "period", "author")
        # Only what the Update shape shows of the rows joined: not the objective's text
        # in three languages, nor the author's account.
        .only(*api_schema.UPDATE_COLUMNS)
        .annotate(**api_schema.update_figures())
    )
    set_id = existing_set(request)
    if set_id is not None:  # the year is the list's own filter (ProgressUpdateFilter)
        # by its periods, as the year filter does
        queryset = queryset.filter(period__objective_set=set_id)
    parameters = request.GET.copy()
    parameters.pop("set", None)
    filterset = ProgressUpdateFilter(parameters, queryset=queryset, request=request)
    if not filterset.is_valid():
        return error(400, "Invalid filters.", errors=filterset.errors.get_json_data())
    return paginated(
        request, filterset.qs, UPDATES, search=bool(filterset.form.cleaned_data.get("q"))
    )


@api_view
@answers_400
def objectives(request):
    checked_parameters(request, OBJECTIVES)
    queryset = Objective.objects.select_related(
        "objective_set__adopted_at", "area"
    ).prefetch_related(
        "partners", Prefetch("links_to_earlier", ObjectiveLink.objects.order_by("pk"))
    )
    return paginated(request, cycle_filters(request, queryset, "objective_set"), OBJECTIVES)


@api_view
@answers_400
def countries(request):
    checked_parameters(request, COUNTRIES)
    return paginated(request, Country.objects.all(), COUNTRIES)


@api_view
@answers_400
def objective_sets(request):
    checked_parameters(request, SETS)
    queryset = (
        ObjectiveSet.objects.annotate(is_open=years.is_open())
        .select_related("adopted_at")
        .prefetch_related(
            "areas", Prefetch("periods", ReportingPeriod.objects.order_by("starts_on", "pk"))
        )
    )
    queryset = cycle_filters(request, queryset, None)
    request.dashboard_set_id = getattr(years.choose(years.all_sets(), None), "pk", None)
    return paginated(request, queryset, SETS)


@api_view
@answers_400
def periods(request):
    checked_parameters(request, PERIODS)
    queryset = ReportingPeriod.objects.select_related("objective_set")
    return paginated(request, cycle_filters(request, queryset, "objective_set"), PERIODS)


@api_view
@answers_400
def meetings(request):
    checked_parameters(request, MEETINGS)
    queryset = Meeting.objects.select_related("host", "snapshot").prefetch_related(
        Prefetch("participants", Country.objects.order_by("code")), "documents"
    )
    year = number(request, "year", digits=4)
    set_id = existing_set(request)
    if year is not None:
        queryset = queryset.filter(start_date__year=year)
    if set_id is not None:
        of_set = ObjectiveSet.objects.filter(pk=set_id)
        queryset = queryset.filter(
            Q(pk__in=of_set.values("adopted_at")) | Q(pk__in=of_set.values("reviewed_at"))
        )
    return paginated(request, queryset, MEETINGS)


@api_view
@answers_400
def snapshot_cells(request):
    """What each meeting saw: the frozen cells of its snapshot (published updates only,
    as of its cut-off; the snapshot never changes afterwards)."""
    checked_parameters(request, SNAPSHOTS)
    queryset = MeetingSnapshotRow.objects.select_related("snapshot", "country")
    meeting = number(request, "meeting")
    snapshot = number(request, "snapshot")
    if meeting is not None:
        if not Meeting.objects.filter(pk=meeting).exists():
            raise Refused("Invalid filters.", {"meeting": ["No meeting has this id."]})
        queryset = queryset.filter(snapshot__meeting=meeting)
    if snapshot is not None:
        if not MeetingSnapshot.objects.filter(pk=snapshot).exists():
            raise Refused("Invalid filters.", {"snapshot": ["No snapshot has this id."]})
        queryset = queryset.filter(snapshot=snapshot)
    return paginated(request, cycle_filters(request, queryset, "objective_set"), SNAPSHOTS)


def existing_objective(request):
    """The objective id given as ``objective`` (None when not given); 400 if none has it."""
    objective = number(request, "objective")
    if objective is not None and not Objective.objects.filter(pk=objective).exists():
        raise Refused("Invalid filters.", {"objective": ["No objective has this id."]})
    return objective


@api_view
@answers_400
def indicators(request):
    """The objectives' indicators, each with every country's baseline and target."""
    checked_parameters(request, INDICATORS)
    queryset = Indicator.objects.select_related("objective__objective_set").prefetch_related(
        Prefetch(
            "targets", IndicatorTarget.objects.select_related("country").order_by("country__code")
        )
    )
    objective = existing_objective(request)
    if objective is not None:
        queryset = queryset.filter(objective=objective)
    return paginated(
        request, cycle_filters(request, queryset, "objective__objective_set"), INDICATORS
    )


@api_view
@answers_400
def milestones_list(request):
    """Each country's milestones, met (a published update marks them) or overdue."""
    checked_parameters(request, MILESTONES)
    queryset = milestones.with_progress(
        Milestone.objects.select_related("objective", "country"), today=timezone.localdate()
    )
    objective = existing_objective(request)
    if objective is not None:
        queryset = queryset.filter(objective=objective)
    code = request.GET.get("country")
    if code is not None:
        if not Country.objects.filter(code=code.upper()).exists():
            raise Refused("Invalid filters.", {"country": ["No country has this code."]})
        queryset = queryset.filter(country__code=code.upper())
    queryset = cycle_filters(request, queryset, "objective__objective_set")
    return paginated(request, queryset, MILESTONES)


@api_view
@answers_400
def assessments(request):
    """The secretariat's final assessments (drafts are between the coordinators and the
    assessed country, and never in the feed)."""
    checked_parameters(request, ASSESSMENTS)
    queryset = (
        Assessment.objects.final()
        .select_related("objective__objective_set", "country")
        .prefetch_related(
            Prefetch("evidence_updates", ProgressUpdate.objects.order_by("pk").only("pk")),
            Prefetch("evidence_files", EvidenceFile.objects.order_by("pk").only("pk")),
        )
    )
    country = request.GET.get("country")
    if country is not None:
        if not Country.objects.filter(code__iexact=country[:10]).exists():
            raise Refused("Invalid filters.", {"country": ["No country has this code."]})
        queryset = queryset.filter(country__code__iexact=country)
    objective = number(request, "objective")
    if objective is not None:
        queryset = queryset.filter(objective=objective)
    review = request.GET.get("review")
    if review is not None:
        if review not in Assessment.Review.values:
            raise Refused("Invalid filters.", {"review": ["Give interim or final."]})
        queryset = queryset.filter(review=review)
    return paginated(
        request, cycle_filters(request, queryset, "objective__objective_set"), ASSESSMENTS
    )


@api_view
def openapi(request):
    return JsonResponse(api_schema.openapi_schema())
