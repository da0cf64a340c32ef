from commitments import policy
from commitments.models import Membership


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
