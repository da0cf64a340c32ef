"""A read-only JSON feed of published updates, objectives and countries, for partners'
systems. Authenticated by the browser session or by a per-user token created in the admin
(``Authorization: Token <key>``). The OpenAPI description is served at /api/v1/openapi.json.
"""

import re
from functools import wraps

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from commitments import policy
from commitments.filters import ProgressUpdateFilter
from commitments.models import ApiToken, Country, Objective, ProgressUpdate

PAGE_SIZE = 50
FILTERS = ["country", "objective", "status", "period", "author", "q"]


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


def paginated(request, queryset, serialise):
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
            "results": [serialise(request, item) for item in page.object_list],
        }
    )


def _iso(value):
    return value.isoformat() if value else None


def serialise_update(request, update):
    return {
        "id": update.pk,
        "url": request.build_absolute_uri(update.get_absolute_url()),
        "objective": {
            "id": update.objective_id,
            "year": update.objective.objective_set.year,
            "number": update.objective.number,
            "title": update.objective.title,
        },
        "country": {"code": update.country.code, "name": update.country.name},
        "period": {
            "id": update.period_id,
            "name": update.period.name,
            "starts_on": _iso(update.period.starts_on),
            "ends_on": _iso(update.period.ends_on),
        },
        "status": update.status,
        "narrative": update.narrative,
        "evidence_links": list(update.evidence_links),
        "author": update.author.get_full_name() or update.author.username,
        "created_at": _iso(update.created_at),
        "updated_at": _iso(update.updated_at),
        "published_at": _iso(update.published_at),
    }


def serialise_objective(request, objective):
    return {
        "id": objective.pk,
        "year": objective.objective_set.year,
        "number": objective.number,
        "title": objective.title,
        "text": objective.text,
        "theme": objective.theme,
        "active": objective.is_active,
        "adopted_at": objective.objective_set.adopted_at.name,
    }


def serialise_country(request, country):
    return {"code": country.code, "name": country.name, "membership": country.membership}


@api_view
def updates(request):
    queryset = (
        ProgressUpdate.objects.published()
        .newest_first()
        .select_related("objective__objective_set", "country", "period", "author")
    )
    unknown = set(request.GET) - {*FILTERS, "page"}
    if unknown:
        return error(400, "Unknown parameters.", errors={name: ["Unknown."] for name in unknown})
    empty = [name for name, value in request.GET.items() if not value.strip()]
    if empty:
        return error(400, "Empty parameters.", errors={name: ["Give a value."] for name in empty})
    filterset = ProgressUpdateFilter(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        return error(400, "Invalid filters.", errors=filterset.errors.get_json_data())
    return paginated(request, filterset.qs, serialise_update)


@api_view
def objectives(request):
    queryset = Objective.objects.select_related("objective_set__adopted_at").order_by(
        "-objective_set__year", "number"
    )
    year = request.GET.get("year")
    if year is not None:
        if not re.fullmatch("[0-9]{4}", year):  # isdigit() would take "²²²²"
            return error(400, "Invalid filters.", errors={"year": ["Give a four-digit year."]})
        queryset = queryset.filter(objective_set__year=int(year))
    return paginated(request, queryset, serialise_objective)


@api_view
def countries(request):
    return paginated(request, Country.objects.order_by("code"), serialise_country)


@api_view
def openapi(request):
    return JsonResponse(openapi_schema(request.build_absolute_uri(reverse("api_updates"))))


def _page_of(item):
    return {
        "type": "object",
        "required": ["count", "page", "pages", "next", "previous", "results"],
        "additionalProperties": False,
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
            "results": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
        },
    }


def _responses(item):
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "200": {
            "description": "A page of results.",
            "content": {"application/json": {"schema": _page_of(item)}},
        },
        "400": {"description": "Invalid parameters.", "content": problem},
        "401": {"description": "No valid session or token.", "content": problem},
        "403": {"description": "The account has no role.", "content": problem},
        "404": {"description": "No such page.", "content": problem},
    }


