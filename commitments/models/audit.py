"""The audit log: an append-only record of who did what to which object, and what changed."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")

    def for_object(self, obj):
        """The entries about one object, newest first."""
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        ).order_by("-created_at", "-id")


class AuditEntry(models.Model):
    """An append-only record of who did what to which object, and what changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        related_name="audit_entries",
    )
    action = models.CharField(
        _("action"), max_length=60, help_text=_("For example update.created.")
    )
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT
    )
    target_id = models.CharField(_("object id"), max_length=40)
    target_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Field: [old value, new value].")
    )
    labels = models.JSONField(
        _("in other languages"),
        default=dict,
        db_default={},
        blank=True,
        editable=False,
        help_text=_(
            "The object and the changed values in Spanish and French, where their words "
            "differ from the English."
        ),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    request_id = models.CharField(
        _("request id"),
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text=_("The X-Request-ID of the request that made the change, to match the logs."),
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index("target_type", "target_id", F("created_at").desc(), name="audit_target"),
            models.Index(F("created_at").desc(), name="audit_latest"),
        ]

    def __str__(self):
        from commitments import audit  # noqa: PLC0415 - audit.py looks the models up at run time

        return f"{self.created_at:%Y-%m-%d %H:%M} {audit.label(self.action)} {self.object_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        if not self.request_id:
            from commitments import request_id  # noqa: PLC0415

            self.request_id = "" if request_id.current() == "-" else request_id.current()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def _in_reader_language(self):
        return self.labels.get((translation.get_language() or "")[:2], {})

    @property
    def object_label(self):
        """The object in the reader's language (entries written before the site kept
        every language show what they kept)."""
        return self._in_reader_language().get("object", self.target_repr)

    @property
    def shown_changes(self):
        """The changes, their related objects named in the reader's language."""
        return self._in_reader_language().get("changes", self.changes)
