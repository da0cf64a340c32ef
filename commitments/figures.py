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
from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Value
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
from commitments.validators import escape_controls

VALUE_PREFIX = "value_"
MILESTONES = "milestones_met"
# The names of the figures' fields a form may hold.
FIELD_NAME = re.compile(rf"{VALUE_PREFIX}[0-9]{{1,18}}|{MILESTONES}")
# What a typed number may hold besides digits: a sign, separators of any of the site's
# languages (a point, a comma, a space, a no-break space or a narrow one).
_NUMBER_TEXT = re.compile(r"^[+-]?[0-9][0-9.,\s\u00a0\u202f]*$")


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


SPACES = (" ", "\u00a0", "\u202f")


def plain_number(text):
    """``text`` typed as the active language writes numbers ("1.234,5" in Spanish,
    "1 234,5" in French, "1,234.5" in English) as plain digits with a point ("1234.5"),
    or None when it is not written that way. Spaces may group digits in every language;
    a separator must group them by three ("1.5" in Spanish is refused, never read as
    fifteen)."""
    decimal = formats.get_format("DECIMAL_SEPARATOR")
    thousand = formats.get_format("THOUSAND_SEPARATOR")
    for space in SPACES:
        text = text.replace(space, " ")
    if text.count(decimal) > 1:
        return None
    whole, has_fraction, fraction = text.partition(decimal)
    sign = whole[:1] if whole[:1] in "+-" else ""
    whole = whole[len(sign) :]
    separators = {" "} if thousand in SPACES else {" ", thousand}
    groups = re.split("|".join(re.escape(each) for each in separators), whole)
    if len(groups) > 1 and (
        not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])
    ):
        return None
    digits = "".join(groups)
    if not re.fullmatch("[0-9]+", digits):
        return None
    if has_fraction and not re.fullmatch("[0-9]+", fraction):
        return None
    return sign + digits + (f".{fraction}" if has_fraction else "")


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
                params={"text": shown(text), "unit": self.unit, "example": display(1234)},
            )
        plain = plain_number(text)
        if plain is None:
            raise ValidationError(
                _(
                    "“%(text)s” is not a number as written in this language; "
                    "for example %(example)s."
                ),
                code="invalid",
                params={"text": shown(text), "example": display(Decimal("1234.5"))},
            )
        return super().to_python(plain)

    def prepare_value(self, value):
        """A value given as a number (the update's own, or one it starts from) is shown
        as the reader's language writes it ("1.234,5"); what was typed stays as typed."""
        if isinstance(value, Decimal | int):
            return display(value)
        if isinstance(value, str):  # typed, and refused: shown as its message quotes it
            return escape_controls(value)
        return super().prepare_value(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and not value.is_finite():
            raise ValidationError(_("Give a finite number."), code="invalid")


def shown(text):
    """What was typed, quoted back in a message: its start, control characters (a NUL
    byte) written as escapes."""
    return escape_controls(text[:40])


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
    where left empty) and ``milestones`` lists the milestones it marks met (None where the
    form offered none: those the update marks stay as they are)."""

    values: dict = field(default_factory=dict)
    milestones: list | None = None


def met_elsewhere(update=None):
    """Whether a milestone is already met by another published update."""
    marks = MilestoneMet.objects.filter(
        milestone=OuterRef("pk"), update__state=ProgressUpdate.State.PUBLISHED
    )
    if update is not None:
        marks = marks.exclude(update=update)
    return Exists(marks)


def add_fields(form, *, objective, country, offered, update=None):
    """Add to the update ``form`` a number field per indicator of ``objective`` (with the
    country's baseline, target and note as help) and the country's milestones not yet met
    (with those this update marks). ``offered`` is what ``offered()`` read, kept with
    the form's other reference data (``forms.form_reference``); which milestones are
    still open is read only where the country has some."""
    form.figure_names = []
    indicators, has_milestones = offered
    if indicators:
        _add_value_fields(form, indicators, update)
    if has_milestones:
        _add_milestone_field(form, objective, country, update)


def offered(objective, country):
    """``(indicators, has milestones)``: the objective's indicators in order, each with
    ``country_targets`` (the country's baseline and target, if any), and whether
    ``country`` has milestones on it (never, for no country): reference data, in one
    query for an objective with neither, three otherwise."""
    kinds = {kind for kind, _pk in _figure_kinds(objective, country)}
    indicators = []
    if "indicator" in kinds:
        indicators = list(
            objective.indicators.order_by("number").prefetch_related(
                Prefetch(
                    "targets",
                    queryset=IndicatorTarget.objects.filter(country=country),
                    to_attr="country_targets",
                )
            )
        )
    return indicators, "milestone" in kinds


def _figure_kinds(objective, country):
    """Whether the objective has indicators and the country milestones on it: one query."""
    indicators = (
        Indicator.objects.filter(objective=objective)
        .order_by()
        .values_list(Value("indicator"), "pk")[:1]
    )
    if country is None:
        return list(indicators)
    milestones = (
        Milestone.objects.filter(objective=objective, country=country)
        .order_by()
        .values_list(Value("milestone"), "pk")[:1]
    )
    return list(indicators.union(milestones, all=True).order_by())


def _add_value_fields(form, indicators, update):
    values = {}
    if update is not None:
        values = {value.indicator_id: value.value for value in update.indicator_values.all()}
    for indicator in indicators:
        name = f"{VALUE_PREFIX}{indicator.pk}"
        target = indicator.country_targets[0] if indicator.country_targets else None
        form.fields[name] = NumberField(
            unit=indicator.local_unit,
            label=gettext("%(name)s (%(unit)s)")
            % {"name": indicator.local_name, "unit": indicator.local_unit},
            help_text=help_text(indicator, target),
            initial=values.get(indicator.pk),
        )
        form.fields[name].indicator = indicator
        form.figure_names.append(name)


def _add_milestone_field(form, objective, country, update):
    offered = (
        Milestone.objects.filter(objective=objective, country=country)
        .annotate(met=met_elsewhere(update))
        .filter(met=False)
        .order_by("due_on", "pk")
    )
    # Every milestone of the country met already: none is offered. A new report as
    # posted does not ask first: the milestones it ticks are checked against the open ones
    # when the form is cleaned, none ticked is none met, and were the form drawn again
    # (``figure_fields``) the question would be asked then. An edit asks: a form that
    # offered none keeps the update's marks as they are (``from_form``).
    asked = update is not None or not form.is_bound
    if asked and not offered.exists():
        return
    chosen = list(update.milestones_met.values_list("pk", flat=True)) if update else []
    form.fields[MILESTONES] = MilestoneChoiceField(
        queryset=offered,
        required=False,
        label=_("Milestones met in this period"),
        help_text=_("Tick each milestone this report shows as met; it counts once published."),
        initial=chosen,
    )
    form.fields[MILESTONES].open_unknown = not asked
    form.figure_names.append(MILESTONES)


def initial_from(update):
    """The figures a new update starting from ``update`` opens with, as its form's initial
    values: each indicator's value, the last period's as this period's first (the official
    changes what moved), and the milestones ``update`` marks met. A milestone a published
    report marked met stays met and is not offered again (``met_elsewhere``); one marked
    only in ``update``, not yet published, is ticked again. One query."""
    values = IndicatorValue.objects.filter(update=update).values_list(
        Value("indicator"), "indicator_id", "value"
    )
    met = MilestoneMet.objects.filter(update=update).values_list(
        Value("milestone"),
        "milestone_id",
        Value(
            None, output_field=DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)
        ),
    )
    initial = {}
    for kind, pk, value in values.union(met, all=True).order_by():
        if kind == "indicator":
            initial[f"{VALUE_PREFIX}{pk}"] = value
        else:
            initial.setdefault(MILESTONES, []).append(pk)
    return initial


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


def not_offered(form):
    """The figures ``form``'s data holds that the form did not offer (a value of another
    objective's indicator, milestones where none were offered): a form changed by hand, or
    sent for another objective or country than the one it showed."""
    return sorted(
        name
        for name in form.data
        if (name.startswith(VALUE_PREFIX) or name == MILESTONES) and name not in form.figure_names
    )


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


def save(update, figures, new=False):
    """Write ``figures`` as the update's values and milestones met (in the caller's
    transaction) and return what changed, for the update's audit entry: ``{key: [old,
    new]}``. Only the update's own objective's indicators and its country's milestones
    are taken (the form offers no others). Nothing is read or written for a form that
    had no figures, nor for a new update given none."""
    if figures is None or (not figures.values and figures.milestones is None):
        return {}
    if new and not figures.milestones and all(v is None for v in figures.values.values()):
        return {}
    before = {} if new else recorded(update)
    for indicator, value in figures.values.items():
        if indicator.objective_id != update.objective_id:
            raise ValueError("An indicator of another objective.")
        if value is None:
            IndicatorValue.objects.filter(update=update, indicator=indicator).delete()
        else:
            IndicatorValue.objects.update_or_create(
                update=update, indicator=indicator, defaults={"value": value}
            )
    chosen = figures.milestones
    if chosen is None:  # not offered: kept as they are
        chosen = list(update.milestones_met.all())
    wanted = {milestone.pk for milestone in chosen}
    for milestone in chosen:
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
    """A number as the audit log keeps it (``audit_value``), or None."""
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None
