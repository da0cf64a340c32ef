"""Sign-in events: session timestamps, the audit trail, and ending a deactivated user's sessions."""

import logging
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save

from commitments import audit, kept_forms
from commitments.clients import client_ip
from commitments.mfa import has_device
from commitments.models import Membership
from commitments.sessions import AUTH_AT, ENROLLED, REAUTH_AT, SEEN_AT, end_sessions_of
from commitments.validators import escape_controls, refused_character

logger = logging.getLogger("commitments.auth")


def escape_for_log(value, limit=150):
    """A user-supplied string made safe for one log line: CR, LF and other controls
    escaped, at most ``limit`` characters once escaped."""
    return escape_controls(value)[:limit]


def _request_id(request):
    return getattr(request, "request_id", "-")


def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    now = time.time()
    if hasattr(request, "session"):
        request.session[AUTH_AT] = request.session[SEEN_AT] = request.session[REAUTH_AT] = now
        request.session[ENROLLED] = has_device(user)
        kept_forms.forget_for_another(request, user)
    # A real sign-in is a POST of the sign-in form; test helpers (force_login) are not audited.
    if request.method != "POST":
        return
    audit.record(
        actor=user,
        action=audit.Action.AUTH_LOGIN,
        target=user,
        target_repr=escape_for_log(user.get_username()),
        changes={"ip": client_ip(request), "request_id": _request_id(request)},
    )
    logger.info("login user_id=%s request_id=%s", user.pk, _request_id(request))


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; only the username is kept.
    raw = str(credentials.get("username", ""))
    username = escape_for_log(raw)
    # No account has a control character in its name (and PostgreSQL refuses NUL).
    user = (
        None
        if refused_character(raw, multiline=False)
        else get_user_model().objects.filter(username=raw).first()
    )
    audit.record(
        actor=None,
        action=audit.Action.AUTH_LOGIN_FAILED,
        # An unknown username: the entry is about no account, only the name typed.
        target=user or get_user_model(),
        target_repr=username,
        changes={
            "ip": client_ip(request) if request is not None else None,
            "request_id": _request_id(request),
        },
    )
    logger.warning("login failed username=%r request_id=%s", username, _request_id(request))


def on_user_saved(sender, instance, created, **kwargs):
    """A deactivated user's sessions end now, not at their next request."""
    if not created and not instance.is_active:
        end_sessions_of(instance)


def on_membership_changed(sender, instance, **kwargs):
    """An account's staff and superuser flags follow its role (``policy.staff_flags``),
    whichever way the role was given or taken away."""
    from commitments import policy  # noqa: PLC0415 - the policy imports the models

    deleted = kwargs.get("signal") is post_delete
    flags = policy.staff_flags(None if deleted else instance.role)
    get_user_model().objects.filter(pk=instance.user_id).exclude(**flags).update(**flags)
    user = Membership._meta.get_field("user").get_cached_value(instance, None)
    if user is not None:  # the instance the caller holds says the same
        for name, value in flags.items():
            setattr(user, name, value)


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="nadd_logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="nadd_login_failed")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="nadd_user_saved")
    post_save.connect(on_membership_changed, sender=Membership, dispatch_uid="nadd_role_saved")
    post_delete.connect(on_membership_changed, sender=Membership, dispatch_uid="nadd_role_deleted")
