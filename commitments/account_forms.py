"""The forms of the account pages: sign-in, re-authentication, password change and the
second factor's steps."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from commitments import validators

PASSWORD_MAX_LENGTH = 4096  # hashing megabytes on every attempt would be a cheap DoS


class SignInForm(AuthenticationForm):
    """Django's sign-in form with its length limits enforced before anything is looked up.

    Django sets the username field's ``max_length`` after the field is built, so without
    this the value reaches authenticate() (and django-axes' 255-character column) whole.

    A NUL byte or another control character is not a form error here: no account has
    such a username, and a password may hold anything, so either is a failed sign-in
    like any other (the same answer, counted by django-axes, audited). A username with
    one is never looked up: PostgreSQL refuses NUL in a query.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["password"].max_length = PASSWORD_MAX_LENGTH
        self.fields["password"].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
        for field in (username, self.fields["password"]):
            field.control_characters_allowed = True
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]

    def clean(self):
        username = self.cleaned_data.get("username")
        if (
            username
            and self.cleaned_data.get("password")
            and validators.refused_character(username, multiline=False)
        ):
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=self.request
            )
            raise self.get_invalid_login_error()
        return super().clean()


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the sign-in form's length limit: a longer password could never be used
    to sign in, and checking megabytes against the password rules would be a cheap DoS."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].max_length = PASSWORD_MAX_LENGTH
            self.fields[name].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def __init__(self, *args, recovery_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if recovery_only:
            token = self.fields["token"]
            token.label = _("Recovery code")
            token.help_text = _("One of your recovery codes, if you lost your security key.")
            token.widget.attrs.pop("autofocus", None)


class SetupForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class EmailChoicesForm(forms.Form):
    """Which e-mails about their country's updates a person gets (notifications.py)."""

    email_when_returned = forms.BooleanField(
        label=_("An update is returned for changes"),
        help_text=_("With a link to the update, where the coordinator's reason is."),
        required=False,
    )
    email_when_commented = forms.BooleanField(
        label=_("Someone comments on an update"),
        help_text=_("A coordinator or another official of your country."),
        required=False,
    )
    email_when_published = forms.BooleanField(
        label=_("An update is published"),
        help_text=_("Every signed-in user can then read it."),
        required=False,
    )


class SetOwnPasswordForm(auth_forms.SetPasswordForm):
    """The invited person chooses their password (Django's form, with the password rules
    and the sign-in form's length limit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].max_length = PASSWORD_MAX_LENGTH
            self.fields[name].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
