"""The coordinators' review queue."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import policy, services
from commitments.models import ProgressUpdate
from commitments.pagination import PAGE_SIZE
from commitments.pagination import CappedPaginator as Paginator
from commitments.planning import joins_as_written
from commitments.views.updates import batch_step


@policy.requires(policy.may_review)
@policy.methods("GET")
def review_queue(request):
    queue = (
        ProgressUpdate.objects.review_queue()
        .marking_resubmissions()
        .select_related("objective__objective_set", "country", "period", "author")
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    with joins_as_written():
        page.object_list = list(page.object_list)
    return render(request, "commitments/review_queue.html", {"page": page})


@policy.coordinators_may_post
@policy.requires(policy.may_review)
@policy.methods("POST")
def review_publish_batch(request):
    """A coordinator publishes several submitted updates at once, from the review queue."""
    return batch_step(
        request,
        updates=ProgressUpdate.objects.all(),
        step=services.publish_updates,
        done_message=lambda count: (
            ngettext("%(count)d update was published.", "%(count)d updates were published.", count)
            % {"count": count}
        ),
        refused_heading=_("Nothing was published"),
        back=reverse("review_queue"),
    )
