"""Background jobs: a file one person asked for (an export, a brief's PDF), its progress,
and where the finished file is kept until it expires. The work itself is in
commitments/jobs.py; who may read a job is in commitments/policy.py."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import Meeting


class JobQuerySet(models.QuerySet):
    def active(self):
        """Jobs still waiting for a worker or being worked on."""
        return self.filter(state__in=Job.ACTIVE_STATES)

    def finished_before(self, moment):
        """Finished jobs whose file expires at ``moment`` or earlier."""
        return self.filter(state=Job.State.DONE, expires_at__lte=moment)


class Job(models.Model):
    """One file being prepared for, or ready for, the person who asked for it."""

    class Kind(models.TextChoices):
        EXPORT_CSV = "export_csv", _("Updates as CSV")
        EXPORT_XLSX = "export_xlsx", _("Updates as an Excel workbook")
        EXPORT_ZIP = "export_zip", _("All published data (zip, with a data dictionary)")
        BRIEF_PDF = "brief_pdf", _("Meeting brief as PDF")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    EXPORT_KINDS = (Kind.EXPORT_CSV, Kind.EXPORT_XLSX, Kind.EXPORT_ZIP)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    language = models.CharField(_("language"), max_length=10)
    # What the file holds: the updates list's filters (an export) or the meeting (a brief).
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, null=True, blank=True
    )
    # A brief's drawing: the same brief, language and data stamps share one file.
    drawing = models.CharField(_("drawing"), max_length=200, blank=True, db_index=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    file_name = models.CharField(_("stored file"), max_length=300, blank=True)
    download_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index("owner", "state", name="job_owner_state"),
            models.Index("state", "created_at", name="job_state_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed", "expired"]),
                name="job_state_known",
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="job_done_le_total"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("job_detail", args=[self.pk])

    @property
    def is_active(self):
        return self.state in self.ACTIVE_STATES

    @property
    def is_export(self):
        return self.kind in self.EXPORT_KINDS

    @property
    def is_expired(self):
        """Expired, whether or not the sweep has deleted its file yet."""
        return self.state == self.State.EXPIRED or (
            self.state == self.State.DONE
            and self.expires_at is not None
            and self.expires_at <= timezone.now()
        )

    @property
    def percent(self):
        if self.state == self.State.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
