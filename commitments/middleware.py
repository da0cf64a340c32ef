"""Request-wide security rules that no single view should have to remember.

Each class does one job; ``MIDDLEWARE`` in the settings says in which order.
"""

import datetime
import ipaddress
import logging
import math
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.db import connection
from django.db.models import Max, Sum
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from commitments import policy, request_id
from commitments.validators import UNSAFE_IN_A_LINE, escape_controls

denials = logging.getLogger("commitments.access")

ALLOWED_METHODS = ("GET", "HEAD", "POST")
SAFE_METHODS = ("GET", "HEAD")

# Session keys (times as POSIX seconds).
AUTH_AT = "nadd_auth_at"  # when the password was entered at sign-in
SEEN_AT = "nadd_seen_at"  # the last request of this session
REAUTH_AT = "nadd_reauth_at"  # the last time the password (or an OTP) was entered
ENROLLED = "nadd_enrolled"  # whether the account had a second factor when it signed in


class RequestIDMiddleware:
    """Give every request an id: in ``request.request_id``, the logs and ``X-Request-ID``.

    The id comes from the trusted proxy's ``X-Request-ID`` when ``TRUSTED_PROXY_COUNT`` says
    there is one (so its logs and ours share it), and is otherwise generated here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A client could write anything into the header (another request's id, to muddle
        # the audit trail): it is kept only when it comes from the proxy we were told of,
        # which sets it on every request.
        incoming = request.headers.get("X-Request-ID") if settings.TRUSTED_PROXY_COUNT else None
        request.request_id = request_id.new_request_id(incoming)
        token = request_id.set_current(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not send itself: CORP everywhere, no-store when signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Signed-in pages hold unpublished positions: never in a shared or browser cache.
            response.headers.pop("Expires", None)
            patch_cache_control(
                response, no_store=True, no_cache=True, must_revalidate=True, private=True
            )
            if "max-age" in response.get("Cache-Control", ""):
                patch_cache_control(response, max_age=0)
        return response


class AllowedMethodsMiddleware:
    """TRACE, PUT, DELETE, OPTIONS and the rest answer 405 everywhere: the site is forms.

    The refusal comes before CSRF and the view, so a class-based view that would treat
    PUT like POST never sees it; ``Allow`` lists what the view declares it answers
    (``@policy.methods``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ALLOWED_METHODS:
            return None
        declared = policy.declaration_of(view_func).methods
        allowed = [m for m in ALLOWED_METHODS if declared is None or m in declared]
        return HttpResponseNotAllowed(allowed or ALLOWED_METHODS)


def accepts_files(max_bytes):
    """Declare that a view takes uploaded files, each at most ``max_bytes`` long.

    Any other view takes none: InputHygieneMiddleware refuses a file part sent to it
    before a byte of it is written anywhere. The mark survives the decorators that
    wrap the view (functools.wraps copies it), the admin's admin_view included.
    """

    def mark(view):
        view.accepts_files = max_bytes
        return view

    return mark


def accepted_file_size(view_func):
    """The largest file ``view_func`` declares it takes (``accepts_files``), or 0."""
    func = view_func
    for _layer in range(10):
        if getattr(func, "accepts_files", None):
            return func.accepts_files
        func = getattr(func, "__wrapped__", None)
        if func is None:
            break
    return 0


class UploadRefused(MultiPartParserError, SuspiciousOperation):
    """A file part the view does not take, or one larger than it takes.

    A MultiPartParserError, so that Django marks the body as unreadable rather than
    parsing it again; a SuspiciousOperation, so that wherever it is raised the answer is
    a 400, never a 500.
    """


class DeclaredUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: file data reaches the handlers after it (memory,
    then a temporary file) only for a view that declared it takes files, and only up
    to the size it declared. Bytes are counted as they arrive, so a body of unknown
    length is stopped at the limit too. Without a declaration (``request.accepts_files``
    is set by InputHygieneMiddleware), no file is taken at all."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = getattr(request, "accepts_files", 0)
        self.received = 0

    def new_file(self, *args, **kwargs):
        if not self.limit:
            raise UploadRefused(_("This form does not take files."))
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadRefused(
                _("The file is larger than %(size)s, the most this form takes.")
                % {"size": filesizeformat(self.limit)}
            )
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one make the file


class InputHygieneMiddleware:
    """What a request may carry before any view, form or query sees it.

    - Header values: control characters (tab included) are written as escapes
      (``\\x00``). They are not valid HTTP, but the development server passes them on,
      and they would reach the session lookup (the cookie), django-axes' record of a
      sign-in (User-Agent, Accept) and the logs. A cookie whose value decodes to one is
      dropped.
    - The path may hold no control character nor bidi control, the query string no NUL
      byte (PostgreSQL refuses NUL in any query): 400 before the view runs. Form fields
      are checked by the forms themselves, which say what is wrong and keep what was
      typed (``validators.refuse_control_characters_in_every_form``).
    - The body: at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes of fields, plus, for a view
      declared with ``accepts_files``, files up to the size it declared. A larger
      Content-Length answers 400 unread; a file part sent to any other view answers 400
      before anything is written (DeclaredUploadHandler). The body is read here, before
      the CSRF check reads it, so nothing earlier can spool a file.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, value in list(request.META.items()):
            if key.startswith("HTTP_") and isinstance(value, str):
                request.META[key] = escape_controls(value)
        # A quoted cookie value may still decode to one ("\\000" is NUL): such a cookie
        # is ignored, as if it had not been sent.
        for name, value in list(request.COOKIES.items()):
            if UNSAFE_IN_A_LINE.search(name + value):
                del request.COOKIES[name]
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if UNSAFE_IN_A_LINE.search(request.path):
            return bad_request(request, view_func, _("The address contains a control character."))
        if any("\0" in key or "\0" in value for key, value in _items(request.GET)):
            return bad_request(request, view_func, _("The address contains a NUL character."))
        if request.method != "POST":
            return None
        request.accepts_files = accepted_file_size(view_func)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return bad_request(request, view_func, _("The request's length is not a number."))
        if limit is not None and length > limit + request.accepts_files:
            return bad_request(
                request,
                view_func,
                _("What was sent is larger than %(size)s, the most this form takes.")
                % {"size": filesizeformat(limit + request.accepts_files)},
            )
        try:
            request.POST  # noqa: B018 - parsed now, with the handlers above, and kept
        except UploadRefused as refusal:
            return bad_request(request, view_func, str(refusal))
        except (MultiPartParserError, UnreadablePostError):
            return bad_request(request, view_func, _("The form that was sent could not be read."))
        return None


def _items(query):
    for key, values in query.lists():
        for value in values:
            yield key, value


def bad_request(request, view_func, reason):
    """400, with the reason: as JSON for the API, otherwise the site's error page."""
    if getattr(view_func, "answers_json", False):
        return JsonResponse({"detail": reason}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


class SessionTimeoutMiddleware:
    """End a session after 30 minutes idle, or 12 hours after sign-in whatever happens."""

    # Rewriting the session on every request would cost a query; once a minute is enough.
    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            auth_at = session.setdefault(AUTH_AT, now)
            seen_at = session.get(SEEN_AT, now)
            if (
                now - seen_at > settings.SESSION_IDLE_TIMEOUT
                or now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)
            elif now - seen_at >= self.TOUCH_EVERY or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """A password-only session reaches nothing but the second step when the account has a
    second factor (always), or the set-up page when ``REQUIRE_MFA`` asks every account
    for one. For a role in ``PHISHING_RESISTANT_ROLES`` only a security key counts: a
    session verified otherwise is sent to the key step, or to register a key. The views
    such a session reaches are those declared ``@policy.password_step``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or policy.declaration_of(view_func).password_step:
            return None
        from commitments import mfa  # noqa: PLC0415 - models load after settings

        if mfa.counts_as_verified(request.user):
            return None
        if not settings.REQUIRE_MFA and not mfa.key_required(request.user):
            # Whether the account had a second factor is noted at sign-in (any change of
            # factor ends the account's other sessions), so this costs no query.
            enrolled = request.session.get(ENROLLED)
            if enrolled is None:
                enrolled = request.session[ENROLLED] = mfa.has_device(request.user)
            if not enrolled:
                return None
        target = mfa.next_step(request.user)
        next_url = request.get_full_path()
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("dashboard")
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")


def recently_authenticated(request):
    """Whether the password (or an OTP) was entered within ``REAUTH_MAX_AGE``."""
    entered = request.session.get(REAUTH_AT)
    return entered is not None and time.time() - entered <= settings.REAUTH_MAX_AGE


class AdminReauthMiddleware:
    """Every change made in the admin (roles, countries, accounts) needs a recent password:
    a POST to a view declared ``@policy.recent_password``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method == "POST"
            and policy.declaration_of(view_func).recent_password
            and request.user.is_authenticated
            and not recently_authenticated(request)
        ):
            return redirect(f"{reverse('reauth')}?{urlencode({'next': request.path})}")
        return None


def client_ip(request):
    """The client's address, or None. Behind ``TRUSTED_PROXY_COUNT`` proxies it is the
    entry those proxies added to X-Forwarded-For (counted from the right, so a client
    cannot forge it); otherwise REMOTE_ADDR. Anything that is not an address is ignored."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidates = []
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidates.append(hops[-proxies])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def axes_username(request, credentials):
    """The username django-axes counts a failure against (``AXES_USERNAME_CALLABLE``):
    the one typed, with control characters escaped and cut to axes' column, so that a
    username with a NUL byte is counted like any other instead of failing to be saved."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    return None if username is None else escape_controls(username)[:255]


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


class RateLimitMiddleware:
    """Per-user or per-address caps on POSTs to the views declaring one
    (``@policy.rate_limit``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = policy.declaration_of(view_func).rate_limit
        if request.method != "POST" or declared is None:
            return None
        limit = declared.in_force()
        if limit.per == "user" and request.user.is_authenticated:
            who = f"user:{request.user.pk}"
        else:
            who = f"ip:{client_ip(request) or 'unknown'}"
        if hit_rate_limit(limit, who):
            return too_many_requests(request, limit)
        return None


# --- Sign-in throttling: what an attacker does, failed sign-ins, is counted; never successes.


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


class CoordinatorReadOnlyMiddleware:
    """Coordinators read and review; any other non-GET request of theirs is refused
    (``policy.refuses_write``: the views declared ``@policy.coordinators_may_post`` are
    the exceptions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None
        if not policy.refuses_write(request.user, view_func):
            return None
        log_denial(request, status=403, reason="coordinator is read-only")
        raise PermissionDenied(str(policy.COORDINATORS_READ_ONLY))


class DenialLogMiddleware:
    """One structured log record for every 403 or 404 raised by a view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            log_denial(request, status=403, reason=str(exception))
        elif isinstance(exception, Http404):
            log_denial(request, status=404, reason="not found or out of scope")
        return None


def log_denial(request, *, status, reason):
    """Log who was refused what, with the request id; never a secret or a body."""
    user = getattr(request, "user", None)
    membership = policy.membership_of(user) if user is not None else None
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match else {}
    event = {
        "status": status,
        "user_id": getattr(user, "pk", None),
        "role": policy.role_of(user) if user is not None else None,
        "country": membership.country.code if membership and membership.country_id else None,
        "route": match.view_name if match else None,
        "method": request.method,
        "path": request.path,
        "object_id": kwargs.get("pk", kwargs.get("code")),
        "request_id": getattr(request, "request_id", request_id.current()),
        "reason": reason,
    }
    denials.warning(
        "access denied %s",
        " ".join(f"{key}={value}" for key, value in event.items() if key != "reason"),
        extra={"denial": event},
    )


class UserLanguageMiddleware:
    """A signed-in user's pages come in the language saved on their membership.

    Runs after LocaleMiddleware (browser preference, then the language cookie) and the
    authentication middleware, so the profile wins for signed-in users.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # The same query the page header needs anyway (membership with its country).
        membership = policy.membership_of(user) if user is not None else None
        if membership is not None and membership.language:
            translation.activate(membership.language)
            request.LANGUAGE_CODE = membership.language
        return self.get_response(request)
