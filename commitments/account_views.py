"""Account security pages: two-factor set-up and sign-in step, recovery codes,
re-authentication and password change. The sign-in and sign-out views are Django's."""

import time

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from commitments import mfa, validators
from commitments.middleware import REAUTH_AT, recently_authenticated
from commitments.services import record
from commitments.sessions import end_sessions_of

PENDING_KEY = "nadd_pending_totp_key"
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


def _next_url(request, default="dashboard"):
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def redirect_to_reauth(request):
    return redirect(f"{reverse('reauth')}?{urlencode({'next': request.get_full_path()})}")


@require_http_methods(["GET", "POST"])
def reauth(request):
    """Enter the password again before a sensitive change (sudo mode, 30 minutes)."""
    form = SignInForm(
        request, data=request.POST or None, initial={"username": request.user.get_username()}
    )
    # The account is the signed-in one whatever the form sends.
    form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid() and form.get_user().pk == request.user.pk:
        request.session[REAUTH_AT] = time.time()
        return redirect(_next_url(request))
    return render(request, "registration/reauth.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def mfa_setup(request):
    """Set up (or replace) the authenticator app; shows the recovery codes once."""
    if not recently_authenticated(request):
        return redirect_to_reauth(request)
    key = request.session.get(PENDING_KEY)
    if not key:
        key = request.session[PENDING_KEY] = mfa.new_totp_key()
    form = mfa.SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = mfa.totp_matches(key, form.cleaned_data["token"])
        if step is None:
            form.add_error("token", _("That code is not the one the app shows now. Try again."))
        else:
            device = mfa.set_totp_device(request.user, key, step)
            codes = mfa.replace_recovery_codes(request.user)
            del request.session[PENDING_KEY]
            otp_login(request, device)
            record(actor=request.user, action="mfa.device_set", target=request.user)
            return render(request, "mfa/recovery_codes.html", {"codes": codes, "new": True})
    url = mfa.config_url(request.user, key)
    context = {
        "form": form,
        "otpauth_url": url,
        "qr": mfa.qr_data_uri(url),
        "replacing": mfa.has_device(request.user),
    }
    return render(request, "mfa/setup.html", context)


@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    """The second sign-in step: a code from the app or a recovery code."""
    if not mfa.has_device(request.user):
        return redirect("mfa_setup")
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    form = mfa.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.verify(request.user, form.cleaned_data["token"])
        if device is None:
            form.add_error("token", _("That code is not valid, or was already used."))
            record(actor=request.user, action="auth.otp_failed", target=request.user)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            request.session[REAUTH_AT] = time.time()
            used_recovery = isinstance(device, mfa.RecoveryCodeDevice)
            record(
                actor=request.user,
                action="auth.otp_verified",
                target=request.user,
                changes={"recovery_code": used_recovery},
            )
            if used_recovery:
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)d are left.")
                    % {"left": mfa.recovery_codes_left(request.user)},
                )
            return redirect(next_url)
    return render(request, "mfa/verify.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def mfa_recovery_codes(request):
    """How many recovery codes are left; POST issues a new set (the old ones stop working)."""
    if not recently_authenticated(request):
        return redirect_to_reauth(request)
    if request.method == "POST":
        codes = mfa.replace_recovery_codes(request.user)
        record(actor=request.user, action="mfa.recovery_codes_replaced", target=request.user)
        return render(request, "mfa/recovery_codes.html", {"codes": codes, "new": True})
    context = {
        "left": mfa.recovery_codes_left(request.user),
        "has_device": mfa.has_device(request.user),
    }
    return render(request, "mfa/recovery_codes.html", context)


class LoginView(auth_views.LoginView):
    authentication_form = SignInForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and every other session of the user ends (this one stays signed in)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        end_sessions_of(self.request.user, keep=self.request.session.session_key)
        record(actor=self.request.user, action="auth.password_changed", target=self.request.user)
        return response
