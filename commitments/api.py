"""A read-only JSON feed of published updates, objectives and countries, for partners'
systems. Authenticated by the browser session or by a per-user token created in the admin
(``Authorization: Token <key>``). The OpenAPI description is served at /api/v1/openapi.json.
"""

import re
from functools import wraps

from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from commitments import api_schema, policy
from commitments.api_schema import COUNTRIES, OBJECTIVES, PAGE_SIZE, UPDATES, InvalidCursor
from commitments.filters import ProgressUpdateFilter
from commitments.models import ApiToken, Country, Objective, ProgressUpdate
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


@api_view
def updates(request):
    queryset = ProgressUpdate.objects.published().select_related(
        "objective__objective_set", "country", "period", "author"
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
    return paginated(
        request, filterset.qs, UPDATES, search=bool(filterset.form.cleaned_data.get("q"))
    )


@api_view
def objectives(request):
    queryset = Objective.objects.select_related("objective_set__adopted_at", "area")
    year = request.GET.get("year")
    if year is not None:
        if not re.fullmatch("[0-9]{4}", year):  # isdigit() would take "²²²²"
            return error(400, "Invalid filters.", errors={"year": ["Give a four-digit year."]})
        queryset = queryset.filter(objective_set__year=int(year))
    return paginated(request, queryset, OBJECTIVES)


@api_view
def countries(request):
    return paginated(request, Country.objects.all(), COUNTRIES)


@api_view
def openapi(request):
    return JsonResponse(api_schema.openapi_schema())
