"""What a country's officials type about their own plans for an objective: each
indicator's baseline, target and national definition note, and their milestones. Numbers
are typed in the reader's language (figures.NumberField)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.figures import NumberField
from commitments.models import Milestone
from commitments.models.indicators import NOTE_MAX_LENGTH

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TargetForm(forms.Form):
    """One indicator's baseline (with its year), target (with its date) and note."""

    baseline = NumberField(unit="", label=_("Baseline"))
    baseline_year = forms.IntegerField(
        label=_("Baseline year"), required=False, min_value=1900, max_value=2100
    )
    target = NumberField(unit="", label=_("Target"))
    target_date = forms.DateField(
        label=_("Target date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("The day by which the target should be reached."),
    )
    note = forms.CharField(
        label=_("National definition note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where your country counts differently: a fiscal year, another rule."),
    )

    def __init__(self, *args, indicator, target=None, **kwargs):
        initial = {}
        if target is not None:
            initial = {name: getattr(target, name) for name in self.base_fields}
        super().__init__(*args, initial=initial, prefix=f"i{indicator.pk}", **kwargs)
        self.indicator = indicator
        unit = indicator.local_unit
        for name in ("baseline", "target"):
            self.fields[name].unit = unit
            self.fields[name].help_text = _("In %(unit)s.") % {"unit": unit}

    def add_model_errors(self, error):
        refused = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error)]
        for name, messages in refused:
            self.add_error(name if name in self.fields else None, messages)


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "owner"]
        widgets = {"due_on": DATE_INPUT}
