"""The benchmark's URLconf: the application plus its denominators, mounted only here.

``/bench/trivial`` is the signed-in trivial view every ratio is measured against (session
and user, nothing else; docs/performance.md); ``/bench/anon`` the anonymous one, for the
cost of signing in; ``/bench/dashboard-cold`` the dashboard as the first reader after a
publication gets it, its overview drawn again (the dashboard as served is measured too).
"""

import secrets

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from commitments import fragments, policy
from commitments.views import overview
from nadd.urls import urlpatterns as app_urlpatterns


def trivial(request):
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


@policy.public
def anon(request):
    return HttpResponse("ok", content_type="text/plain")


def dashboard_cold(request):
    # As if an update had just been published: a record stamp no fragment was drawn
    # for, so the matrix, chart, missing list and header are read and drawn again. What
    # a publication leaves valid (reference data, other updates' rows) stays cached.
    stamps = fragments.stamps(request)
    request.data_stamps = {**stamps, "record": secrets.randbits(63)}
    return overview.dashboard(request)


class QueryCountMiddleware:
    """Adds ``X-Queries``: how many SQL statements the request ran."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/anon", anon),
    path("bench/dashboard-cold", dashboard_cold),
    *app_urlpatterns,
]
