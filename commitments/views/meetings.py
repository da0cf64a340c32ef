"""The meetings of the dialogue and the brief prepared for each."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from commitments import briefs, policy
from commitments.models import (
    Meeting,
    Objective,
)
from commitments.ratelimits import hit_rate_limit, too_many_requests


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
    """The brief as a PDF: drawn once per change of what it shows (it takes seconds), then
    served from the shared cache; each user may have only a few drawn afresh at a time
    (``RATE_LIMITS["brief_pdf"]``, counted here, not per request)."""
    meeting = get_object_or_404(Meeting, pk=pk)
    key = briefs.pdf_cache_key(request, meeting)
    document = briefs.cached_pdf(key)
    if document is None:
        limit = policy.RateLimit.named("brief_pdf")
        if hit_rate_limit(limit, f"user:{request.user.pk}"):
            return too_many_requests(request, limit)
        document = briefs.render_pdf(request, briefs.build(meeting))
        briefs.keep_pdf(key, document)
    response = HttpResponse(document, content_type="application/pdf")
    filename = slugify(meeting.name) or "brief"
    response["Content-Disposition"] = f'attachment; filename="brief-{filename}.pdf"'
    return response
