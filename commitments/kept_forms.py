"""What was typed into a form when the session had ended: kept, and put back after sign-in.

A session ends after 30 minutes without a request, or 12 hours after sign-in
(SessionTimeoutMiddleware). The middleware notes in the browser's new, signed-out session
whose session ended and why (``SIGNED_OUT``). When that browser then posts a form of a
view declared ``@policy.keeps_form`` (an update, a comment), KeepFormMiddleware keeps the
form's own fields (an update's figures included) in that session (server-side, in the
session table: never in a cookie, never acted on), and sends the browser to sign in.
Once the same person has signed in again (and passed the second step), the form's page
takes what was kept (``take``) and shows it in the form, with a message saying what
happened; nothing is saved until they save it again.

- Only the person whose session ended gets it back: signing in as anyone else in that
  browser discards it (``forget_for_another``), and ``take`` checks again.
- It expires after ``KEPT_FORM_MAX_AGE`` seconds, and is taken once.
- The CSRF check still holds: the form is kept only once CsrfViewMiddleware has accepted
  the post (its token lives in a cookie that signing out does not change).
- A browser whose session ended otherwise (signed out, "sign out everywhere" by an
  administrator) names no one, so nothing it posts is kept.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import policy

# Session keys: whose session ended and why, and the form kept for them.
SIGNED_OUT = "nadd_signed_out"  # {"user": id, "why": IDLE or ABSOLUTE, "at": seconds}
KEPT_FORM = "nadd_kept_form"  # {"user": id, "path": page, "data": {field: [values]}, "at"}

IDLE = "idle"
ABSOLUTE = "absolute"

# The most a kept form may hold, in characters (a narrative is at most 10,000).
MAX_KEPT_CHARACTERS = 100_000


def note_signed_out(request, user_id, why):
    """After SessionTimeoutMiddleware ended ``user_id``'s session (``why``: IDLE or
    ABSOLUTE): the browser's new session remembers whose it was."""
    request.session[SIGNED_OUT] = {"user": user_id, "why": why, "at": time.time()}


def signed_out(request):
    """``(why, kept)`` when this signed-out browser's last session ended by timeout:
    why (IDLE or ABSOLUTE) and whether a form is kept for after sign-in; else None."""
    if not hasattr(request, "session"):
        return None
    noted = request.session.get(SIGNED_OUT)
    if not isinstance(noted, dict):
        return None
    return noted.get("why"), KEPT_FORM in request.session


def keep(request, view_func, view_kwargs):
    """KeepFormMiddleware: a post that arrived after its session ended, to a view that
    keeps its form. Keep the form's fields for the person whose session it was and send
    the browser to sign in, then back to the form's page; None to let the request go on
    (to the sign-in page, as any other)."""
    declared = policy.declaration_of(view_func).keeps_form
    noted = request.session.get(SIGNED_OUT)
    if declared is None or not isinstance(noted, dict) or "user" not in noted:
        return None
    page = reverse(declared.back, kwargs=view_kwargs) if declared.back else request.path
    data = {name: request.POST.getlist(name) for name in request.POST if declared.keeps(name)}
    size = sum(len(value) for values in data.values() for value in values)
    if data and size <= MAX_KEPT_CHARACTERS:
        request.session[KEPT_FORM] = {
            "user": noted["user"],
            "path": page,
            "data": data,
            "at": time.time(),
        }
    return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': page})}")


def take(request):
    """What was kept of this page's form for the signed-in user, as initial values (a
    dict of field names to a value or list of values), with a message saying what
    happened; None when nothing is kept for them here. Taken once."""
    kept = request.session.get(KEPT_FORM)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None
    del request.session[KEPT_FORM]
    fresh = time.time() - kept.get("at", 0) <= settings.KEPT_FORM_MAX_AGE
    if kept.get("user") != request.user.pk or not fresh:
        return None
    messages.info(request, kept_message())
    data = kept["data"].items()
    return {name: values[0] if len(values) == 1 else values for name, values in data}


def kept_message():
    minutes = settings.SESSION_IDLE_TIMEOUT // 60
    return ngettext(
        "You were signed out after %(minutes)d minute without activity, to protect your "
        "information. What you typed was kept and is back in the form below: check it and "
        "save it again.",
        "You were signed out after %(minutes)d minutes without activity, to protect your "
        "information. What you typed was kept and is back in the form below: check it and "
        "save it again.",
        minutes,
    ) % {"minutes": minutes}


def forget_for_another(request, user):
    """At every sign-in: the note of the ended session is done with, and a form kept for
    someone else is discarded (signing in keeps the signed-out session's data)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session.pop(SIGNED_OUT, None)
    kept = session.get(KEPT_FORM)
    if kept is not None and (not isinstance(kept, dict) or kept.get("user") != user.pk):
        del session[KEPT_FORM]


def sign_in_notice(why, kept):
    """What the sign-in page says to a browser whose session ended by timeout."""
    if why == ABSOLUTE:
        hours = settings.SESSION_ABSOLUTE_TIMEOUT // 3600
        ended = ngettext(
            "You were signed out because every session ends %(hours)d hour after sign-in, "
            "to protect your information.",
            "You were signed out because every session ends %(hours)d hours after sign-in, "
            "to protect your information.",
            hours,
        ) % {"hours": hours}
    else:
        minutes = settings.SESSION_IDLE_TIMEOUT // 60
        ended = ngettext(
            "You were signed out after %(minutes)d minute without activity, to protect "
            "your information.",
            "You were signed out after %(minutes)d minutes without activity, to protect "
            "your information.",
            minutes,
        ) % {"minutes": minutes}
    if kept:
        return ended, _(
            "What you were saving was kept. Sign in again and it will be back in the form "
            "for you to check and save."
        )
    return ended, _("Sign in again to continue.")
