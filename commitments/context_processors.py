import math
import time

from django.conf import settings

from commitments import policy
from commitments.models import Membership
from commitments.sessions import AUTH_AT, SEEN_AT


def membership(request):
    """The signed-in user's role and country for the header (display only), and ``may``:
    what they may do on the site, for the navigation (commitments.policy)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    role = policy.role_of(user)
    return {
        "current_membership": policy.membership_of(user),
        "current_role_label": Membership.Role(role).label if role else None,
        "may": policy.SiteAbilities(user),
    }


def session_timeout(request):
    """For a signed-in page: when its session ends unless something happens, for the
    warning before it does (templates/includes/session_timeout.html): the seconds left
    before the idle timeout and before the absolute one, and how long before the end
    the warning comes."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return {}
    now = time.time()
    idle = settings.SESSION_IDLE_TIMEOUT - (now - session.get(SEEN_AT, now))
    absolute = settings.SESSION_ABSOLUTE_TIMEOUT - (now - session.get(AUTH_AT, now))
    return {
        "session_ends": {
            # Rounded up: the page never says the session has ended before it has.
            "idle": max(0, math.ceil(idle)),
            "absolute": max(0, math.ceil(absolute)),
            "warning": settings.SESSION_TIMEOUT_WARNING,
            "warning_minutes": max(1, settings.SESSION_TIMEOUT_WARNING // 60),
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
            "absolute_hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600,
        }
    }
