"""Two-factor sign-in: an authenticator app (TOTP, django-otp), security keys and passkeys
(WebAuthn, django-otp-webauthn) and single-use recovery codes.

Recovery codes are stored as SHA-256 hashes, never in clear: each is 60 random bits, so a
fast hash is enough, and a code is consumed by deleting its row in the same statement
that matches it, so it can never be used twice, even by two requests at once.
"""

import hashlib
import logging
import secrets
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import models, transaction
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django_otp_webauthn import helpers
from django_otp_webauthn.models import WebAuthnCredential

logger = logging.getLogger("commitments.mfa")

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """The user's set of recovery codes, as one django-otp device."""

    class Meta:
        verbose_name = _("recovery code set")
        verbose_name_plural = _("recovery code sets")

    def get_throttle_factor(self):
        return 1

    def verify_token(self, token):
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.codes.filter(code_hash=hash_code(token)).delete()[0] == 1
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return used


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self):
        return f"recovery code {self.pk} of {self.device.user}"  # never the code itself


def normalize_code(token):
    return "".join(ch for ch in str(token).lower() if ch.isalnum())


def hash_code(token):
    return hashlib.sha256(normalize_code(token).encode()).hexdigest()


def new_code():
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def has_device(user):
    """Whether the user has a second factor: a confirmed authenticator app or security key."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or has_security_key(user)


def has_app(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def security_keys(user):
    """The account's confirmed security keys and passkeys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def has_security_key(user):
    return security_keys(user).exists()


# --- Phishing-resistant roles ----------------------------------------------------------------
#
# For the roles in PHISHING_RESISTANT_ROLES only a security key makes a session verified:
# a code from the app can be phished along with the password. A recovery code still opens
# one door, the key registration page, so that the owner of a lost key can replace it.


def key_required(user):
    """Whether the user's role must sign in with a security key (the policy's rule)."""
    # Imported here: the models import this module, and the policy imports the models.
    from commitments import policy  # noqa: PLC0415

    return policy.must_use_security_key(user)


def session_device(user):
    """The device that verified this session (django-otp), or None."""
    return getattr(user, "otp_device", None) if user.is_verified() else None


def counts_as_verified(user):
    """Whether this session's second factor lets it in: any second factor, or for a role
    that must use a key, a key."""
    device = session_device(user)
    if device is None:
        return False
    return not key_required(user) or isinstance(device, WebAuthnCredential)


def may_add_security_key(user):
    """Whether this session's second factor is enough to add a security key: none is
    needed for the account's first second factor; a role that must use a key may add one
    with a key, a recovery code (the key was lost) or, while it has no key yet, the app."""
    if not has_device(user):
        return True
    device = session_device(user)
    if device is None:
        return False
    if not key_required(user) or isinstance(device, WebAuthnCredential | RecoveryCodeDevice):
        return True
    return not has_security_key(user)


def next_step(user):
    """The url name a session that does not count as verified is sent to."""
    if not has_device(user):
        return "mfa_setup"
    if key_required(user) and session_device(user) is not None:
        # Verified by a recovery code, or by the app while there is no key yet: the only
        # way on is to register a key.
        if isinstance(user.otp_device, RecoveryCodeDevice) or not has_security_key(user):
            return "mfa_setup"
    return "mfa_verify"


# --- Security keys (WebAuthn) --------------------------------------------------------------


def webauthn_rp_id(request):
    """The relying party id: WEBAUTHN_RP_ID, or the request's host without its port."""
    if settings.WEBAUTHN_RP_ID:
        return settings.WEBAUTHN_RP_ID
    domain, _port = split_domain_port(request.get_host())
    return domain


def request_origin(request):
    return f"{request.scheme}://{request.get_host()}"


class WebAuthnHelper(helpers.WebAuthnHelper):
    """django-otp-webauthn's helper with our relying party's origins and key names."""

    def get_allowed_origins(self):
        return list(settings.WEBAUTHN_ORIGINS) or [request_origin(self.request)]

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = next_key_name(user)
        return device


def next_key_name(user):
    """ "Security key 1", "Security key 2"... (in the owner's language), never a name the
    account already uses."""
    taken = set(WebAuthnCredential.objects.filter(user=user).values_list("name", flat=True))
    number = len(taken) + 1
    while (name := gettext("Security key %(number)d") % {"number": number}) in taken:
        number += 1
    return name[:64]


@transaction.atomic
def remove_security_key(user, key):
    """Delete one of the user's keys; with no second factor left, the recovery codes too
    (they would stand alone)."""
    lock_account(user)
    WebAuthnCredential.objects.filter(user=user, pk=key.pk).delete()
    if not has_device(user):
        RecoveryCodeDevice.objects.filter(user=user).delete()


def lock_account(user):
    """Hold the account's row until the transaction ends, so that two requests changing
    its second factor at once are taken one after the other (each sees the other's device)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def remove_second_factor(user):
    """Delete every device of the user (app, keys and recovery codes): they enrol again."""
    lock_account(user)
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


def announce_change(user, *, action, when=None):
    """E-mail the account's owner that its second factor changed (``action`` is the
    audit action), in their language, once the change is committed. Never a secret; a
    failure to send is logged and changes nothing."""
    if not user.email:
        return
    membership = getattr(user, "membership", None)
    language = (membership.language if membership else "") or settings.LANGUAGE_CODE
    context = {
        "user": user,
        "action": action,
        "when": when or timezone.now(),
        "url": settings.SITE_URL + reverse("mfa_recovery_codes"),
    }

    def send():
        try:
            with translation.override(language):
                subject = render_to_string("email/mfa_changed_subject.txt", context).strip()
                body = render_to_string("email/mfa_changed.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("second-factor notice to user %s failed", user.pk)

    transaction.on_commit(send)


@transaction.atomic
def replace_recovery_codes(user):
    """Issue a fresh set of codes (the old ones stop working) and return them in clear, once."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes")
    codes = [new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_code(code)) for code in codes
    )
    return codes


def recovery_codes_left(user):
    return RecoveryCode.objects.filter(device__user=user).count()


def new_totp_key():
    return default_key()


def totp_matches(key, token):
    """Whether ``token`` is the current code (±1 step) for the hex ``key``; returns its step."""
    try:
        value = int(token)
    except (TypeError, ValueError):
        return None
    totp = TOTP(unhexlify(key.encode()))
    if totp.verify(value, tolerance=1):
        return totp.t()
    return None


@transaction.atomic
def set_totp_device(user, key, last_t):
    """Replace the user's authenticator app by a confirmed device with ``key``."""
    TOTPDevice.objects.filter(user=user).delete()
    # last_t: the code used to confirm the device cannot be used again to sign in.
    return TOTPDevice.objects.create(
        user=user, name="authenticator app", key=key, confirmed=True, last_t=last_t
    )


def config_url(user, key):
    return TOTPDevice(user=user, key=key).config_url


def qr_data_uri(url):
    """The otpauth address as an SVG QR code in a data: URI (no inline script or style)."""
    return segno.make(url, error="m").svg_data_uri(scale=5)


def verify(user, token, *, recovery_only=False):
    """The device that accepts ``token`` (authenticator code or recovery code), or None.

    Six digits go to the authenticator app, anything else to the recovery codes; each
    device throttles its own failures (django-otp doubles the wait after each one).
    ``recovery_only``: the app's codes are not accepted (a role that must use a key).
    """
    token = (token or "").strip()
    if token.isdigit() and len(token) == 6:
        if recovery_only:
            return None
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = RecoveryCodeDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_token(token):
            return device
    return None
