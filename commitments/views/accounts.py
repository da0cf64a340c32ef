"""Account security pages: two-factor set-up and sign-in step, recovery codes,
re-authentication, password change and accepting an invitation. The sign-in and
sign-out views are Django's."""

import time

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from commitments import account_forms, audit, invitations, kept_forms, mfa, policy, services
from commitments.account_forms import PasswordChangeForm, SetOwnPasswordForm, SignInForm
from commitments.context_processors import session_timeout
from commitments.denials import log_denial
from commitments.sessions import REAUTH_AT, SEEN_AT, end_sessions_of, recently_authenticated
from commitments.signin import (
    count_sign_in_failure,
    refuse_sign_in,
    remember_device,
    sign_in_paused_for,
    trusted_device,
)

PENDING_KEY = "nadd_pending_totp_key"
# The second sign-in step, by a code (mfa_verify) or by a security key: one count for both.
SECOND_STEP_LIMIT = policy.RateLimit("mfa_verify", 96, 24 * 60 * 60, per="user")


def _next_url(request, default="dashboard"):
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def redirect_to_reauth(request):
    return redirect(f"{reverse('reauth')}?{urlencode({'next': request.get_full_path()})}")


@policy.rate_limit("reauth", 30, 60 * 60, per="user")
@policy.password_step
@policy.coordinators_may_post
@policy.methods("GET", "POST")
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


def second_factor_block(request, *, adding_key=False):
    """Why this session may not change the account's second factor yet ("verify" or
    "reauth"), or None when it may.

    An account without a second factor enrols its first from the session that signed in
    with the password (that is how two-factor sign-in starts). Replacing, adding or
    removing one needs the current second factor in this very session (a code from the
    app, a recovery code or a security key; for a role that must use a key, see
    ``mfa.may_add_security_key``), so a stolen password alone can never swap the owner's
    factor for the thief's, and the password entered within the last 30 minutes.
    """
    user = request.user
    if adding_key:
        allowed = mfa.may_add_security_key(user)
    else:
        allowed = mfa.counts_as_verified(user) or not mfa.has_device(user)
    if not allowed:
        return "verify"
    if not recently_authenticated(request):
        return "reauth"
    return None


def second_factor_step(request, *, adding_key=False):
    """The step this session must pass before it may change the account's second factor,
    as a redirect, or None when it may (see ``second_factor_block``)."""
    block = second_factor_block(request, adding_key=adding_key)
    if block == "verify":
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': request.path})}")
    if block == "reauth":
        return redirect_to_reauth(request)
    return None


def second_factor_changed(request, *, action, changes=None):
    """What follows every change of an account's second factor: a new session key, every
    other session of the account ended, the audit entry, and a notice to its e-mail."""
    request.session.cycle_key()
    end_sessions_of(request.user, keep=request.session.session_key)
    audit.record(actor=request.user, action=action, target=request.user, changes=changes)
    mfa.announce_change(request.user, action=action)


@policy.password_step
@policy.coordinators_may_post
@policy.methods("GET", "POST")
def mfa_setup(request):
    """Set up two-factor sign-in: a security key or passkey, or an authenticator app (or
    replace the app); setting up the app shows the recovery codes once. A role that must
    use a security key is offered the key only."""
    key_only = mfa.key_required(request.user)
    step = second_factor_step(request, adding_key=key_only)
    if step is not None:
        return step
    if key_only:
        if request.method == "POST":
            raise PermissionDenied(_("Your role signs in with a security key, not an app."))
        request.session.pop(PENDING_KEY, None)
        return render(request, "mfa/setup.html", setup_context(request, key_only=True))
    key = request.session.get(PENDING_KEY)
    if not key:
        key = request.session[PENDING_KEY] = mfa.new_totp_key()
    form = account_forms.SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = mfa.totp_matches(key, form.cleaned_data["token"])
        if step is None:
            form.add_error("token", _("That code is not the one the app shows now. Try again."))
        else:
            with transaction.atomic():
                mfa.lock_account(request.user)
                # Checked again under the lock: a device enrolled meanwhile by another
                # session makes this one a replacement, which needs the second factor.
                replacing = mfa.has_app(request.user)
                if second_factor_block(request) is not None:
                    return second_factor_step(request)
                first = not mfa.has_device(request.user)
                device = mfa.set_totp_device(request.user, key, step)
                codes = mfa.replace_recovery_codes(request.user)
                del request.session[PENDING_KEY]
                otp_login(request, device)
                if first:
                    action = audit.Action.MFA_ENROLLED
                elif replacing:
                    action = audit.Action.MFA_REPLACED
                else:
                    action = audit.Action.MFA_APP_ADDED
                second_factor_changed(
                    request,
                    action=action,
                    changes={"authenticator_app": ["replaced" if replacing else None, "set"]},
                )
            return render(request, "mfa/recovery_codes.html", {"codes": codes, "new": True})
    url = mfa.config_url(request.user, key)
    context = setup_context(request, key_only=False)
    context.update(
        {
            "form": form,
            "otpauth_url": url,
            "qr": mfa.qr_data_uri(url),
            "replacing": mfa.has_app(request.user),
        }
    )
    return render(request, "mfa/setup.html", context)


