"""The secretariat's assessment: a set's compliance (heat map and tables), and each
country's assessment on an objective at a review, with the country's own reports beside
it, the draft's reply and the step that makes it final."""

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import assessments, exports, handling, history, policy, years
from commitments.models import Assessment, AuditEntry, Objective, ProgressUpdate
from commitments.views.overview import refused, year_unknown


@policy.requires(policy.has_role)
@policy.methods("GET")
def assessment_overview(request):
    """A set's assessments (``?year=``): the compliance heat map and tables (final
    assessments), and every cell's assessments the reader may read, drafts included."""
    frame = years.read_frame(years.requested(request), whole=True)
    if frame.unknown_year:
        return year_unknown(request, frame)
    compliance = None
    if frame.objective_set is not None:
        readable = policy.readable_assessments(request.user).only(
            "pk", "objective_id", "country_id", "review", "rating", "state"
        )
        compliance = assessments.compliance(
            frame.objective_set, frame.objectives, frame.countries, readable
        )
    # An official's own country's drafts, which they may answer.
    awaiting_reply = [
        assessment
        for _objective, cells in (compliance.rows if compliance else [])
        for cell in cells
        for assessment in (cell.interim, cell.final)
        if assessment is not None
        and assessment.state == Assessment.State.DRAFT
        and policy.may_act_for(request.user, cell.country)
    ]
    context = {
        "frame": frame,
        "compliance": compliance,
        "scale": assessments.scale(),
        "awaiting_reply": awaiting_reply,
    }
    return render(request, "commitments/assessment_overview.html", context)


@policy.requires(policy.has_role)
@policy.methods("GET")
def assessment_export(request, fmt):
    """A set's assessments (``?year=``) as a CSV file or an Excel workbook: those the
    reader may read (final ones; drafts too for the coordinators and the country's own)."""
    year = years.requested(request)
    if year == years.NOT_A_YEAR:
        return refused(request, _("Give the year as four digits."))
    frame = years.read_frame(year)
    if frame.unknown_year or frame.objective_set is None:
        return year_unknown(request, frame)
    header, table = assessments.export_table(
        frame.objective_set,
        frame.objectives,
        frame.countries,
        policy.readable_assessments(request.user),
    )
    filename = f"nadd-assessments-{frame.objective_set.year}-{timezone.now():%Y%m%d-%H%M}"
    filename = re.sub("[^A-Za-z0-9-]+", "-", filename)
    return exports.table_response(
        fmt,
        header,
        table,
        filename,
        _("Assessments"),
        marking=handling.marking_for(request),
    )


def _cell(objective_pk, code, review):
    """The objective, member country and review an address names, or 404."""
    if review not in Assessment.Review.values:
        raise Http404()
    objective = get_object_or_404(
        Objective.objects.select_related("objective_set"), pk=objective_pk
    )
    country = get_object_or_404(
        years.member_countries(), code__iexact=code if code.isascii() else "-"
    )
    return objective, country, Assessment.Review(review)


def _assessment(request, objective, country, review):
    """The assessment of the cell the reader may read, or None."""
    return (
        policy.readable_assessments(request.user)
        .filter(objective=objective, country=country, review=review)
        .select_related("author", "replied_by", "finalised_by")
        .prefetch_related("evidence_updates__period", "evidence_files__update__period")
        .first()
    )


