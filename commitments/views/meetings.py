"""The meetings of the dialogue and the brief prepared for each."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from commitments import briefs, policy
from commitments.models import (
    Meeting,
    Objective,
)
from commitments.views import jobs as job_views


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_list(request):
    meetings = Meeting.objects.prefetch_related("participants")
    return render(request, "commitments/meeting_list.html", {"meetings": meetings})


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_detail(request, pk):
    meeting = get_object_or_404(Meeting.objects.prefetch_related("participants"), pk=pk)
    objectives = Prefetch("objectives", queryset=Objective.objects.order_by("number"))
    context = {
        "meeting": meeting,
        "adopted": meeting.objective_sets_adopted.prefetch_related(objectives),
        "reviewed": meeting.objective_sets_reviewed.prefetch_related(objectives),
    }
    return render(request, "commitments/meeting_detail.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_brief(request, pk):
    meeting = get_object_or_404(Meeting, pk=pk)
    context = {"brief": briefs.build(meeting)}
    return render(request, "commitments/meeting_brief.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_brief_pdf(request, pk):
    """The brief as a PDF, drawn by a background job once per change of what it shows
    (commitments/views/jobs.py); this sends the reader to the job's page."""
    meeting = get_object_or_404(Meeting, pk=pk)
    return job_views.start_brief_pdf(request, meeting)