def setup_context(request, *, key_only):
    return {
        "key_only": key_only,
        "has_device": mfa.has_device(request.user),
        "keys": list(mfa.security_keys(request.user)),
        # Where the page goes once a key is registered: the settings page, which offers
        # the recovery codes.
        "after_key_url": reverse("mfa_recovery_codes"),
    }


@policy.rate_limit(SECOND_STEP_LIMIT)
@policy.password_step
@policy.coordinators_may_post
@policy.methods("GET", "POST")
def mfa_verify(request):
    """The second sign-in step: a security key, a code from the app or a recovery code."""
    user = request.user
    if not mfa.has_device(user):
        return redirect("mfa_setup")
    next_url = _next_url(request)
    if mfa.counts_as_verified(user):
        return redirect(next_url)
    if mfa.next_step(user) == "mfa_setup":
        return redirect("mfa_setup")
    key_only = mfa.key_required(user)
    has_keys = mfa.has_security_key(user)
    recovery_only = key_only and has_keys
    codes_left = mfa.recovery_codes_left(user) > 0
    show_code_form = codes_left if recovery_only else (codes_left or mfa.has_app(user))
    form = account_forms.TokenForm(request.POST or None, recovery_only=recovery_only)
    if request.method == "POST" and form.is_valid():
        device = mfa.verify(user, form.cleaned_data["token"], recovery_only=recovery_only)
        if device is None:
            form.add_error("token", _("That code is not valid, or was already used."))
            audit.record(actor=user, action=audit.Action.AUTH_OTP_FAILED, target=user)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            request.session[REAUTH_AT] = time.time()
            used_recovery = isinstance(device, mfa.RecoveryCodeDevice)
            audit.record(
                actor=user,
                action=audit.Action.AUTH_OTP_VERIFIED,
                target=user,
                changes={"recovery_code": used_recovery},
            )
            if used_recovery:
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)d are left.")
                    % {"left": mfa.recovery_codes_left(user)},
                )
            if not mfa.counts_as_verified(user):
                return redirect(mfa.next_step(user))
            return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "has_keys": has_keys,
        "show_code_form": show_code_form,
        "key_only": key_only,
    }
    return render(request, "mfa/verify.html", context)


@policy.coordinators_may_post
@policy.methods("GET", "POST")
def mfa_recovery_codes(request):
    """The account's two-factor settings: its security keys (add, remove), the
    authenticator app (set up, replace) and how many recovery codes are left; POST issues
    a new set of recovery codes (the old ones stop working)."""
    step = second_factor_step(request)
    if step is not None:
        return step
    has_device = mfa.has_device(request.user)
    if request.method == "POST" and has_device:
        with transaction.atomic():
            mfa.lock_account(request.user)
            codes = mfa.replace_recovery_codes(request.user)
            second_factor_changed(request, action=audit.Action.MFA_RECOVERY_CODES_REPLACED)
        return render(request, "mfa/recovery_codes.html", {"codes": codes, "new": True})
    context = {
        "left": mfa.recovery_codes_left(request.user),
        "has_device": has_device,
        "has_app": mfa.has_app(request.user),
        "keys": list(mfa.security_keys(request.user)),
        "key_only": mfa.key_required(request.user),
    }
    return render(request, "mfa/recovery_codes.html", context)


# --- Security keys: django-otp-webauthn's JSON views under our rules -------------------------
#
# Each is reachable before the second step (the key is the second step, or is added to
# replace a lost one), applies the second-factor rules itself, and is open to coordinators.


