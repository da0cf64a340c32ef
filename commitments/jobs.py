"""Long work off the request path: exports and briefs' PDFs as background jobs.

A view starts a job (``start``) and sends the user to its page; Django's tasks framework
runs ``run_job`` in a worker process (``manage.py db_worker``, the queue kept in the
database by django-tasks-db, so the job row and its place in the queue are written in one
transaction). The job writes its file row by row to a temporary file, reports its
progress as it goes, and keeps the finished file in the private ``job_files`` storage,
where only its owner's download reaches it (``policy.get_job``).

The rules of jobs live here: how many one person may have going at once
(``JOBS_MAX_RUNNING``), how long a file is kept (``JOBS_FILE_HOURS``, then
``delete_expired``), which exports also send an e-mail (``JOBS_EMAIL_ROWS``), and that a
brief is drawn once per change of what it shows (``reuse_drawing``). Each job reads with
its owner's scope at the time it runs (``policy.readable_updates``).
"""

import datetime
import logging
import tempfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import QueryDict
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from commitments import briefs, exports, handling, open_data, policy
from commitments.filters import ProgressUpdateFilter
from commitments.models.jobs import Job

logger = logging.getLogger(__name__)

Kind = Job.Kind
State = Job.State
# A job queued or running for longer than this is taken as lost (its worker was killed)
# and marked failed, so that it no longer counts against its owner's limit.
LOST_AFTER = datetime.timedelta(hours=6)


class TooManyJobs(Exception):
    """The person already has ``JOBS_MAX_RUNNING`` jobs queued or running."""


def storage():
    return storages["job_files"]


def filters_of(query):
    """The updates list's filters in ``query`` (a QueryDict), nothing else."""
    kept = QueryDict(mutable=True)
    for name in ProgressUpdateFilter.base_filters:
        if query.get(name):
            kept[name] = query.get(name)
    return kept.urlencode()


# --- Starting ----------------------------------------------------------------------------


def start(*, actor, kind, language, query="", meeting=None, drawing=""):
    """A job for ``actor``, queued; or the same job already queued or running for them
    (a link followed twice prepares one file). Refuses (TooManyJobs) past the limit."""
    with transaction.atomic():
        # One start at a time per person, so that two at once cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        mine = Job.objects.filter(owner=actor)
        same = (
            mine.active()
            .filter(kind=kind, language=language, query=query, meeting=meeting, drawing=drawing)
            .first()
        )
        if same is not None:
            return same
        if mine.active().count() >= settings.JOBS_MAX_RUNNING:
            raise TooManyJobs
        job = Job.objects.create(
            owner=actor, kind=kind, language=language, query=query, meeting=meeting, drawing=drawing
        )
        run_job.enqueue(str(job.pk))
    return job


def reuse_drawing(*, actor, meeting, drawing):
    """A finished job of ``actor`` for this drawing of the brief (same meeting, language,
    data stamps and layout), or a new finished job sharing another person's file for it
    (the brief shows published updates only, the same to every reader); None when no
    file of it is kept for at least another hour."""
    if not drawing:
        return None
    kept = (
        Job.objects.filter(kind=Kind.BRIEF_PDF, drawing=drawing, state=State.DONE)
        .filter(expires_at__gt=timezone.now() + datetime.timedelta(hours=1))
        .order_by("-expires_at")
    )
    own = kept.filter(owner=actor).first()
    if own is not None:
        return own
    source = kept.first()
    if source is None:
        return None
    now = timezone.now()
    return Job.objects.create(
        owner=actor,
        kind=Kind.BRIEF_PDF,
        state=State.DONE,
        language=source.language,
        meeting=meeting,
        drawing=drawing,
        done=1,
        total=1,
        file_name=source.file_name,
        download_name=source.download_name,
        content_type=source.content_type,
        size=source.size,
        started_at=now,
        finished_at=now,
        # The file is deleted when the last job sharing it expires: they expire together.
        expires_at=source.expires_at,
    )


# --- Running -----------------------------------------------------------------------------


def report_progress(job, done):
    """Record how far the job has got (read by its page and status endpoint)."""
    Job.objects.filter(pk=job.pk).update(done=min(done, job.total))


def _claim(job_id):
    """The queued job, now marked running; None when it is no longer queued."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, state=State.QUEUED).first()
        if job is not None:
            job.state = State.RUNNING
            job.started_at = timezone.now()
            job.save(update_fields=["state", "started_at"])
    return job


def _export_updates(job):
    """The updates the export holds: the owner's readable updates under the job's filters,
    read with the owner's scope as it is now."""
    updates = (
        policy.readable_updates(job.owner)
        .newest_first()
        .select_related("objective__objective_set", "country", "period", "author")
    )
    filterset = ProgressUpdateFilter(QueryDict(job.query), queryset=updates, request=None)
    if not filterset.is_valid():
        raise ValueError("The job's filters are no longer valid.")
    return filterset.qs


def _write_export(job, output):
    stamp = f"{job.created_at:%Y%m%d-%H%M}"
    if job.kind == Kind.EXPORT_ZIP:
        job.total = open_data.count(job.owner)
        job.save(update_fields=["total"])
        open_data.write_zip(job.owner, output, lambda done: report_progress(job, done))
        return f"nadd-published-data-{stamp}.zip", "application/zip"
    updates = _export_updates(job)
    job.total = updates.count()
    job.save(update_fields=["total"])
    progress = lambda done: report_progress(job, done)  # noqa: E731
    marking = handling.current_marking()  # in the job's language
    if job.kind == Kind.EXPORT_CSV:
        exports.write_csv(updates, output, progress, marking=marking)
        return f"nadd-updates-{stamp}.csv", exports.CSV_TYPE
    exports.write_xlsx(updates, output, progress, marking=marking)
    return f"nadd-updates-{stamp}.xlsx", exports.XLSX_TYPE


