"""The figures an update carries beside its narrative: the value of each of its objective's
indicators for the update's period, and the country's milestones it marks as met.

They are part of the update: entered in its form, saved and audited in the same
transaction as its text (``services.create_update`` and ``edit_update`` call ``save``),
submitted, returned and published with it, and shown in its history. Numbers are typed
and shown in the reader's language: "1.234" in Spanish, "1 234" in French and "1,234" in
English are the same thousand (``NumberField``).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.models import (
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    MilestoneMet,
    ProgressUpdate,
)
from commitments.models.indicators import VALUE_DECIMALS, VALUE_DIGITS

VALUE_PREFIX = "value_"
MILESTONES = "milestones_met"
# What a typed number may hold besides digits: signs, separators of any of the site's
# languages (a space, a no-break space or a narrow one, an apostrophe).
_NUMBER_TEXT = re.compile(r"^[+-]?[0-9][0-9.,'\s\u00a0\u202f]*$")


def display(value):
    """A value as the reader's language writes it, grouped ("1,234.5", "1.234,5",
    "1 234,5"), without trailing zeros; empty for None."""
    if value is None:
        return ""
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return formats.number_format(value, force_grouping=True)


def audit_value(value):
    """A value as the audit log keeps it: plain digits with a point ("1234.5")."""
    if value is None:
        return None
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return format(value, "f")


class NumberField(forms.DecimalField):
    """A number typed in the reader's language. Anything else (a unit or a word after it,
    "1.2 million", "48,250 kits") is refused with a message naming the indicator's unit."""

    def __init__(self, *, unit, **kwargs):
        self.unit = unit
        super().__init__(
            max_digits=VALUE_DIGITS,
            decimal_places=VALUE_DECIMALS,
            localize=True,
            required=False,
            **kwargs,
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not _NUMBER_TEXT.match(text):
            raise ValidationError(
                _(
                    "“%(text)s” is not a number. Give the number alone, in %(unit)s, "
                    "for example %(example)s."
                ),
                code="invalid",
                params={"text": text[:40], "unit": self.unit, "example": display(1234)},
            )
        try:
            return super().to_python(text)
        except ValidationError:
            raise ValidationError(
                _(
                    "“%(text)s” is not a number as written in this language; "
                    "for example %(example)s."
                ),
                code="invalid",
                params={"text": text[:40], "example": display(Decimal("1234.5"))},
            ) from None

    def validate(self, value):
        super().validate(value)
        if value is not None and not value.is_finite():
            raise ValidationError(_("Give a finite number."), code="invalid")


class MilestoneChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return gettext("%(title)s (due %(date)s, %(owner)s)") % {
            "title": obj.title,
            "date": formats.date_format(obj.due_on, "DATE_FORMAT"),
            "owner": obj.owner,
        }


@dataclass
class Figures:
    """What a form gives for an update: ``values`` maps each indicator to its value (None
    where left empty) and ``milestones`` lists the milestones it marks met."""

    values: dict = field(default_factory=dict)
    milestones: list = field(default_factory=list)


def met_elsewhere(update=None):
    """Whether a milestone is already met by another published update."""
    marks = MilestoneMet.objects.filter(
        milestone=OuterRef("pk"), update__state=ProgressUpdate.State.PUBLISHED
    )
    if update is not None:
        marks = marks.exclude(update=update)
    return Exists(marks)


def add_fields(form, *, objective, country, update=None):
    """Add to the update ``form`` a number field per indicator of ``objective`` (with the
    country's baseline, target and note as help) and the country's milestones not yet met
    (with those this update marks). Two queries."""
    targets = {
        target.indicator_id: target
        for target in IndicatorTarget.objects.filter(
            indicator__objective=objective, country=country
        )
    }
    indicators = list(objective.indicators.order_by("number"))
    values = {}
    if update is not None:
        values = {value.indicator_id: value.value for value in update.indicator_values.all()}
    form.figure_names = []
    for indicator in indicators:
        name = f"{VALUE_PREFIX}{indicator.pk}"
        form.fields[name] = NumberField(
            unit=indicator.local_unit,
            label=gettext("%(name)s (%(unit)s)")
            % {"name": indicator.local_name, "unit": indicator.local_unit},
            help_text=help_text(indicator, targets.get(indicator.pk)),
            initial=values.get(indicator.pk),
        )
        form.fields[name].indicator = indicator
        form.figure_names.append(name)
    if country is None:
        return
    milestones = Milestone.objects.filter(objective=objective, country=country).annotate(
        met=met_elsewhere(update)
    )
    offered = milestones.filter(met=False).order_by("due_on", "pk")
    if offered.exists():
        chosen = list(update.milestones_met.values_list("pk", flat=True)) if update else []
        form.fields[MILESTONES] = MilestoneChoiceField(
            queryset=offered,
            required=False,
            label=_("Milestones met in this period"),
            help_text=_("Tick each milestone this report shows as met; it counts once published."),
            initial=chosen,
        )
        form.figure_names.append(MILESTONES)


def help_text(indicator, target):
    """The indicator's definition, and the country's note, baseline and target."""
    parts = [indicator.local_definition]
    if target is not None:
        if target.note:
            parts.append(gettext("National definition: %(note)s") % {"note": target.note})
        if target.baseline is not None:
            parts.append(
                gettext("Baseline: %(value)s (%(year)s).")
                % {"value": display(target.baseline), "year": target.baseline_year}
            )
        if target.target is not None:
            parts.append(
                gettext("Target: %(value)s by %(date)s.")
                % {
                    "value": display(target.target),
                    "date": formats.date_format(target.target_date, "DATE_FORMAT"),
                }
            )
    parts.append(indicator.get_direction_display() + ".")
    return " ".join(str(part) for part in parts)


def from_form(form):
    """The ``Figures`` of a valid update form."""
    figures = Figures()
    for name in getattr(form, "figure_names", ()):
        if name == MILESTONES:
            figures.milestones = list(form.cleaned_data.get(MILESTONES) or [])
        else:
            figures.values[form.fields[name].indicator] = form.cleaned_data.get(name)
    return figures


def recorded(update):
    """The update's figures as its audit entries record them: ``{"indicator:<id>": "1234",
    "milestones_met": [titles]}``."""
    values = {
        f"indicator:{value.indicator_id}": audit_value(value.value)
        for value in update.indicator_values.all()
    }
    titles = sorted(update.milestones_met.values_list("title", flat=True))
    return values | ({MILESTONES: titles} if titles else {})


def save(update, figures):
    """Write ``figures`` as the update's values and milestones met (in the caller's
    transaction) and return what changed, for the update's audit entry: ``{key: [old,
    new]}``. Only the update's own objective's indicators and its country's milestones
    are taken (the form offers no others)."""
    if figures is None:
        return {}
    before = recorded(update)
    for indicator, value in figures.values.items():
        if indicator.objective_id != update.objective_id:
            raise ValueError("An indicator of another objective.")
        if value is None:
            IndicatorValue.objects.filter(update=update, indicator=indicator).delete()
        else:
            IndicatorValue.objects.update_or_create(
                update=update, indicator=indicator, defaults={"value": value}
            )
    wanted = {milestone.pk for milestone in figures.milestones}
    for milestone in figures.milestones:
        if (milestone.objective_id, milestone.country_id) != (
            update.objective_id,
            update.country_id,
        ):
            raise ValueError("A milestone of another objective or country.")
    MilestoneMet.objects.filter(update=update).exclude(milestone__in=wanted).delete()
    have = set(MilestoneMet.objects.filter(update=update).values_list("milestone_id", flat=True))
    MilestoneMet.objects.bulk_create(
        MilestoneMet(update=update, milestone_id=pk) for pk in sorted(wanted - have)
    )
    after = recorded(update)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


@dataclass
class UpdateFigures:
    """What an update's page shows of its figures."""

    values: list  # (indicator, value)
    milestones: list


def of_update(update):
    """The values and milestones one update carries, for its page (two queries)."""
    values = [
        (value.indicator, value.value)
        for value in update.indicator_values.select_related("indicator").order_by(
            "indicator__number"
        )
    ]
    return UpdateFigures(values=values, milestones=list(update.milestones_met.order_by("due_on")))


def indicator_labels(keys):
    """``{"indicator:<id>": "Name (unit)"}`` for the audit keys given (one query)."""
    ids = [int(key.split(":", 1)[1]) for key in keys if key.startswith("indicator:")]
    if not ids:
        return {}
    return {
        f"indicator:{indicator.pk}": f"{indicator.local_name} ({indicator.local_unit})"
        for indicator in Indicator.objects.filter(pk__in=ids)
    }


def parse_audit_number(text):
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None
