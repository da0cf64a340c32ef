import uuid
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commitments import figures, fragments
from commitments.charts import DESCRIPTIONS
from commitments.models import (
    COMMENT_MAX_LENGTH,
    MAX_EVIDENCE_LINKS,
    Country,
    Objective,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.validators import clean_text
from commitments.widgets import DescribedRadioSelect

EVIDENCE_LINK_MAX_LENGTH = 500


class EvidenceLinksField(forms.CharField):
    """Web addresses, one per line; only http and https are accepted. The textarea keeps
    line breaks (every form's text check); each link is checked as a single line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        if len(value) > MAX_EVIDENCE_LINKS:
            raise ValidationError(
                ngettext(
                    "Give at most %(limit)d link.",
                    "Give at most %(limit)d links.",
                    MAX_EVIDENCE_LINKS,
                )
                % {"limit": MAX_EVIDENCE_LINKS},
                code="too_many",
            )
        check = URLValidator(schemes=["http", "https"])
        errors = []
        for link in value:
            try:
                clean_text(link, multiline=False)  # each link is a single line
            except ValidationError as error:
                errors.append(error)
                continue
            if len(link) > EVIDENCE_LINK_MAX_LENGTH:
                errors.append(
                    ValidationError(
                        _("This link is longer than %(limit)d characters: %(link)s"),
                        code="too_long",
                        params={"limit": EVIDENCE_LINK_MAX_LENGTH, "link": link[:80] + "…"},
                    )
                )
                continue
            try:
                check(link)
            except ValidationError:
                errors.append(
                    ValidationError(
                        _("“%(link)s” is not a web address starting with http:// or https://."),
                        code="invalid",
                        params={"link": link},
                    )
                )
        if errors:
            raise ValidationError(errors)


def update_field(name, **kwargs):
    """The form field for the update's field ``name`` as the model defines it (label,
    choices, length, initial value), with ``kwargs`` on top."""
    return ProgressUpdate._meta.get_field(name).formfield(**kwargs)


# What the period field says a period is, by ``ReportingPeriod.kind``.
PERIOD_HINTS = {
    ReportingPeriod.Kind.MONTH: _("The month this update reports on."),
    ReportingPeriod.Kind.QUARTER: _("The quarter this update reports on."),
    ReportingPeriod.Kind.HALF_YEAR: _("The half-year this update reports on."),
    ReportingPeriod.Kind.YEAR: _("The year this update reports on."),
}


class FormReference(NamedTuple):
    """The reference data a report's form on an objective for a country shows."""

    periods: dict  # {str(id): period} of the objective's set: the choices a post may name
    period_kind: str | None  # what all the set's periods are (ReportingPeriod.kind_of)
    figures: tuple  # the indicators and whether there are milestones (figures.offered)


def form_reference(objective, country):
    """The ``FormReference`` of a report on ``objective`` for ``country``: read in two to
    four queries when the reference data changed, otherwise taken from the cache."""

    def read():
        periods = list(objective.objective_set.periods.all())
        return FormReference(
            {str(period.pk): period for period in periods},
            ReportingPeriod.kind_of(periods),
            figures.offered(objective, country),
        )

    return fragments.cached(
        "report-form", None, read, f"{objective.pk}-{country.pk if country is not None else 'none'}"
    )


class KnownPeriodField(forms.ModelChoiceField):
    """A reporting period chosen among those of the objective's set, as the form's
    reference data keeps them (``known``, set by the form): a posted choice is checked
    against them, not read again. Its choices are drawn from the queryset."""

    known = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values:
            return super().to_python(value)
        found = self.known.get(str(value))
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found


class CarriesFigures:
    """A report's form that draws its figures (``figures.add_fields``) in their own group."""

    figure_names = ()
    # Added per objective and country, they are kept with the form's own fields when it
    # is posted after its session ended (policy.keeps_form).
    kept_too = figures.FIELD_NAME

    def report_fields(self):
        """The visible fields of the report itself; its figures are drawn apart."""
        return [field for field in self.visible_fields() if field.name not in self.figure_names]

    def figure_fields(self):
        """The indicator values and milestones met, drawn in their own group; the
        milestones only while one is still open (a posted new report offers them
        without asking first: ``figures.add_fields``)."""
        return [
            self[name]
            for name in self.figure_names
            if not getattr(self.fields[name], "open_unknown", False)
            or self.fields[name].queryset.exists()
        ]


