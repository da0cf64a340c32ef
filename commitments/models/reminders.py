"""Reminders sent, so that no one gets the same one twice in a day."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import ReportingPeriod


class ReminderLog(models.Model):
    """One reminder sent to one person on one day, so a second run sends nothing twice."""

    class Kind(models.TextChoices):
        UPDATE_DUE = "update_due", _("Updates due")
        UPDATE_OVERDUE = "update_overdue", _("Updates overdue")
        REVIEW_DIGEST = "review_digest", _("Review queue digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    sent_on = models.DateField(_("sent on"))
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "sent_on"], name="one_reminder_per_kind_per_day"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.sent_on})"
