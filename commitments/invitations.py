"""Invitations: how a new person gets into the application.

An administrator adds the person in the admin (name, e-mail, role, country, language)
and never types a password: the account is created without one, and an e-mail in the
person's language carries a single-use link, valid for ``INVITATION_DAYS`` days, where
they set their own password and then set up two-factor sign-in. Only the token's hash is
stored. Sending a new invitation replaces the earlier ones of the account.

Every step is audited: the invitation sent (``user.invited``), accepted
(``user.invitation_accepted``), and each refusal of a link that is known but no longer
valid, or opened while signed in as someone else (``user.invitation_refused``, with the
reason). A link no invitation matches (mistyped, tampered with) is refused with the same
clear page and logged as a denial; it names no account, so it is not audited.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from commitments import audit, policy
from commitments.models import Invitation

logger = logging.getLogger("commitments.invitations")

# Why a link is refused: its invitation's state, or the reader's session.
UNKNOWN = "unknown"
EXPIRED = "expired"
ACCEPTED = "accepted"
REPLACED = "replaced"
SIGNED_IN_AS_ANOTHER = "signed_in_as_another"


class Refused(Exception):
    """The link cannot be used; ``reason`` is one of the names above."""

    def __init__(self, reason, invitation=None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def language_of(user):
    """The language of the person's pages and e-mails: their membership's, else the site's."""
    membership = getattr(user, "membership", None)
    return (membership.language if membership else "") or settings.LANGUAGE_CODE


@transaction.atomic
def invite(*, actor, user):
    """Send ``user`` a new invitation (the earlier ones stop working); the e-mail leaves
    once the transaction commits. Returns the invitation."""
    policy.may_administer.check(actor)
    if not user.email:
        raise ValueError("An invitation needs the person's e-mail address.")
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, replaced_at__isnull=True).update(
        replaced_at=now
    )
    invitation = Invitation(
        user=user,
        sent_by=actor,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    token = invitation.issue()
    invitation.save()
    audit.record(
        actor=actor,
        action=audit.Action.USER_INVITED,
        target=user,
        changes={
            "email": [None, user.email],
            "expires_at": [None, invitation.expires_at.isoformat()],
        },
    )
    _send(invitation, token)
    return invitation


def _send(invitation, token):
    user = invitation.user
    context = {
        "user": user,
        "sent_by": invitation.sent_by,
        "expires_at": invitation.expires_at,
        "url": settings.SITE_URL + reverse("accept_invitation", args=[token]),
    }

    def send():
        try:
            with translation.override(language_of(user)):
                subject = render_to_string("email/invitation_subject.txt", context).strip()
                body = render_to_string("email/invitation.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("invitation to user %s failed to send", user.pk)

    transaction.on_commit(send)


def find(token):
    """The invitation the link's token names, or None (never a database error: a token
    is hashed before it is looked up)."""
    return (
        Invitation.objects.select_related("user__membership")
        .filter(token_hash=Invitation.hash(str(token)))
        .first()
    )


def check(invitation, reader):
    """Raise Refused unless ``invitation`` may be used now by whoever ``reader`` is
    signed in as (no one, or the invited person themselves)."""
    if invitation is None:
        raise Refused(UNKNOWN)
    if reader.is_authenticated and reader.pk != invitation.user_id:
        raise Refused(SIGNED_IN_AS_ANOTHER, invitation)
    state = invitation.state
    if state != "pending":
        raise Refused(state, invitation)


def record_refusal(refusal, reader):
    """Audit the refusal of a known invitation's link, with its reason."""
    if refusal.invitation is None:
        return
    audit.record(
        actor=reader if reader.is_authenticated else None,
        action=audit.Action.USER_INVITATION_REFUSED,
        target=refusal.invitation.user,
        changes={"reason": [None, refusal.reason]},
    )


def accept(*, token, reader, password):
    """Use the link: set the invited person's password, once. The invitation's row is
    locked, so of two requests with the same link only the first sets a password; the
    second is refused as already used. Returns the account."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(token_hash=Invitation.hash(str(token)))
            .first()
        )
        check(invitation, reader)
        user = invitation.user
        now = timezone.now()
        user.set_password(password)
        user.save(update_fields=["password"])
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            actor=user,
            action=audit.Action.USER_INVITATION_ACCEPTED,
            target=user,
            changes={"password": [None, "[hidden]"]},
        )
        return user
