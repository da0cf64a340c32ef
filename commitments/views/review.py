"""The coordinators' review queue."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import policy, services
from commitments.forms import BatchForm
from commitments.models import ProgressUpdate
from commitments.pagination import page_of_rows
from commitments.views.updates import batch_step


@policy.requires(policy.may_review)
@policy.methods("GET")
def review_queue(request):
    queue = ProgressUpdate.objects.review_queue()
    # Each row drawn once per row version (a return, and the resubmission it marks, move
    # it), read as ids and versions; whole, with its joins, only where not drawn yet.
    page = page_of_rows(
        request,
        queue,
        "review-row",
        queue.marking_resubmissions().select_related(
            "objective__objective_set", "country", "period", "author"
        ),
    )
    return render(request, "commitments/review_queue.html", {"page": page})


@policy.coordinators_may_post
@policy.requires(policy.may_review)
@policy.methods("POST")
def review_publish_batch(request):
    """A coordinator publishes several submitted updates at once, from the review queue,
    once they have confirmed it on the page listing the chosen updates (``confirmed``)."""
    if request.POST.get("confirmed") != "yes":
        return confirm_publish_batch(request)
    return publish_chosen(request)


def publish_chosen(request):
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


def confirm_publish_batch(request):
    """The chosen updates, listed to confirm publishing them; its form posts them again
    with the versions the queue showed, so any changed since is refused, none published."""
    form = BatchForm(request.POST)
    if not form.is_valid():
        context = {
            "refused_heading": _("Nothing was published"),
            "back": reverse("review_queue"),
            "form": form,
            "failures": (),
        }
        return render(request, "commitments/update_batch.html", context, status=400)
    versions = form.cleaned_data["versions"]
    chosen = list(
        ProgressUpdate.objects.filter(pk__in=list(versions))
        .review_queue()
        .select_related(*policy.UPDATE_PAGE_RELATED)
    )
    if len(chosen) != len(versions):
        # An unknown id (404), or one no longer awaiting review: the step itself refuses
        # the whole batch and says which, as it would once confirmed.
        return publish_chosen(request)
    chosen = [(update, versions[update.pk]) for update in chosen]
    return render(request, "commitments/review_publish_confirm.html", {"chosen": chosen})
