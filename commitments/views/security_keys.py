"""Security keys and passkeys (WebAuthn): django-otp-webauthn's own views under our
second-factor rules, and removing a key."""

import time

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp_webauthn import exceptions as webauthn_exceptions
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.utils import rewrite_exceptions

from commitments import audit, mfa, policy
from commitments.sessions import REAUTH_AT
from commitments.views.accounts import (
    SECOND_STEP_LIMIT,
    second_factor_block,
    second_factor_changed,
    second_factor_step,
)


def last_factor_refusal(request, key):
    """Why ``key`` may not be removed (a message), or None: the last second factor of an
    account that must have one, or the last key of a role that must use one."""
    user = request.user
    others = mfa.security_keys(user).exclude(pk=key.pk).exists()
    if mfa.key_required(user) and not others:
        return _(
            "Your role signs in with a security key: add another key before removing this one."
        )
    if settings.REQUIRE_MFA and not others and not mfa.has_app(user):
        return _(
            "This is your only second factor: add another key or an authenticator app "
            "before removing it."
        )
    return None


@policy.coordinators_may_post
@policy.methods("GET", "POST")
def mfa_security_key_remove(request, pk):
    """Confirm, then remove one of the account's own security keys."""
    step = second_factor_step(request)
    if step is not None:
        return step
    key = get_object_or_404(mfa.security_keys(request.user), pk=pk)
    refusal = last_factor_refusal(request, key)
    if request.method == "POST" and refusal is None:
        with transaction.atomic():
            mfa.lock_account(request.user)
            # Checked again under the lock: another session may have removed the others.
            refusal = last_factor_refusal(request, key)
            if refusal is None:
                mfa.remove_security_key(request.user, key)
                second_factor_changed(
                    request,
                    action=audit.Action.MFA_SECURITY_KEY_REMOVED,
                    changes={"security_key": [key.name, None]},
                )
        if refusal is None:
            messages.success(
                request, _("The security key “%(name)s” was removed.") % {"name": key.name}
            )
            return redirect("mfa_recovery_codes")
    status = 409 if request.method == "POST" and refusal else 200
    return render(
        request, "mfa/security_key_remove.html", {"key": key, "refusal": refusal}, status=status
    )


def key_endpoint(view_class):
    """Declare one of the security key's JSON endpoints (POST only)."""
    return policy.password_step(policy.coordinators_may_post(policy.methods("POST")(view_class)))


class ReauthRequired(webauthn_exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "reauth_required"


class NoSecurityKey(webauthn_exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "no_security_key"


class SecurityKeyTaken(webauthn_exceptions.OTPWebAuthnApiError):
    status_code = 409
    default_code = "credential_taken"


def webauthn_error_message(code, *, registering):
    """What the person sees for an error ``code`` of a key ceremony, in their language
    (the details stay in the audit and the logs)."""
    known = {
        "user_not_verified": _("Confirm your second factor first, then add the key."),
        "reauth_required": _("Enter your password again, then add the key."),
        "no_security_key": _("Your account has no security key."),
        "credential_taken": _("This key is already registered."),
        "credential_user_mismatch": _("This key is not registered to your account."),
        "credential_not_found": _("This key is not registered to your account."),
        "invalid_state": _("The request expired. Try again."),
        "malformed_request": _("The request could not be read. Try again."),
        "not_authenticated": _("Sign in first."),
    }
    if code in known:
        return known[code]
    if registering:
        return _("The key could not be registered. Try again, or use another key.")
    return _("This key was not accepted. Try again, or use another key.")


class WebAuthnErrorsMixin:
    """Every error as a short message in the user's language, with the library's code."""

    registering = False

    def dispatch(self, request, *args, **kwargs):
        # The method first: the library's checks run before its handler is looked up.
        handler = getattr(self, request.method.lower(), None)
        if request.method.lower() not in self.http_method_names or handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, webauthn_exceptions.OTPWebAuthnApiError):
            return JsonResponse(
                {
                    "detail": webauthn_error_message(exc.code, registering=self.registering),
                    "code": exc.code,
                },
                status=exc.status_code,
            )
        return super().handle_exception(exc)


class KeyRegistrationMixin(WebAuthnErrorsMixin):
    """Adding a key follows the rules of every second-factor change (second_factor_block)."""

    registering = True

    def user_is_mfa_enrolled(self, user):
        return mfa.has_device(user)

    def check_can_register(self):
        block = second_factor_block(self.request, adding_key=True)
        if block == "verify":
            raise webauthn_exceptions.NotVerified()
        if block == "reauth":
            raise ReauthRequired()


@key_endpoint
class BeginKeyRegistration(KeyRegistrationMixin, webauthn_views.BeginCredentialRegistrationView):
    pass


@key_endpoint
class CompleteKeyRegistration(
    KeyRegistrationMixin, webauthn_views.CompleteCredentialRegistrationView
):
    def post(self, *args, **kwargs):
        request = self.request
        user = request.user
        state = self.get_state()  # popped and saved first: a state is never used twice
        with transaction.atomic():
            mfa.lock_account(user)
            self.check_can_register()  # again under the lock
            first = not mfa.has_device(user)
            logger = webauthn_views._get_pywebauthn_logger()
            try:
                with transaction.atomic(), rewrite_exceptions(logger=logger):
                    device = self.get_helper().register_complete(
                        user=user, state=state, data=request.data
                    )
            except IntegrityError:
                raise SecurityKeyTaken() from None
            if not mfa.counts_as_verified(user):
                # The first second factor, or a role that must use a key replacing a lost
                # one: the key just registered verifies the session.
                otp_login(request, device)
            second_factor_changed(
                request,
                action=(
                    audit.Action.MFA_ENROLLED if first else audit.Action.MFA_SECURITY_KEY_ADDED
                ),
                changes={"security_key": [None, device.name]},
            )
        # Shown on the page the script goes to next (the two-factor settings).
        messages.success(
            request, _("The security key “%(name)s” was added.") % {"name": device.name}
        )
        return JsonResponse({"id": device.pk})


@key_endpoint
class BeginKeyAuthentication(WebAuthnErrorsMixin, webauthn_views.BeginCredentialAuthenticationView):
    def check_can_authenticate(self):
        super().check_can_authenticate()
        if not mfa.has_security_key(self.request.user):
            raise NoSecurityKey()


@policy.rate_limit(SECOND_STEP_LIMIT)
@key_endpoint
class CompleteKeyAuthentication(
    WebAuthnErrorsMixin, webauthn_views.CompleteCredentialAuthenticationView
):
    """The second sign-in step with a key: like a code, a new session key, the time of
    the step noted as a re-authentication, and an audit entry either way."""

    def complete_auth(self, device):
        request = self.request
        request.session.cycle_key()
        otp_login(request, device)
        request.session[REAUTH_AT] = time.time()
        audit.record(
            actor=request.user,
            action=audit.Action.AUTH_OTP_VERIFIED,
            target=request.user,
            changes={"method": "security_key", "security_key": device.name},
        )

    def post(self, *args, **kwargs):
        try:
            return super().post(*args, **kwargs)
        except webauthn_exceptions.OTPWebAuthnApiError as exc:
            audit.record(
                actor=self.request.user,
                action=audit.Action.AUTH_OTP_FAILED,
                target=self.request.user,
                changes={"method": "security_key", "reason": exc.code},
            )
            raise
