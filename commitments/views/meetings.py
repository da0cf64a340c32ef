"""The meetings of the dialogue, their snapshots, and the brief prepared for each."""

import functools

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import briefs, policy, snapshots
from commitments.models import Job, Meeting, MeetingSnapshot, Objective
from commitments.views import jobs as job_views


class SnapshotForm(forms.Form):
    cutoff = forms.DateField(
        label=gettext_lazy("Cut-off"),
        help_text=gettext_lazy("Updates published on or before this day are frozen."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_list(request):
    meetings = Meeting.objects.select_related("host").prefetch_related("participants")
    return render(request, "commitments/meeting_list.html", {"meetings": meetings})


def _meeting_page(request, meeting, snapshot_form=None, status=200):
    objectives = Prefetch("objectives", queryset=Objective.objects.order_by("number"))
    try:
        snapshot = meeting.snapshot
    except MeetingSnapshot.DoesNotExist:
        snapshot = None
    if snapshot_form is None and snapshot is None:
        snapshot_form = SnapshotForm(initial={"cutoff": snapshots.default_cutoff(meeting)})
    frozen = snapshots.frozen_table(snapshot) if snapshot else None
    context = {
        "meeting": meeting,
        "documents": meeting.documents.all(),
        "snapshot": snapshot,
        "frozen": frozen,
        "snapshot_cells": frozen.cells if frozen else 0,
        "snapshot_form": snapshot_form,
        "adopted": meeting.objective_sets_adopted.prefetch_related(objectives),
        "reviewed": meeting.objective_sets_reviewed.prefetch_related(objectives),
    }
    return render(request, "commitments/meeting_detail.html", context, status=status)


def _meeting(pk):
    return get_object_or_404(
        Meeting.objects.select_related("host", "snapshot__taken_by").prefetch_related(
            "participants"
        ),
        pk=pk,
    )


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_detail(request, pk):
    return _meeting_page(request, _meeting(pk))


@policy.coordinators_may_post
@policy.requires(policy.may_take_snapshot)
@policy.methods("POST")
def meeting_snapshot(request, pk):
    """A coordinator freezes the record presented at the meeting (once per meeting)."""
    meeting = _meeting(pk)
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, form, status=400)
    try:
        snapshots.take_snapshot(
            actor=request.user, meeting=meeting, cutoff=form.cleaned_data["cutoff"]
        )
    except snapshots.SnapshotRefused as refusal:
        form.add_error(refusal.field, refusal.message)
        # A cut-off in the future is bad input; a snapshot already taken, a conflict.
        return _meeting_page(request, meeting, form, status=400 if refusal.field else 409)
    messages.success(request, _("The meeting's snapshot was taken. It can no longer change."))
    return redirect(meeting)


def _brief_terms(request, meeting):
    """The brief's form, bound to the query string when it makes a choice."""
    return briefs.BriefForm(meeting, request.GET, today=timezone.localdate())


@policy.requires(policy.has_role)
@policy.methods("GET")
def meeting_brief(request, pk):
    meeting = get_object_or_404(Meeting, pk=pk)
    form = _brief_terms(request, meeting)
    if form.is_bound and not form.is_valid():
        context = {"meeting": meeting, "form": form, "terms": None, "brief": None}
        return render(request, "commitments/meeting_brief.html", context, status=400)
    comparison, cutoff = form.terms()
    context = {
        "meeting": meeting,
        "form": form,
        "terms": briefs.Terms(meeting, comparison, cutoff),
        # Built only when the cached drawing ("meeting-brief") is missing: the template
        # calls it there, once.
        "brief": functools.cache(functools.partial(briefs.build, meeting, comparison, cutoff)),
        # The PDF carries the coordinator's choice; without one, it makes the same one.
        "pdf_query": form.query() if form.is_bound else "",
    }
    return render(request, "commitments/meeting_brief.html", context)


@policy.asks_for_a_file
def meeting_brief_pdf(request, pk):
    """The brief as a PDF, drawn by a background job once per change of what it shows
    (commitments/views/jobs.py); this sends the reader to the job's page."""
    meeting = get_object_or_404(Meeting, pk=pk)
    form = _brief_terms(request, meeting)
    if form.is_bound and not form.is_valid():
        errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    comparison, cutoff = form.terms()
    return job_views.start_brief_pdf(request, Job.Kind.BRIEF_PDF, meeting, comparison, cutoff)