def _write_brief(job, output):
    """The brief's PDF: from the shared cache when this drawing was made already."""
    job.total = 1
    job.save(update_fields=["total"])
    document = briefs.cached_pdf(job.drawing) if job.drawing else None
    if document is None:
        comparison, cutoff = briefs.terms_of(job.meeting, job.query)
        document = briefs.render_pdf(None, briefs.build(job.meeting, comparison, cutoff))
        if job.drawing:
            briefs.keep_pdf(job.drawing, document)
    output.write(document)
    # In the job's language: "nota-informativa-8o-dialogo-de-america-del-norte-...".
    words = f"{_('Brief')} {job.meeting.local_name}".replace("'", " ").replace("’", " ")
    name = slugify(words) or "brief"
    return f"{name}.pdf", "application/pdf"


def execute(job):
    """Write the job's file and keep it; the job is then done, with its expiry set."""
    if not (job.owner.is_active and policy.has_role(job.owner)):
        raise PermissionError("The account that asked may no longer read this.")
    writer = _write_brief if job.kind == Kind.BRIEF_PDF else _write_export
    with tempfile.TemporaryFile() as output, translation.override(job.language):
        download_name, content_type = writer(job, output)
        size = output.tell()
        output.seek(0)
        file_name = storage().save(f"{job.pk}/{download_name}", File(output, name=download_name))
    now = timezone.now()
    job.state = State.DONE
    job.done = job.total
    job.file_name = file_name
    job.download_name = download_name
    job.content_type = content_type
    job.size = size
    job.finished_at = now
    job.expires_at = now + datetime.timedelta(hours=settings.JOBS_FILE_HOURS)
    job.save()
    if job.is_export and job.total > settings.JOBS_EMAIL_ROWS and job.owner.email:
        send_ready_mail(job)


def send_ready_mail(job):
    """Tell the owner, in the language they asked in, that their file is ready."""
    context = {
        "job": job,
        "user": job.owner,
        "url": settings.SITE_URL + reverse("job_detail", args=[job.pk]),
    }
    with translation.override(job.language):
        context["rows"] = number_format(job.total, force_grouping=True)
        subject = render_to_string("email/job_ready_subject.txt", context).strip()
        body = render_to_string("email/job_ready.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [job.owner.email])
    Job.objects.filter(pk=job.pk).update(emailed_at=timezone.now())


@task
def run_job(job_id):
    """The task the worker runs: prepare the job's file, then sweep expired files."""
    job = _claim(job_id)
    if job is not None:
        try:
            execute(job)
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            Job.objects.filter(pk=job.pk).update(state=State.FAILED, finished_at=timezone.now())
    delete_expired()


# One round trip, on the (state, created_at) index of the jobs and the queue's own table
# (pruned daily to a week, see docs/deployment.md): what /healthz runs on every probe.
QUEUE_HEALTH_SQL = """
SELECT count(*) FILTER (WHERE state = %s),
       count(*) FILTER (WHERE state = %s),
       min(created_at) FILTER (WHERE state = %s),
       (SELECT max(greatest(started_at, finished_at)) FROM {tasks})
FROM {jobs} WHERE state IN (%s, %s)
"""


def queue_health(now=None):
    """The background jobs' queue, in numbers that say nothing of whose jobs or what they
    hold: how many wait (``queued``) and run (``running``), how long the oldest waiting one
    has waited (``oldest_wait``, seconds), seconds since a worker last started or finished
    a job (``worker_seen``; None when none ever did), and whether the workers are
    ``stalled`` (a job has waited more than ``JOBS_MAX_WAIT`` seconds). What /healthz,
    ``manage.py job_queue`` and the operators watch; one query."""
    now = now or timezone.now()
    sql = QUEUE_HEALTH_SQL.format(jobs=Job._meta.db_table, tasks=DBTaskResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [State.QUEUED, State.RUNNING, State.QUEUED, *Job.ACTIVE_STATES])
        queued, running, oldest, seen = cursor.fetchone()
    oldest_wait = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    return {
        "queued": queued,
        "running": running,
        "oldest_wait": oldest_wait,
        "worker_seen": max((now - seen).total_seconds(), 0.0) if seen else None,
        "stalled": oldest_wait > settings.JOBS_MAX_WAIT,
    }


# --- Expiry ------------------------------------------------------------------------------


def delete_expired(now=None):
    """Delete the files whose time is up and mark their jobs expired; mark jobs lost by a
    killed worker failed. Returns how many jobs expired."""
    now = now or timezone.now()
    Job.objects.active().filter(created_at__lt=now - LOST_AFTER).update(
        state=State.FAILED, finished_at=now
    )
    expired = 0
    for job in Job.objects.finished_before(now):
        expired += expire(job, now)
    return expired


def expire(job, now=None):
    """Delete ``job``'s file (unless another job still shares it) and mark it expired."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, state=State.DONE).update(state=State.EXPIRED)
        if not updated:
            return 0
        shared = (
            Job.objects.filter(file_name=job.file_name, state=State.DONE, expires_at__gt=now)
            .exclude(pk=job.pk)
            .exists()
        )
    if job.file_name and not shared:
        storage().delete(job.file_name)
    job.state = State.EXPIRED
    return 1
