"""Pages of the site itself: the language switch and the health checks."""

import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults, i18n
from django.views.decorators.cache import never_cache

from commitments import jobs, policy


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
    """Readiness: 200 after a database round trip, 503 when the database is unreachable.

    The round trip reads the background jobs' queue (one query): counts and ages only,
    never whose jobs or what they hold. A stalled queue does not make the instance unready
    (its pages still answer); it is reported for monitoring to alert on."""
    try:
        queue = jobs.queue_health()
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "jobs": {
                "queued": queue["queued"],
                "running": queue["running"],
                "oldest_queued_seconds": round(queue["oldest_wait"]),
                "worker_seen_seconds_ago": (
                    None if queue["worker_seen"] is None else round(queue["worker_seen"])
                ),
                "stalled": queue["stalled"],
            },
        }
    )


@policy.public
@never_cache
@policy.methods("GET")
def livez(request):
    """Liveness: the process answers; no database involved (restart it if this fails)."""
    return HttpResponse("ok", content_type="text/plain")


# How long a client is asked to wait before retrying while the database is unreachable:
# a restart or a fail-over of a managed PostgreSQL takes seconds to tens of seconds.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exception):
    """True when ``exception`` means the database could not be reached or dropped the
    connection (a restart, a fail-over, a network cut), as opposed to a fault of ours."""
    return isinstance(exception, (OperationalError, InterfaceError))


def server_error(request):
    """The site's error page (``handler500``): a 503 asking to retry when the database is
    unreachable (the transaction was rolled back, so a retry applies the request once:
    forms carry their creation token and edits their version), the generic 500 otherwise.
    Neither touches the database nor the request's user."""
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "The service is briefly unavailable. Retry in a moment."}, status=503
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