class ProgressUpdateForm(CarriesFigures, forms.Form):
    """What an official types: the fields of an update they may set. Objective, country
    and author are set by the server. The services check the whole update with the
    model's own ``full_clean()`` before saving it; what that refuses is shown on this
    form (``add_model_errors``)."""

    period = update_field(
        "period",
        form_class=KnownPeriodField,
        queryset=ReportingPeriod.objects.none(),  # this objective's year's: see __init__
        empty_label=None,
        help_text=_("The reporting period this update reports on."),  # see __init__
        error_messages={
            "required": _("Choose the reporting period this update reports on."),
            "invalid_choice": _("Choose a reporting period of this objective's year."),
        },
    )
    status = update_field(
        "status",
        choices=ProgressUpdate.Status.choices,
        # Each status with its meaning beside it: the legend's definitions (charts.py).
        widget=DescribedRadioSelect(DESCRIPTIONS),
        error_messages={
            "required": _("Choose the status that best describes the progress in this period."),
            "invalid_choice": _("Choose one of the statuses listed."),
        },
    )
    narrative = update_field(
        "narrative",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What was done in this period, what is planned next, and any obstacle. "
            "At most 10,000 characters."
        ),
        error_messages={
            "required": _(
                "Write the narrative: what was done in this period, what is planned next, "
                "and any obstacle."
            ),
            "max_length": _(
                "Shorten the narrative to %(limit_value)d characters or fewer "
                "(it has %(show_value)d)."
            ),
        },
    )
    language = update_field(
        "language",
        required=False,
        help_text=_("The language the narrative is written in. It is shown as written."),
    )
    evidence_links = EvidenceLinksField(
        label=_("Evidence links"),
        required=False,
        help_text=_("Web addresses of published documents or reports, one per line (at most 10)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Identifies this form: posting it twice (a double click, a retry) creates one update.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, objective, update=None, initial=None, country=None, **kwargs):
        if update is not None:  # editing: the update's values, then any given
            values = {name: getattr(update, name) for name in ("status", "narrative")}
            values |= {
                "period": update.period_id,
                "language": update.language,
                "evidence_links": update.evidence_links,
            }
            initial = {**values, **(initial or {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.objective = objective
        periods = objective.objective_set.periods.order_by("starts_on")
        self.fields["period"].queryset = periods
        country = update.country if update is not None else country
        reference = form_reference(objective, country)
        self.fields["period"].known = reference.periods
        # "The quarter…", "The half-year…": what the set's periods are, when they agree.
        self.fields["period"].help_text = PERIOD_HINTS.get(
            reference.period_kind, self.fields["period"].help_text
        )
        if update is not None:
            self.fields["version"].initial = update.version
            del self.fields["token"]
        else:
            del self.fields["version"]
            self.fields["token"].initial = uuid.uuid4()
            self.fields["language"].initial = translation.get_language()
        # The objective's indicators and the country's milestones (figures.py).
        figures.add_fields(
            self, objective=objective, country=country, offered=reference.figures, update=update
        )

    def clean_language(self):
        # Left out (an older form, a script): the language the user is working in.
        return self.cleaned_data.get("language") or translation.get_language()

    def clean_version(self):
        version = self.cleaned_data.get("version")
        if version is None:
            raise ValidationError(_("The form is missing its version; reload the page."))
        return version

    def add_model_errors(self, error):
        """Show on this form what the model's checks refused (a ValidationError from
        ``full_clean()``): on the field it names when the form has it, above otherwise."""
        refused = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error)]
        for name, messages in refused:
            self.add_error(name if name in self.fields else None, messages)


class ObjectiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.objective_set.year} · {obj.number}. {obj.local_title}"


class PeriodChoiceField(KnownPeriodField):
    def label_from_instance(self, obj):
        return obj.local_name  # "T1 2024" in Spanish and French, as every page names it


class ChosenField(forms.Field):
    """A choice made in an earlier step (an objective, a country), already checked: carried
    along in a hidden input, and the page says what it is."""

    widget = forms.HiddenInput

    def __init__(self, chosen, **kwargs):
        self.chosen = chosen
        super().__init__(initial=chosen.pk, **kwargs)

    def clean(self, value):
        return self.chosen

    def has_changed(self, initial, data):
        return False


class OnBehalfSubjectForm(forms.Form):
    """Which country sent a report and on which objective: the first step of entering it
    on the country's behalf (a form sent with GET, that works without JavaScript), since
    the report's figures are that objective's indicators and that country's milestones."""

    country = forms.ModelChoiceField(
        queryset=Country.objects.order_by("membership", "name"),
        label=_("Country that sent the report"),
        error_messages={"invalid_choice": _("Choose one of the countries listed.")},
    )
    objective = ObjectiveChoiceField(
        queryset=Objective.objects.filter(is_active=True)
        .select_related("objective_set")
        .order_by("-objective_set__year", "number"),
        label=_("Objective"),
        error_messages={"invalid_choice": _("Choose one of the objectives listed.")},
    )

    def chosen(self):
        """``(objective, country)`` as the data names them, when both are valid; else
        ``(None, None)``. Each is read once."""
        found = {}
        for name in ("objective", "country"):
            field = self.fields[name]
            try:
                found[name] = field.clean(self[name].data)
            except ValidationError:
                return None, None
        for name, chosen in found.items():
            self.fields[name] = ChosenField(chosen, label=self.fields[name].label)
        return found["objective"], found["country"]


class OnBehalfForm(CarriesFigures, OnBehalfSubjectForm):
    """A report a country sent by diplomatic note or e-mail, as a coordinator enters it:
    the country, objective and period it reports on, its text as the country sent it, its
    figures (the objective's indicators' values, the country's milestones met) and where
    it came from. The services mark it as entered on the country's behalf.

    The country and objective are chosen first (``OnBehalfSubjectForm``) and given here
    (``objective``, ``country``), or read from the posted form: the figures offered are
    theirs, and only theirs are taken. Without both, the form offers no figures, and the
    country and objective are chosen on it."""

    period = PeriodChoiceField(
        queryset=ReportingPeriod.objects.order_by("-starts_on"),
        label=_("Reporting period"),
        help_text=_("A period of the objective's year."),
        error_messages={"invalid_choice": _("Choose one of the periods listed.")},
    )
    status = ProgressUpdateForm.base_fields["status"]
    narrative = update_field(
        "narrative",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("The report's text as the country sent it. At most 10,000 characters."),
    )
    language = ProgressUpdateForm.base_fields["language"]
    evidence_links = ProgressUpdateForm.base_fields["evidence_links"]
    source_kind = forms.ChoiceField(
        label=_("Received as"),
        choices=ProgressUpdate.SourceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how the report was received.")},
    )
    source_reference = update_field(
        "source_reference",
        required=True,
        help_text=_("The note's number, or the e-mail's sender and subject."),
    )
    source_date = forms.DateField(
        label=_("Date of the note or e-mail"),
        help_text=_("As written on it, for example 2025-03-03."),
    )
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, objective=None, country=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4()
        self.fields["language"].initial = translation.get_language()
        if objective is not None and country is not None:
            for name, chosen in (("objective", objective), ("country", country)):
                self.fields[name] = ChosenField(chosen, label=self.fields[name].label)
        self.objective, self.country = (
            self.chosen() if self.is_bound or objective is not None else (None, None)
        )
        if self.objective is None:
            return
        periods = self.objective.objective_set.periods.order_by("-starts_on")
        period = self.fields["period"]
        period.queryset = periods
        reference = form_reference(self.objective, self.country)
        period.known = reference.periods
        period.help_text = PERIOD_HINTS.get(reference.period_kind, period.help_text)
        period.error_messages["invalid_choice"] = _(
            "Choose a reporting period of this objective's year."
        )
        # The objective's indicators and the country's milestones (figures.py).
        figures.add_fields(
            self, objective=self.objective, country=self.country, offered=reference.figures
        )

    def clean_language(self):
        return self.cleaned_data.get("language") or translation.get_language()

    def clean(self):
        cleaned = super().clean()
        if self.objective is not None and figures.not_offered(self):
            raise ValidationError(
                _(
                    "The form holds figures of another objective or country than the one "
                    "it shows: nothing was saved. Choose the country and objective again and "
                    "enter the figures."
                ),
                code="figures_not_offered",
            )
        return cleaned

    def clean_source_date(self):
        date = self.cleaned_data["source_date"]
        if date > timezone.localdate():
            raise ValidationError(_("The date of the note or e-mail cannot be in the future."))
        return date

    add_model_errors = ProgressUpdateForm.add_model_errors


MAX_BATCH = 100


class IdListField(forms.Field):
    """Ids chosen with checkboxes of one name: a list of distinct integers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError):
            raise ValidationError(_("The form named an update that does not exist.")) from None
        return list(dict.fromkeys(ids))

    def validate(self, value):
        if not value:
            raise ValidationError(_("Choose at least one update."), code="required")
        if len(value) > MAX_BATCH:
            raise ValidationError(
                _("Choose at most %(limit)d updates at once.") % {"limit": MAX_BATCH}
            )


class BatchForm(forms.Form):
    """Several updates chosen on a list (the ``update`` checkboxes), each with the
    version of it the user saw (``version-<id>``): ``items`` pairs them."""

    update = IdListField()

    def clean(self):
        cleaned = super().clean()
        versions = {}
        for pk in cleaned.get("update") or []:
            try:
                versions[pk] = int(self.data.get(f"version-{pk}", ""))
            except ValueError:
                raise ValidationError(
                    _("The form was incomplete; reload the page and choose again.")
                ) from None
        cleaned["versions"] = versions
        return cleaned


class VersionForm(forms.Form):
    """The version of the update the user saw when they chose an action."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReturnForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for returning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_MAX_LENGTH,
        help_text=_("Tell the country's officials what to change. Required."),
        error_messages={"required": _("Say why the update is returned.")},
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Add a comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_MAX_LENGTH,
        error_messages={"required": _("Write a comment before sending it.")},
    )
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4()
