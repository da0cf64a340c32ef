"""The secretariat's assessment: at the interim and the final review of a set, the
coordinators rate each member country on each objective on a published scale, with a
written rationale and the evidence relied on. The country reads the draft and may reply
in writing; the coordinator then makes it final, and a final assessment never changes
(the services refuse it, and so does a trigger of the table: migration 0027).

The scale, its definitions and the compliance figures are in commitments/assessments.py;
who reads and writes what, in commitments/policy.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.evidence import EvidenceFile
from commitments.models.reference import Country, Objective
from commitments.models.updates import ProgressUpdate

RATIONALE_MAX_LENGTH = 5_000
REPLY_MAX_LENGTH = 5_000


class AssessmentQuerySet(models.QuerySet):
    def final(self):
        """Assessments made final: what every reader may read and what the figures count."""
        return self.filter(state=Assessment.State.FINAL)


class Assessment(models.Model):
    """The coordinators' rating of one country on one objective at one review."""

    class Review(models.TextChoices):
        INTERIM = "interim", _("Interim review")
        FINAL = "final", _("Final review")

    class Rating(models.IntegerChoices):
        """The G20 Research Group's compliance scale (docs/features.md)."""

        FULL = 1, _("Full compliance")
        PARTIAL = 0, _("Partial compliance")
        NONE = -1, _("Non-compliance")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft, open for the country's reply")
        FINAL = "final", _("Final")

    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="assessments"
    )
    review = models.CharField(_("review"), max_length=10, choices=Review)
    rating = models.SmallIntegerField(_("rating"), choices=Rating)
    rationale = models.TextField(_("rationale"), max_length=RATIONALE_MAX_LENGTH)
    # The evidence relied on: the country's reports on the objective, and their files.
    evidence_updates = models.ManyToManyField(
        ProgressUpdate,
        verbose_name=_("reports relied on"),
        blank=True,
        related_name="assessments",
    )
    evidence_files = models.ManyToManyField(
        EvidenceFile,
        verbose_name=_("evidence files relied on"),
        blank=True,
        related_name="assessments",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State, default=State.DRAFT, editable=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="assessments_written",
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    # The country's written reply to the draft: it stays attached once final.
    reply = models.TextField(_("the country's reply"), blank=True, max_length=REPLY_MAX_LENGTH)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True, editable=False)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made final by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    finalised_at = models.DateTimeField(_("made final"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    is_demo = models.BooleanField(
        _("fictional demo content"), default=False, db_default=False, editable=False
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["objective__number", "country__name", "review"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "country", "review"], name="assessment_one_per_review"
            ),
            models.CheckConstraint(condition=Q(rating__in=[-1, 0, 1]), name="assessment_rating"),
            models.CheckConstraint(
                condition=Q(review__in=["interim", "final"]), name="assessment_review_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="draft")
                | Q(state="final", finalised_at__isnull=False, finalised_by__isnull=False),
                name="assessment_final_has_date",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("rationale"), RATIONALE_MAX_LENGTH)
                & ~Q(rationale=""),
                name="assessment_rationale_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reply"), REPLY_MAX_LENGTH),
                name="assessment_reply_length",
            ),
        ]

    def __str__(self):
        return f"{self.objective.title} · {self.country} · {self.get_review_display()}"

    def get_absolute_url(self):
        return reverse(
            "assessment_detail", args=[self.objective_id, self.country.code.lower(), self.review]
        )

    @property
    def is_final(self):
        return self.state == self.State.FINAL
