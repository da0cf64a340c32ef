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
    NARRATIVE_MAX_LENGTH,
    ProgressUpdate,
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


class ProgressUpdateForm(forms.ModelForm):
    """What an official types. Objective, country and author are set by the server."""

    evidence_links = EvidenceLinksField(
        label=_("Evidence links"),
        required=False,
        help_text=_("Web addresses of published documents or reports, one per line (at most 10)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Identifies this form: posting it twice (a double click, a retry) creates one update.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProgressUpdate
        fields = ["period", "status", "narrative", "language", "evidence_links"]
        widgets = {
            "status": forms.RadioSelect,
            "narrative": forms.Textarea(attrs={"rows": 10}),
        }
        help_texts = {
            "narrative": _(
                "What was done in this period, what is planned next, and any obstacle. "
                "At most 10,000 characters."
            ),
            "period": _("The quarter this update reports on."),
            "language": _("The language the narrative is written in. It is shown as written."),
        }
        error_messages = {
            "period": {
                "invalid_choice": _("Choose a reporting period of this objective's year."),
            },
            "status": {"invalid_choice": _("Choose one of the statuses listed.")},
        }

    def __init__(self, *args, objective, **kwargs):
        super().__init__(*args, **kwargs)
        self.objective = objective
        self.fields["period"].queryset = objective.objective_set.periods.order_by("starts_on")
        self.fields["period"].empty_label = None
        self.fields["status"].choices = ProgressUpdate.Status.choices
        self.fields["language"].required = False
        self.fields["narrative"].max_length = NARRATIVE_MAX_LENGTH
        self.fields["narrative"].strip = True
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            del self.fields["token"]
        else:
            del self.fields["version"]
            self.fields["token"].initial = uuid.uuid4()
            self.fields["language"].initial = translation.get_language()

    def _get_validation_exclusions(self):
        # The period field fetched the period from this objective's own periods: the
        # model's check that it exists would read it again (the model's clean() still
        # checks it belongs to the objective's year).
        return super()._get_validation_exclusions() | {"period"}

    def clean(self):
        cleaned_data = super().clean()
        # The check constraints a user could break (the status's choices, the narrative's
        # length) are the fields' own validation above; the others hold values the server
        # sets. The INSERT or UPDATE checks them all again: no query here for them.
        self._validate_constraints = False
        return cleaned_data

    def clean_language(self):
        # Left out (an older form, a script): the language the user is working in.
        return self.cleaned_data.get("language") or translation.get_language()

    def clean_version(self):
        version = self.cleaned_data.get("version")
        if version is None:
            raise ValidationError(_("The form is missing its version; reload the page."))
        return version

    def _post_clean(self):
        # The model's own checks need objective and country, which the server sets.
        self.instance.objective = self.objective
        super()._post_clean()


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
