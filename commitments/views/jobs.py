"""Files prepared in the background (exports, briefs' PDFs): starting one, its page with a
progress bar, its status for the page's script, and the download, for the person who
asked only (``policy.get_job``)."""

import functools

from django.conf import settings
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from commitments import audit, briefs, jobs, policy
from commitments.models import Job
from commitments.ratelimits import hit_rate_limit, too_many_requests

# How many of the reader's most recent jobs "Your files" lists.
RECENT_JOBS = 20


def start(request, **what):
    """Start a job for the reader (or find the same one going) and go to its page; over
    the limit of jobs at once, say so (429)."""
    try:
        job = jobs.start(actor=request.user, language=get_language(), **what)
    except jobs.TooManyJobs:
        return render_job_list(request, over_limit=True)
    return redirect(job)


def offered_unless_posted(start_file):
    """What every address that prepares a file answers (its rule: ``policy.asks_for_a_file``):
    to a POST, ``start_file(request, kind, ...)``; to any other request, the offer of a
    file of ``kind`` (what will be prepared, and a button that asks for it). Only a POST
    starts a job, so a link followed by a prefetcher, a crawler or another site's page
    prepares nothing."""

    @functools.wraps(start_file)
    def offer_or_start(request, kind, *args, **kwargs):
        if request.method != "POST":
            context = {"kind": Job.Kind(kind), "action": request.get_full_path()}
            return render(request, "commitments/job_offer.html", context)
        return start_file(request, kind, *args, **kwargs)

    return offer_or_start


@offered_unless_posted
def start_export(request, kind, query=""):
    return start(request, kind=kind, query=query)


@offered_unless_posted
def start_brief_pdf(request, kind, meeting, comparison, cutoff):
    """The brief's PDF (``kind`` BRIEF_PDF), compared with ``comparison`` as published by
    ``cutoff`` (the coordinator's terms, briefs.BriefForm): a file already drawn of the
    same terms, data, language and layout is reused (no drawing at all); otherwise a job
    draws it, counted against the ``brief_pdf`` rate limit of fresh drawings."""
    drawing = briefs.pdf_cache_key(request, meeting, comparison, cutoff)
    job = jobs.reuse_drawing(actor=request.user, meeting=meeting, drawing=drawing)
    if job is not None:
        return redirect(job)
    going = Job.objects.filter(owner=request.user, drawing=drawing).active().first()
    if going is None:
        limit = policy.RateLimit.named("brief_pdf")
        if hit_rate_limit(limit, f"user:{request.user.pk}"):
            return too_many_requests(request, limit)
    terms = briefs.terms_query(comparison, cutoff)
    return start(request, kind=kind, meeting=meeting, drawing=drawing, query=terms)


@policy.asks_for_a_file
def export_all(request):
    """Every published update the reader may read, with the reference data and a data
    dictionary, as one zip."""
    return start_export(request, Job.Kind.EXPORT_ZIP)


@policy.requires(policy.has_role)
@policy.methods("GET")
def job_list(request):
    return render_job_list(request)


def render_job_list(request, over_limit=False):
    jobs_list = policy.own_jobs(request.user).select_related("meeting")[:RECENT_JOBS]
    context = {"jobs": jobs_list, "over_limit": over_limit, "limit": settings.JOBS_MAX_RUNNING}
    return render(request, "commitments/job_list.html", context, status=429 if over_limit else 200)


@policy.requires(policy.has_role)
@policy.methods("GET")
def job_detail(request, pk):
    job = policy.get_job(request, pk)
    if job.is_expired and job.state == Job.State.DONE:
        jobs.expire(job)
    return render_job(request, job)


def render_job(request, job, status=200):
    context = {
        "job": job,
        "status": status_of(job),
        "email_rows": _grouped(settings.JOBS_EMAIL_ROWS),
    }
    return render(request, "commitments/job_detail.html", context, status=status)


@policy.requires(policy.has_role)
@policy.methods("GET")
def job_status(request, pk):
    """The job's state for its page's script (static/js/jobs.js)."""
    job = policy.get_job(request, pk)
    return JsonResponse(status_of(job), json_dumps_params={"ensure_ascii": False})


@policy.requires(policy.has_role)
@policy.methods("GET")
def job_download(request, pk):
    """The finished file, as an attachment, to its owner only; an export's download is
    audited. An expired or unfinished job answers its page (410 or 409)."""
    job = policy.get_job(request, pk)
    if job.is_expired:
        if job.state == Job.State.DONE:
            jobs.expire(job)
        return render(
            request, "commitments/job_detail.html", {"job": job, **status_of(job)}, status=410
        )
    if job.state != Job.State.DONE:
        return render(
            request, "commitments/job_detail.html", {"job": job, **status_of(job)}, status=409
        )
    if job.is_export:
        audit.record(
            actor=request.user,
            action=audit.Action.EXPORT_DOWNLOADED,
            target=job,
            changes={"kind": job.kind, "filters": job.query, "rows": job.total},
        )
    return FileResponse(
        jobs.storage().open(job.file_name),
        as_attachment=True,
        filename=job.download_name,
        content_type=job.content_type,
    )


def _grouped(number):
    return number_format(number, force_grouping=True)


def status_of(job):
    """What the page and its script show of the job, in the reader's language."""
    if job.is_expired:
        label = _("This file has expired and was deleted.")
    elif job.state == Job.State.DONE:
        label = _("Ready.")
    elif job.state == Job.State.FAILED:
        label = _("The file could not be prepared.")
    elif job.state == Job.State.QUEUED:
        label = _("Waiting for a worker…")
    elif job.total and job.kind != Job.Kind.BRIEF_PDF:
        label = ngettext(
            "Prepared %(done)s of %(total)s row.",
            "Prepared %(done)s of %(total)s rows.",
            job.total,
        ) % {
            "done": number_format(job.done, force_grouping=True),
            "total": number_format(job.total, force_grouping=True),
        }
    else:
        label = _("Being prepared…")
    ready = job.state == Job.State.DONE and not job.is_expired
    return {
        "state": Job.State.EXPIRED if job.is_expired else job.state,
        "active": job.is_active,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "label": label,
        "download_url": reverse("job_download", args=[job.pk]) if ready else None,
    }