PAGE_PARAMETER = {
    "name": "page",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1},
    "description": "Page number (50 results a page).",
}


def openapi_schema(updates_url=None):
    """The OpenAPI 3.1 description of the feed."""
    text = {"type": "string"}
    nullable_datetime = {"type": ["string", "null"], "format": "date-time"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "NADD Commitment Tracker feed",
            "version": "1",
            "description": "Published progress updates on the cooperation objectives of the "
            "North American Drug Dialogue, with the objectives and countries they refer to.",
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}, {"session": []}],
        "paths": {
            "/api/v1/updates/": {
                "get": {
                    "operationId": "listUpdates",
                    "summary": "Published progress updates, newest first.",
                    "parameters": [
                        PAGE_PARAMETER,
                        {
                            "name": "country",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "ISO code, e.g. MX.",
                        },
                        {"name": "objective", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": list(ProgressUpdate.Status.values),
                            },
                        },
                        {"name": "period", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "author",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "Username of the author.",
                        },
                        {
                            "name": "q",
                            "in": "query",
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Full-text search of the narratives.",
                        },
                    ],
                    "responses": _responses("Update"),
                }
            },
            "/api/v1/objectives/": {
                "get": {
                    "operationId": "listObjectives",
                    "summary": "Objectives, newest set first.",
                    "parameters": [
                        PAGE_PARAMETER,
                        {
                            "name": "year",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1000, "maximum": 9999},
                        },
                    ],
                    "responses": _responses("Objective"),
                }
            },
            "/api/v1/countries/": {
                "get": {
                    "operationId": "listCountries",
                    "summary": "Member and partner countries.",
                    "parameters": [PAGE_PARAMETER],
                    "responses": _responses("Country"),
                }
            },
        },
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Token <key>, created by an administrator.",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {"detail": text, "errors": {"type": "object"}},
                },
                "Update": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [
                        "id",
                        "url",
                        "objective",
                        "country",
                        "period",
                        "status",
                        "narrative",
                        "evidence_links",
                        "author",
                        "created_at",
                        "updated_at",
                        "published_at",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "url": text,
                        "objective": {
                            "type": "object",
                            "required": ["id", "year", "number", "title"],
                            "properties": {
                                "id": {"type": "integer"},
                                "year": {"type": "integer"},
                                "number": {"type": "integer"},
                                "title": text,
                            },
                        },
                        "country": {
                            "type": "object",
                            "required": ["code", "name"],
                            "properties": {"code": text, "name": text},
                        },
                        "period": {
                            "type": "object",
                            "required": ["id", "name", "starts_on", "ends_on"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": text,
                                "starts_on": {"type": "string", "format": "date"},
                                "ends_on": {"type": "string", "format": "date"},
                            },
                        },
                        "status": {"type": "string", "enum": list(ProgressUpdate.Status.values)},
                        "narrative": text,
                        "evidence_links": {"type": "array", "items": text},
                        "author": text,
                        "created_at": {"type": "string", "format": "date-time"},
                        "updated_at": {"type": "string", "format": "date-time"},
                        "published_at": nullable_datetime,
                    },
                },
                "Objective": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [
                        "id",
                        "year",
                        "number",
                        "title",
                        "text",
                        "theme",
                        "active",
                        "adopted_at",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "year": {"type": "integer"},
                        "number": {"type": "integer"},
                        "title": text,
                        "text": text,
                        "theme": {"type": "string", "enum": list(Objective.Theme.values)},
                        "active": {"type": "boolean"},
                        "adopted_at": text,
                    },
                },
                "Country": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "name", "membership"],
                    "properties": {
                        "code": text,
                        "name": text,
                        "membership": {"type": "string", "enum": ["member", "partner"]},
                    },
                },
            },
        },
    }
