"""Refusals: one structured log record for every 403, 404 and 429 the application gives,
and the 403 page, which says why and what the reader can do instead."""

import logging

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from commitments import policy, request_id

logger = logging.getLogger("commitments.access")


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
    logger.warning(
        "access denied %s",
        " ".join(f"{key}={value}" for key, value in event.items() if key != "reason"),
        extra={"denial": event},
    )


class NotForYou(PermissionDenied):
    """A refusal (403) that says plainly why the page is not for this reader and links to
    what they can do instead: ``instead`` is a list of ``(label, url)``, shown before the
    links every refusal page offers by role (403.html)."""

    def __init__(self, message, *, instead=()):
        super().__init__(str(message))
        self.instead = list(instead)


def permission_denied(request, exception):
    """The site's 403 page (``handler403``): the refusal's message, and what the reader
    can do instead."""
    context = {
        "exception": str(exception) if str(exception) else "",
        "instead": getattr(exception, "instead", ()),
    }
    return render(request, "403.html", context, status=403)