def _page(request, objective, country, review, assessment, status=200, **forms):
    user = request.user
    own_reports = assessments.evidence_reports(objective, country)
    latest = ProgressUpdate.objects.published().filter(objective=objective, country=country)
    latest = latest.select_related("period").latest_period_first().first()
    draft = assessment is not None and not assessment.is_final
    may_assess = policy.may_assess(user)
    may_reply = draft and policy.may_reply_to_assessment(user, assessment)
    if may_assess and (assessment is None or draft) and "form" not in forms:
        forms["form"] = assessments.AssessmentForm(
            objective=objective, country=country, assessment=assessment
        )
    if may_reply and "reply_form" not in forms:
        forms["reply_form"] = assessments.ReplyForm(
            initial={"reply": assessment.reply, "version": assessment.version}
        )
    entries = []
    if assessment is not None and policy.may_read_assessment_history(user, assessment):
        found = AuditEntry.objects.for_object(assessment).select_related("actor").reverse()
        entries = [(entry, history.describe(entry)) for entry in found]
    context = {
        "objective": objective,
        "country": country,
        "review": review,
        "assessment": assessment,
        "latest": latest,
        "own_reports": own_reports[:8],
        "scale": assessments.scale(),
        "may_assess": may_assess,
        "may_reply": may_reply,
        "may_finalise": draft and may_assess,
        "entries": entries,
        "reviews": Assessment.Review,
        **forms,
    }
    return render(request, "commitments/assessment_detail.html", context, status=status)


@policy.requires(policy.has_role)
@policy.methods("GET")
def assessment_detail(request, pk, code, review):
    objective, country, review = _cell(pk, code, review)
    assessment = _assessment(request, objective, country, review)
    return _page(request, objective, country, review, assessment)


def _refused(request, objective, country, review, refusal):
    messages.error(request, refusal.message)
    assessment = _assessment(request, objective, country, review)
    return _page(request, objective, country, review, assessment, status=409)


@policy.coordinators_may_post
@policy.requires(policy.may_assess)
@policy.methods("POST")
def assessment_save(request, pk, code, review):
    """A coordinator writes or revises the draft."""
    objective, country, review = _cell(pk, code, review)
    assessment = _assessment(request, objective, country, review)
    form = assessments.AssessmentForm(
        request.POST, objective=objective, country=country, assessment=assessment
    )
    if not form.is_valid():
        return _page(request, objective, country, review, assessment, status=400, form=form)
    try:
        saved = assessments.save_draft(
            actor=request.user,
            objective=objective,
            country=country,
            review=review,
            **form.save_values(),
        )
    except assessments.AssessmentRefused as refusal:
        return _refused(request, objective, country, review, refusal)
    messages.success(
        request,
        _("The draft assessment was saved. The country's officials can read it and reply."),
    )
    return redirect(saved)


@policy.requires(policy.may_write_updates)
@policy.methods("POST")
def assessment_reply(request, pk, code, review):
    """The assessed country's official replies to the draft."""
    objective, country, review = _cell(pk, code, review)
    assessment = _assessment(request, objective, country, review)
    if assessment is None:
        raise Http404()
    policy.may_reply_to_assessment.check(request.user, assessment)
    form = assessments.ReplyForm(request.POST)
    if not form.is_valid():
        return _page(request, objective, country, review, assessment, 400, reply_form=form)
    try:
        assessments.reply(
            actor=request.user,
            assessment=assessment,
            text=form.cleaned_data["reply"],
            loaded_version=form.cleaned_data["version"],
        )
    except assessments.AssessmentRefused as refusal:
        return _refused(request, objective, country, review, refusal)
    messages.success(request, _("Your reply was sent. It stays attached to the assessment."))
    return redirect(assessment)


@policy.coordinators_may_post
@policy.requires(policy.may_assess)
@policy.methods("POST")
def assessment_finalise(request, pk, code, review):
    """A coordinator makes the draft final: every reader sees it, and it never changes."""
    objective, country, review = _cell(pk, code, review)
    assessment = _assessment(request, objective, country, review)
    if assessment is None:
        raise Http404()
    form = assessments.FinaliseForm(request.POST)
    if not form.is_valid():
        return _page(request, objective, country, review, assessment, status=400)
    try:
        assessments.finalise(
            actor=request.user, assessment=assessment, loaded_version=form.cleaned_data["version"]
        )
    except assessments.AssessmentRefused as refusal:
        return _refused(request, objective, country, review, refusal)
    messages.success(request, _("The assessment is final. Every reader can now see it."))
    return redirect(assessment)
