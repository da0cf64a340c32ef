"""A read-only JSON feed of published updates, objectives and countries, for partners'
systems. Authenticated by the browser session or by a per-user token created in the admin
(``Authorization: Token <key>``). The OpenAPI description is served at /api/v1/openapi.json.
"""

import re
from functools import wraps

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from commitments import api_schema, policy
from commitments.api_schema import COUNTRIES, OBJECTIVES, PAGE_SIZE, UPDATES
from commitments.filters import ProgressUpdateFilter
from commitments.models import ApiToken, Country, Objective, ProgressUpdate


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


def paginated(request, queryset, shape):
    try:
        page = Paginator(queryset, PAGE_SIZE).page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return error(400, "page must be a positive whole number.")
    except EmptyPage:
        return error(404, "There is no such page.")
    base = request.build_absolute_uri(request.path)
    query = request.GET.copy()

    def link(number):
        query["page"] = number
        return f"{base}?{query.urlencode()}"

    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [shape.serialise(request, item) for item in page.object_list],
        }
    )


@api_view
def updates(request):
    queryset = (
        ProgressUpdate.objects.published()
        .newest_first()
        .select_related("objective__objective_set", "country", "period", "author")
    )
    unknown = set(request.GET) - UPDATES.accepted
    if unknown:
        return error(400, "Unknown parameters.", errors={name: ["Unknown."] for name in unknown})
    empty = [name for name, value in request.GET.items() if not value.strip()]
    if empty:
        return error(400, "Empty parameters.", errors={name: ["Give a value."] for name in empty})
    filterset = ProgressUpdateFilter(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        return error(400, "Invalid filters.", errors=filterset.errors.get_json_data())
    return paginated(request, filterset.qs, UPDATES.shape)


@api_view
def objectives(request):
    queryset = Objective.objects.select_related("objective_set__adopted_at", "area").order_by(
        "-objective_set__year", "number"
    )
    year = request.GET.get("year")
    if year is not None:
        if not re.fullmatch("[0-9]{4}", year):  # isdigit() would take "²²²²"
            return error(400, "Invalid filters.", errors={"year": ["Give a four-digit year."]})
        queryset = queryset.filter(objective_set__year=int(year))
    return paginated(request, queryset, OBJECTIVES.shape)


@api_view
def countries(request):
    return paginated(request, Country.objects.order_by("code"), COUNTRIES.shape)


@api_view
def openapi(request):
    return JsonResponse(api_schema.openapi_schema())
