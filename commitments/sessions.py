"""Database sessions that know their user, so all of a user's sessions can be ended at once.

Django's own session table stores the user only inside the encoded data; this engine
(``SESSION_ENGINE = "commitments.sessions"``) adds an indexed ``user`` column, filled
whenever the session is saved. Deactivating a user, or an admin's "sign out everywhere",
deletes the rows; deleting the user deletes them too.
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(AbstractBaseSession):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        return SessionStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


def end_sessions_of(user, *, keep=None):
    """Delete every session of ``user`` except the one whose key is ``keep``."""
    sessions = UserSession.objects.filter(user=user)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    return sessions.delete()[0]


# Session keys (times as POSIX seconds).
AUTH_AT = "nadd_auth_at"  # when the password was entered at sign-in


SEEN_AT = "nadd_seen_at"  # the last request of this session


REAUTH_AT = "nadd_reauth_at"  # the last time the password (or an OTP) was entered


ENROLLED = "nadd_enrolled"  # whether the account had a second factor when it signed in


def recently_authenticated(request):
    """Whether the password (or an OTP) was entered within ``REAUTH_MAX_AGE``."""
    entered = request.session.get(REAUTH_AT)
    return entered is not None and time.time() - entered <= settings.REAUTH_MAX_AGE
