"""The coordinators' review queue."""

from django.shortcuts import render

from commitments import policy
from commitments.models import ProgressUpdate
from commitments.pagination import PAGE_SIZE
from commitments.pagination import CappedPaginator as Paginator
from commitments.planning import joins_as_written


@policy.requires(policy.may_review)
@policy.methods("GET")
def review_queue(request):
    queue = ProgressUpdate.objects.review_queue().select_related(
        "objective__objective_set", "country", "period", "author"
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    with joins_as_written():
        page.object_list = list(page.object_list)
    return render(request, "commitments/review_queue.html", {"page": page})
