"""Counted limits shared by every process: one database row per window, one upsert per hit."""

import math
import time

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from commitments.denials import log_denial

RATE_COUNT = """
    INSERT INTO commitments_rate_counter (bucket, hits, expires)
    VALUES (%s, 1, now() + make_interval(secs => %s))
    ON CONFLICT (bucket) DO UPDATE SET hits = commitments_rate_counter.hits + 1
    RETURNING hits
"""


def _rate_bucket(name, who, window, now):
    return f"{name}:{who}:{int(now // window)}"[:255]


def hit_rate_limit(limit, who):
    """Count one request of ``who`` against ``limit`` (a policy.RateLimit); True when over it.

    The counter is a database row, so every process counts together; one upsert counts
    and reads it. The first hit of a new window sweeps away expired windows.
    """
    bucket = _rate_bucket(limit.name, who, limit.seconds, time.time())
    with connection.cursor() as cursor:
        cursor.execute(RATE_COUNT, [bucket, limit.seconds])
        (hits,) = cursor.fetchone()
        if hits == 1:
            cursor.execute("DELETE FROM commitments_rate_counter WHERE expires < now()")
    return hits > limit.count


def rate_limit_wait(limit, who):
    """Seconds until ``who`` may go on under ``limit``, having used up the window's
    allowance; 0 when it may go on now. Reads the counter, counts nothing."""
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hits FROM commitments_rate_counter WHERE bucket = %s",
            [_rate_bucket(limit.name, who, limit.seconds, now)],
        )
        row = cursor.fetchone()
    if row is None or row[0] < limit.count:
        return 0
    return math.ceil(limit.seconds - now % limit.seconds)


def too_many_requests(request, limit):
    """The 429 answer for a request over ``limit`` (a page, or JSON to the security key's
    script), logged like every refusal."""
    log_denial(request, status=429, reason="rate limit")
    if request.content_type == "application/json":
        response = JsonResponse(
            {"detail": _("Too many attempts. Try again later."), "code": "rate_limited"},
            status=429,
        )
    else:
        response = render(request, "429.html", status=429)
    response["Retry-After"] = str(limit.seconds)
    return response
