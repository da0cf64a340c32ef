"""Pages of the site itself: the language switch and the health checks."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views import i18n
from django.views.decorators.cache import never_cache

from commitments import policy


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
