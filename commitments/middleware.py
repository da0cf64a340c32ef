"""Request-wide security rules that no single view should have to remember.

Each class does one job; ``MIDDLEWARE`` in the settings says in which order.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from commitments import kept_forms, policy, request_id
from commitments.clients import client_ip
from commitments.denials import log_denial
from commitments.ratelimits import hit_rate_limit, too_many_requests
from commitments.sessions import AUTH_AT, ENROLLED, SEEN_AT, recently_authenticated
from commitments.uploads import UploadRefused, accepted_file_size
from commitments.validators import UNSAFE_IN_A_LINE, escape_controls

ALLOWED_METHODS = ("GET", "HEAD", "POST")
SAFE_METHODS = ("GET", "HEAD")


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
            idle = now - seen_at > settings.SESSION_IDLE_TIMEOUT
            if idle or now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                user_id = request.user.pk
                logout(request)
                # The new session remembers whose ended, so that a form posted now is
                # kept for that person (KeepFormMiddleware) and the sign-in page says why.
                kept_forms.note_signed_out(
                    request, user_id, kept_forms.IDLE if idle else kept_forms.ABSOLUTE
                )
            elif now - seen_at >= self.TOUCH_EVERY or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)


class KeepFormMiddleware:
    """A form posted after its session ended (30 minutes idle, or 12 hours after sign-in)
    is not lost: for a view declared ``@policy.keeps_form``, what was typed is kept for
    the person whose session it was and put back in the form after they sign in again
    (commitments/kept_forms.py). Placed after the CSRF check, before the sign-in rule."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.user.is_authenticated:
            return None
        return kept_forms.keep(request, view_func, view_kwargs)


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
