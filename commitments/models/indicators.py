"""Numbers beside the narrative: an objective's indicators (defined by the administrators,
in three languages), each country's baseline and target for them, the values a country
reports with an update, and each country's milestones, marked met in an update.

Values and milestones met belong to an update: they are written with it, reviewed,
published or returned with it, and recorded in its history. A value counts once the
update carrying it is published, and a milestone is met once an update marking it is.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import Country, Objective, Translated

VALUE_DIGITS = 18
VALUE_DECIMALS = 4
NOTE_MAX_LENGTH = 1000


def value_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, **kwargs
    )


class Indicator(Translated, models.Model):
    """A measure of an objective's progress ("Naloxone kits distributed"), the same for
    every country; each country keeps its own baseline and target (``IndicatorTarget``)."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    number = models.PositiveSmallIntegerField(
        _("number"), default=1, help_text=_("Its order among the objective's indicators.")
    )
    name = models.CharField(_("name"), max_length=200)
    name_es = models.CharField(_("name in Spanish"), max_length=200, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    definition = models.TextField(_("definition"), max_length=2000)
    definition_es = models.TextField(_("definition in Spanish"), max_length=2000, blank=True)
    definition_fr = models.TextField(_("definition in French"), max_length=2000, blank=True)
    unit = models.CharField(
        _("unit"), max_length=60, help_text=_("What one is counted in, for example kits.")
    )
    unit_es = models.CharField(_("unit in Spanish"), max_length=60, blank=True)
    unit_fr = models.CharField(_("unit in French"), max_length=60, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction, default=Direction.HIGHER
    )
    additive = models.BooleanField(
        _("may be added across countries"),
        default=False,
        help_text=_(
            "Tick when the countries' values can be summed (kits, kilograms, people); "
            "leave it for rates and shares, which are never totalled."
        ),
    )

    class Meta:
        ordering = ["objective__objective_set__year", "objective__number", "number"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "number"], name="indicator_number_unique_in_objective"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["higher", "lower"]), name="indicator_direction_valid"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="indicator_number_positive"),
        ]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self):
        return self.localized("name")

    @property
    def local_definition(self):
        return self.localized("definition")

    @property
    def local_unit(self):
        return self.localized("unit")


class IndicatorTarget(models.Model):
    """One country's baseline and target for an indicator, with its own definition note
    where its national definition differs (a fiscal year, another counting rule). Set by
    the country's officials (``policy.may_plan_for``)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="targets"
    )
    baseline = value_field(_("baseline"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target = value_field(_("target"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    note = models.TextField(
        _("national definition note"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Where the country counts differently: a fiscal year, another rule."),
    )
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["indicator", "country__name"]
        verbose_name = _("baseline and target")
        verbose_name_plural = _("baselines and targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "country"], name="indicator_target_one_per_country"
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | Q(baseline_year__isnull=False),
                name="indicator_baseline_has_year",
            ),
            models.CheckConstraint(
                condition=Q(target__isnull=True) | Q(target_date__isnull=False),
                name="indicator_target_has_date",
            ),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True)
                | Q(target_date__isnull=True)
                | Q(baseline_year__lte=ExtractYear("target_date")),
                name="indicator_baseline_before_target",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} · {self.country}"

    def clean(self):
        errors = {}
        if self.baseline is not None and self.baseline_year is None:
            errors["baseline_year"] = _("Give the year of the baseline.")
        if self.target is not None and self.target_date is None:
            errors["target_date"] = _("Give the date by which the target should be reached.")
        if (
            self.baseline_year is not None
            and self.target_date is not None
            and self.baseline_year > self.target_date.year
        ):
            errors["baseline_year"] = _(
                "The baseline (%(year)s) cannot come after the target's date (%(date)s)."
            ) % {"year": self.baseline_year, "date": self.target_date.isoformat()}
        if errors:
            raise ValidationError(errors)


class IndicatorValue(models.Model):
    """The value of an indicator a country reports with one update, for its period."""

    update = models.ForeignKey(
        "ProgressUpdate",
        verbose_name=_("progress update"),
        on_delete=models.CASCADE,
        related_name="indicator_values",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    value = value_field(_("value"))

    class Meta:
        ordering = ["indicator__number"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "indicator"], name="indicator_value_one_per_update"
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}"


class Milestone(models.Model):
    """A step a country plans towards an objective, with its due date and who owns it;
    met once an update of the country marking it is published."""

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.PROTECT, related_name="milestones"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due date"))
    owner = models.CharField(
        _("owner"), max_length=200, help_text=_("The agency or office responsible.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updates_marking = models.ManyToManyField(
        "ProgressUpdate",
        verbose_name=_("marked met in"),
        related_name="milestones_met",
        blank=True,
        through="MilestoneMet",
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index("objective", "country", "due_on", name="milestone_cell_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "country", "title"], name="milestone_title_unique_in_cell"
            ),
        ]

    def __str__(self):
        return self.title


class MilestoneMet(models.Model):
    """That an update marks a milestone met (it counts once the update is published)."""

    update = models.ForeignKey(
        "ProgressUpdate", verbose_name=_("progress update"), on_delete=models.CASCADE
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="marks"
    )

    class Meta:
        verbose_name = _("milestone marked met")
        verbose_name_plural = _("milestones marked met")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "milestone"], name="milestone_met_once_per_update"
            ),
        ]

    def __str__(self):
        return f"{self.milestone} · {self.update_id}"
