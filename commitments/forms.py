import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commitments.models import (
    COMMENT_MAX_LENGTH,
    MAX_EVIDENCE_LINKS,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.validators import clean_text

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


class ProgressUpdateForm(forms.Form):
    """What an official types: the fields of an update they may set. Objective, country
    and author are set by the server. The services check the whole update with the
    model's own ``full_clean()`` before saving it; what that refuses is shown on this
    form (``add_model_errors``)."""

    period = update_field(
        "period",
        queryset=ReportingPeriod.objects.none(),  # this objective's year's: see __init__
        empty_label=None,
        help_text=_("The quarter this update reports on."),
        error_messages={"invalid_choice": _("Choose a reporting period of this objective's year.")},
    )
    status = update_field(
        "status",
        choices=ProgressUpdate.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the statuses listed.")},
    )
    narrative = update_field(
        "narrative",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What was done in this period, what is planned next, and any obstacle. "
            "At most 10,000 characters."
        ),
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

    def __init__(self, *args, objective, update=None, initial=None, **kwargs):
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
        self.fields["period"].queryset = objective.objective_set.periods.order_by("starts_on")
        if update is not None:
            self.fields["version"].initial = update.version
            del self.fields["token"]
        else:
            del self.fields["version"]
            self.fields["token"].initial = uuid.uuid4()
            self.fields["language"].initial = translation.get_language()

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
