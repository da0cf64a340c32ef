"""Account security pages: two-factor set-up and sign-in step, recovery codes,
re-authentication and password change. The sign-in and sign-out views are Django's."""

import time

from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from commitments import mfa
from commitments.middleware import (
    REAUTH_AT,
    count_sign_in_failure,
    recently_authenticated,
    refuse_sign_in,
    remember_device,
    sign_in_paused_for,
    trusted_device,
)
from commitments.services import record
from commitments.sessions import end_sessions_of

PENDING_KEY = "nadd_pending_totp_key"
PASSWORD_MAX_LENGTH = 4096  # hashing megabytes on every attempt would be a cheap DoS


class SignInForm(AuthenticationForm):
    """Django's sign-in form with its length limits enforced before anything is looked up.

    Django sets the username field's ``max_length`` after the field is built, so without
    this the value reaches authenticate() (and django-axes' 255-character column) whole.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["password"].max_length = PASSWORD_MAX_LENGTH
        self.fields["password"].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the sign-in form's length limit: a longer password could never be used
    to sign in, and checking megabytes against the password rules would be a cheap DoS."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].max_length = PASSWORD_MAX_LENGTH
            self.fields[name].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))


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


def second_factor_step(request):
    """The step this session must pass before it may change the account's second factor,
    as a redirect, or None when it may.

    An account without a second factor enrols its first from the session that signed in
    with the password (that is how two-factor sign-in starts). Replacing one needs the
    current second factor in this very session (a code from the app or a recovery code),
    so a stolen password alone can never swap the owner's authenticator for the thief's,
    and the password entered within the last 30 minutes.
    """
    if mfa.has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': request.path})}")
    if not recently_authenticated(request):
        return redirect_to_reauth(request)
    return None


def second_factor_changed(request, *, action, changes=None):
    """What follows every change of an account's second factor: a new session key, every
    other session of the account ended, the audit entry, and a notice to its e-mail."""
    request.session.cycle_key()
    end_sessions_of(request.user, keep=request.session.session_key)
    record(actor=request.user, action=action, target=request.user, changes=changes)
    mfa.announce_change(request.user, action=action)


@require_http_methods(["GET", "POST"])
def mfa_setup(request):
    """Set up the authenticator app (or replace it); shows the recovery codes once."""
    step = second_factor_step(request)
    if step is not None:
        return step
    key = request.session.get(PENDING_KEY)
    if not key:
        key = request.session[PENDING_KEY] = mfa.new_totp_key()
    form = mfa.SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = mfa.totp_matches(key, form.cleaned_data["token"])
        if step is None:
            form.add_error("token", _("That code is not the one the app shows now. Try again."))
        else:
            with transaction.atomic():
                mfa.lock_account(request.user)
                # Checked again under the lock: a device enrolled meanwhile by another
                # session makes this one a replacement, which needs the second factor.
                replacing = mfa.has_device(request.user)
                if replacing and not request.user.is_verified():
                    return second_factor_step(request)
                device = mfa.set_totp_device(request.user, key, step)
                codes = mfa.replace_recovery_codes(request.user)
                del request.session[PENDING_KEY]
                otp_login(request, device)
                second_factor_changed(
                    request,
                    action="mfa.replaced" if replacing else "mfa.enrolled",
                    changes={"authenticator_app": ["replaced" if replacing else None, "set"]},
                )
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
    step = second_factor_step(request)
    if step is not None:
        return step
    has_device = mfa.has_device(request.user)
    if request.method == "POST" and has_device:
        with transaction.atomic():
            mfa.lock_account(request.user)
            codes = mfa.replace_recovery_codes(request.user)
            second_factor_changed(request, action="mfa.recovery_codes_replaced")
        return render(request, "mfa/recovery_codes.html", {"codes": codes, "new": True})
    context = {"left": mfa.recovery_codes_left(request.user), "has_device": has_device}
    return render(request, "mfa/recovery_codes.html", context)


class LoginView(auth_views.LoginView):
    """Django's sign-in, braked against password spraying: once too many sign-ins have
    failed from this address, a browser that has never signed in as the username it sends
    is refused without its password being checked, and browsers that have are not slowed.
    (The lockouts of an account, and of an address for an account, are django-axes'.)"""

    authentication_form = SignInForm

    def post(self, request, *args, **kwargs):
        username = UsernameField().to_python(request.POST.get("username", ""))
        self.known_browser = trusted_device(request, username)
        if not self.known_browser:
            wait = sign_in_paused_for(request)
            if wait:
                return refuse_sign_in(
                    request, wait, reason="sign-in failures from this address", network=True
                )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        remember_device(self.request, response, form.get_user().get_username())
        return response

    def form_invalid(self, form):
        # A wrong password or a locked account; not an empty or oversized field.
        if not self.known_browser and form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            count_sign_in_failure(self.request)
        return super().form_invalid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and every other session of the user ends (this one stays signed in)."""

    form_class = PasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        end_sessions_of(self.request.user, keep=self.request.session.session_key)
        record(actor=self.request.user, action="auth.password_changed", target=self.request.user)
        return response
