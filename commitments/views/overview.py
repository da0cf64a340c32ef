"""The dashboard: where every objective stands in every country, what is missing, and
what happened last."""

from django.shortcuts import render

from commitments import fragments, partners, policy
from commitments.matrix import DashboardOverview
from commitments.models import (
    ProgressUpdate,
)


@policy.requires(policy.has_role)
@policy.methods("GET")
def dashboard(request):
    user = request.user
    overview = DashboardOverview(request)
    context = {
        # The overview is the same for every reader with the same scope: cached, keyed by
        # the data stamps, and computed only when a fragment has to be drawn.
        "overview": overview,
        # Partners' published contributions, read only when their fragment is drawn.
        "partner_contributions": lambda: partners.latest_contributions(
            overview.frame["objectives"]
        ),
        "recent": recent_activity(request),
        "awaiting_review": (
            ProgressUpdate.objects.review_queue().count() if policy.may_review(user) else None
        ),
        "needing_action": (
            policy.editable_updates(user).count() if policy.may_write_updates(user) else None
        ),
    }
    return render(request, "commitments/dashboard.html", context)


def recent_activity(request, count=10):
    """The newest updates the reader may see, each drawn once per row version."""
    visible = policy.readable_updates(request.user)
    return fragments.fill_rows(
        request,
        visible.newest_first().only("pk", "version")[:count],
        "activity-item",
        visible.select_related("objective", "country", "author", "period"),
    )