@policy.password_step
@policy.coordinators_may_post
@policy.methods("POST")
def session_extend(request):
    """ "Stay signed in", from the warning before a session ends: the request itself is the
    activity that keeps the session going (SessionTimeoutMiddleware), noted now. Answers
    the seconds now left (JSON) to the page's script, or, sent without it, goes back to
    the page. A session that has already ended never reaches here: sign-in comes first."""
    request.session[SEEN_AT] = time.time()
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(session_timeout(request)["session_ends"])
    return redirect(_next_url(request))


@policy.requires(policy.may_choose_update_emails)
@policy.methods("GET", "POST")
def notification_settings(request):
    """Which e-mails about their country's updates the official gets: returned, commented
    on, published (notifications.py); each change audited."""
    membership = request.user.membership  # an official's (required above), read already
    names = services.EMAIL_CHOICES
    form = account_forms.EmailChoicesForm(
        request.POST or None, initial={name: getattr(membership, name) for name in names}
    )
    if request.method == "POST" and form.is_valid():
        services.set_email_choices(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your choice of e-mails was saved."))
        return redirect("notification_settings")
    return render(request, "registration/notification_settings.html", {"form": form})


@policy.public
@policy.password_step
@policy.methods("GET", "HEAD", "POST")
class LoginView(auth_views.LoginView):
    """Django's sign-in, braked against password spraying: once too many sign-ins have
    failed from this address, a browser that has never signed in as the username it sends
    is refused without its password being checked, and browsers that have are not slowed.
    (The lockouts of an account, and of an address for an account, are django-axes'.)"""

    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ended = kept_forms.signed_out(self.request)
        if ended is not None:
            context["signed_out"] = kept_forms.sign_in_notice(*ended)
        return context

    def post(self, request, *args, **kwargs):
        field = UsernameField()
        field.control_characters_allowed = True  # a username no account has: not known
        username = field.to_python(request.POST.get("username", ""))
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


@policy.coordinators_may_post
@policy.methods("GET", "HEAD", "POST")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and every other session of the user ends (this one stays signed in)."""

    form_class = PasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        end_sessions_of(self.request.user, keep=self.request.session.session_key)
        audit.record(
            actor=self.request.user,
            action=audit.Action.AUTH_PASSWORD_CHANGED,
            target=self.request.user,
        )
        return response


INVITATION_REFUSALS = {
    invitations.UNKNOWN: 404,
    invitations.SIGNED_IN_AS_ANOTHER: 403,
    invitations.EXPIRED: 410,
    invitations.ACCEPTED: 410,
    invitations.REPLACED: 410,
}


@policy.rate_limit("invitation", 30, 60 * 60, per="ip")
@policy.public
@policy.methods("GET", "POST")
def accept_invitation(request, token):
    """An invitation's link (commitments/invitations.py): the invited person sets their own
    password, is signed in and goes on to set up two-factor sign-in. A link that is
    unknown, expired, already used, replaced, or opened while signed in as someone else
    gets a page saying so and what to do; nothing changes."""
    invitation = invitations.find(token)
    membership = getattr(invitation and invitation.user, "membership", None)
    if membership is not None and membership.language:
        # The language the administrator chose for the person, as the e-mail's.
        translation.activate(membership.language)
        request.LANGUAGE_CODE = membership.language
    try:
        invitations.check(invitation, request.user)
    except invitations.Refused as refusal:
        return invitation_refused(request, refusal)
    form = SetOwnPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept(
                token=token, reader=request.user, password=form.cleaned_data["new_password1"]
            )
        except invitations.Refused as refusal:
            return invitation_refused(request, refusal)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Your password is set. Now set up two-factor sign-in to protect your account."),
        )
        return redirect(f"{reverse('mfa_setup')}?{urlencode({'next': reverse('dashboard')})}")
    context = {"form": form, "invitation": invitation, "invited": invitation.user}
    return render(request, "registration/accept_invitation.html", context)


def invitation_refused(request, refusal):
    status = INVITATION_REFUSALS[refusal.reason]
    invitations.record_refusal(refusal, request.user)
    log_denial(request, status=status, reason=f"invitation {refusal.reason}")
    context = {"reason": refusal.reason, "invitation": refusal.invitation}
    return render(request, "registration/invitation_refused.html", context, status=status)
