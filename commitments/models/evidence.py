"""Evidence files: documents an official attaches to a report beside its links (a PDF,
an office document, an image). The bytes live in the private ``evidence`` storage
(settings.STORAGES), never under the web root; the row names them and says what they
are. What a file may be is checked in commitments/evidence.py; who may download it is
who may read its report (policy.may_read_evidence_file)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.updates import ProgressUpdate

# The most a file may weigh, and how many one report may carry.
EVIDENCE_FILE_MAX_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
EVIDENCE_NAME_MAX_LENGTH = 120
# Every kind a file may be (EvidenceFile.Kind's values, for its check constraint).
KINDS = [
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "doc",
    "xls",
    "ppt",
    "odt",
    "ods",
    "odp",
    "png",
    "jpeg",
    "gif",
    "webp",
]


class EvidenceFile(models.Model):
    """One document attached to one report. Attached and removed only while the report
    is a draft or returned (commitments/evidence.py); once submitted it is part of what
    was reviewed, and removing it later leaves its row (``removed_at``) and audit entry."""

    class Kind(models.TextChoices):
        """What the content is (read from its bytes, never from its name)."""

        PDF = "pdf", _("PDF document")
        DOCX = "docx", _("Word document")
        XLSX = "xlsx", _("Excel workbook")
        PPTX = "pptx", _("PowerPoint presentation")
        DOC = "doc", _("Word 97–2003 document")
        XLS = "xls", _("Excel 97–2003 workbook")
        PPT = "ppt", _("PowerPoint 97–2003 presentation")
        ODT = "odt", _("OpenDocument text")
        ODS = "ods", _("OpenDocument spreadsheet")
        ODP = "odp", _("OpenDocument presentation")
        PNG = "png", _("PNG image")
        JPEG = "jpeg", _("JPEG image")
        GIF = "gif", _("GIF image")
        WEBP = "webp", _("WebP image")

    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("progress update"),
        on_delete=models.PROTECT,
        related_name="evidence_files",
    )
    # The name shown and offered on download: the uploaded name made safe (letters,
    # digits, a few marks) with the extension of what the content is.
    name = models.CharField(_("file name"), max_length=EVIDENCE_NAME_MAX_LENGTH)
    kind = models.CharField(_("type"), max_length=8, choices=Kind)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Where the bytes are in the evidence storage: a random name, never the uploaded one.
    stored_as = models.CharField(max_length=200, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attached by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("attached"), default=timezone.now, editable=False)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            models.Index(
                "update",
                "uploaded_at",
                "id",
                name="evidence_of_update",
                condition=Q(removed_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=EVIDENCE_FILE_MAX_BYTES),
                name="evidence_size_limit",
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("name"), 0)
                & LessThanOrEqual(Length("name"), EVIDENCE_NAME_MAX_LENGTH),
                name="evidence_name_length",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=KINDS),
                name="evidence_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evidence_download", args=[self.update_id, self.pk])

    @property
    def description(self):
        """What the history and the exports say of it: "report.pdf (PDF document, 120 KB)"."""
        from django.template.defaultfilters import filesizeformat  # noqa: PLC0415

        return f"{self.name} ({self.get_kind_display()}, {filesizeformat(self.size)})"
