"""What a meeting leaves behind: its outcome documents, each in its language versions, and
the snapshot of the record it was shown, which nothing may change afterwards."""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import Country, Meeting, Objective, ObjectiveSet, ReportingPeriod
from commitments.models.updates import ProgressUpdate


class MeetingDocument(models.Model):
    """One language version of an outcome document of a meeting (its joint statement, its
    decisions): a link to the published text, or the text itself."""

    class Kind(models.TextChoices):
        JOINT_STATEMENT = "joint_statement", _("Joint statement")
        DECISIONS = "decisions", _("Decisions")
        OTHER = "other", _("Other outcome document")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(
        _("address"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("Where the published text is (https only)."),
    )
    text = models.TextField(
        _("text"), blank=True, max_length=50_000, help_text=_("The text, when it has no address.")
    )

    class Meta:
        ordering = ["meeting", "kind", "language", "title"]
        verbose_name = _("outcome document")
        verbose_name_plural = _("outcome documents")
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(text=""), name="document_url_or_text"),
            models.CheckConstraint(
                condition=Q(kind__in=["joint_statement", "decisions", "other"]),
                name="document_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["meeting", "kind", "language", "title"], name="document_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.language})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Meeting snapshots cannot be changed.")

    def delete(self):
        raise TypeError("Meeting snapshots cannot be deleted.")


class AppendOnly(models.Model):
    """A row written once: the application refuses to change or delete it, and so does the
    database (the triggers of migration 0022)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Meeting snapshots cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Meeting snapshots cannot be deleted.")


class MeetingSnapshot(AppendOnly):
    """The record as presented at a meeting: each cell's status (the published record up to
    ``cutoff``), frozen when a coordinator takes it. One per meeting; never changed."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="snapshot"
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now, editable=False)
    cutoff = models.DateField(
        _("cut-off"), help_text=_("Updates published on or before this day are included.")
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="meeting_snapshots",
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("meeting snapshot")
        verbose_name_plural = _("meeting snapshots")

    def __str__(self):
        return _("Snapshot of the %(meeting)s") % {"meeting": self.meeting}


class MeetingSnapshotRow(AppendOnly):
    """One cell of a snapshot: an objective of a set, a country, and what the record said
    (no status when the cell had no published update)."""

    snapshot = models.ForeignKey(
        MeetingSnapshot, verbose_name=_("snapshot"), on_delete=models.PROTECT, related_name="rows"
    )
    objective_set = models.ForeignKey(
        ObjectiveSet, verbose_name=_("objective set"), on_delete=models.PROTECT, related_name="+"
    )
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.PROTECT, related_name="+"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=ProgressUpdate.Status, blank=True)
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("update"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    update_version = models.PositiveIntegerField(_("version of the update"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["snapshot", "objective", "country"]
        verbose_name = _("snapshot cell")
        verbose_name_plural = _("snapshot cells")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "objective", "country"], name="snapshot_cell_unique"
            ),
            models.CheckConstraint(
                condition=Q(update__isnull=True, status="", period__isnull=True)
                | Q(update__isnull=False, update_version__isnull=False, period__isnull=False)
                & ~Q(status=""),
                name="snapshot_cell_complete",
            ),
        ]

    def __str__(self):
        return f"{self.objective} · {self.country}: {self.status or '—'}"

    def get_status_display(self):
        return ProgressUpdate.Status(self.status).label if self.status else ""
