"""Refusals, logged: one structured record for every 403, 404 and 429 the application gives."""

import logging

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
