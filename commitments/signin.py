"""Sign-in throttling: what an attacker does, failed sign-ins, is counted; never successes."""

import datetime
import ipaddress
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from commitments import policy
from commitments.clients import client_ip
from commitments.denials import log_denial
from commitments.ratelimits import hit_rate_limit, rate_limit_wait
from commitments.validators import escape_controls


def axes_username(request, credentials):
    """The username django-axes counts a failure against (``AXES_USERNAME_CALLABLE``):
    the one typed, with control characters escaped and cut to axes' column, so that a
    username with a NUL byte is counted like any other instead of failing to be saved."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    return None if username is None else escape_controls(username)[:255]


# The RATE_LIMITS entries the sign-in view counts failures against (not routes).
SIGN_IN_FAILURE_LIMITS = ("login_failures_hour", "login_failures_day")


DEVICE_SALT = "commitments.middleware.device"


DEVICE_TAGS_KEPT = 5  # accounts one browser is remembered for (a shared office computer)


def lock_duration(failures, limit):
    """How long ``failures`` lock a lockout parameter whose limit is ``limit``: the first
    lock, doubled for each further ``limit`` failures, up to the longest."""
    if failures < limit:
        return datetime.timedelta(0)
    doublings = min(failures // limit - 1, 16)
    return min(settings.SIGN_IN_LOCK_FIRST * 2**doublings, settings.SIGN_IN_LOCK_LONGEST)


class SignInLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a failure limit of its own for each lockout
    parameter, and locks that grow with further failures (``SIGN_IN_LOCKOUTS``).

    axes keeps one row per username, address and browser: its failures and when the last
    one was. A parameter counts the failures of the rows it matches that are not yet
    forgotten (``AXES_COOLOFF_TIME`` after their last failure). It is locked from its
    last failure for ``lock_duration``: reaching the limit locks it, and once it has been
    locked every further failure locks it again, for longer each further ``limit``.
    A refused attempt is not a failure (nothing was checked), so it extends nothing.
    """

    def lock_ends(self, request, credentials=None):
        """When the lock now in force on this sign-in ends, or None."""
        ends = []
        queries = self.get_user_attempts(request, credentials)  # one per lockout parameter
        for rows, (_parameters, limit) in zip(queries, settings.SIGN_IN_LOCKOUTS, strict=True):
            seen = rows.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            if (seen["failures"] or 0) >= limit:
                ends.append(seen["last"] + lock_duration(seen["failures"], limit))
        end = max(ends, default=None)
        return end if end is not None and end > request.axes_attempt_time else None

    def get_failures(self, request, credentials=None):
        # axes locks when this reaches AXES_FAILURE_LIMIT (1): 1 while a lock is in force.
        return int(self.lock_ends(request, credentials) is not None)

    def reset_user_attempts(self, request, credentials=None):
        """A successful sign-in clears the failures of this username from this address and
        browser only: someone else's failures elsewhere still count."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
        ).delete()
        return count


def sign_in_locked(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the 429 page of a locked sign-in, with when to retry."""
    ends = AxesProxyHandler.get_implementation().lock_ends(request, credentials)
    wait = (ends - request.axes_attempt_time).total_seconds() if ends else 60
    return refuse_sign_in(request, wait, reason="sign-in locked after failures")


def refuse_sign_in(request, wait, *, reason, network=False):
    """429 for a sign-in that is not even checked, saying how long to wait."""
    log_denial(request, status=429, reason=reason)
    minutes = max(1, math.ceil(wait / 60))
    context = {"minutes": minutes, "network": network}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def address_group(request):
    """Whom the per-address counts are kept for: the client's IPv4 address, or the /64
    network of an IPv6 one (a single connection commonly holds a whole /64)."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    if ipaddress.ip_address(address).version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address


def sign_in_paused_for(request):
    """Seconds for which sign-ins from this address by browsers without a device cookie
    are refused, having failed too often (password spraying); 0 when they are not."""
    who = address_group(request)
    return max(
        rate_limit_wait(policy.RateLimit.named(name), who) for name in SIGN_IN_FAILURE_LIMITS
    )


def count_sign_in_failure(request):
    who = address_group(request)
    for name in SIGN_IN_FAILURE_LIMITS:
        hit_rate_limit(policy.RateLimit.named(name), who)


def _device_tag(username):
    return salted_hmac(DEVICE_SALT, username, algorithm="sha256").hexdigest()[:24]


def _device_tags(request):
    value = request.get_signed_cookie(
        settings.SIGN_IN_DEVICE_COOKIE_NAME,
        default="",
        salt=DEVICE_SALT,
        max_age=settings.SIGN_IN_DEVICE_COOKIE_AGE,
    )
    return [tag for tag in value.split(".") if tag]


def trusted_device(request, username):
    """Whether this browser holds a device cookie from a successful sign-in as
    ``username`` (signed, so it cannot be made up; it names the account by a keyed hash)."""
    return bool(username) and _device_tag(username) in _device_tags(request)


def remember_device(request, response, username):
    """After a successful sign-in: this browser is known for ``username``."""
    tag = _device_tag(username)
    tags = [tag, *(t for t in _device_tags(request) if t != tag)][:DEVICE_TAGS_KEPT]
    response.set_signed_cookie(
        settings.SIGN_IN_DEVICE_COOKIE_NAME,
        ".".join(tags),
        salt=DEVICE_SALT,
        max_age=settings.SIGN_IN_DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
