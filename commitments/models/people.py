"""People's roles in the application, and their keys to the JSON feed."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import (
    Country,
)


class Membership(models.Model):
    """A user's role in the application, and the country an official acts for."""

    class Role(models.TextChoices):
        OFFICIAL = "official", _("Official")
        COORDINATOR = "coordinator", _("Coordinator")
        ADMIN = "admin", _("Administrator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("The country an official reports for. Empty for other roles."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_(
            "The language of the pages and e-mails this user gets. Empty: the browser's "
            "preference (and English for e-mails) until they choose one."
        ),
    )

    # E-mails about the person's country's updates (commitments/notifications.py), each of
    # which they may turn off on their notifications page.
    email_when_returned = models.BooleanField(
        _("e-mail me when an update is returned for changes"), default=True, db_default=True
    )
    email_when_commented = models.BooleanField(
        _("e-mail me when someone comments on an update"), default=True, db_default=True
    )
    email_when_published = models.BooleanField(
        _("e-mail me when an update is published"), default=True, db_default=True
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="official", country__isnull=False) | ~Q(role="official"))
                & (Q(role="official") | Q(country__isnull=True)),
                name="membership_country_iff_official",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["official", "coordinator", "admin"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self):
        if self.country_id:
            return f"{self.user} ({self.get_role_display()}, {self.country})"
        return f"{self.user} ({self.get_role_display()})"

    def clean(self):
        if self.role == self.Role.OFFICIAL and not self.country_id:
            raise ValidationError({"country": _("An official must act for a country.")})
        if self.role != self.Role.OFFICIAL and self.country_id:
            raise ValidationError({"country": _("Only officials act for a country.")})


class ApiToken(models.Model):
    """A key for the read-only JSON feed, created by an admin for one user.

    Only a hash of the key is stored; the key itself is shown once, when it is created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key):
        return hashlib.sha256(key.encode()).hexdigest()

    def issue(self):
        """Give the token a new random key; returns the key, which is never stored."""
        key = secrets.token_urlsafe(32)
        self.key_hash = self.hash(key)
        self.prefix = key[:8]
        return key


class Invitation(models.Model):
    """An administrator's invitation to a new account: a single-use link, valid until
    ``expires_at``, where its owner sets their own password and then sets up two-factor
    sign-in (commitments/invitations.py). Only a hash of the link's token is stored; the
    token is in the e-mail alone. A new invitation for the same account replaces the
    earlier ones (``replaced_at``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        editable=False,
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)
    replaced_at = models.DateTimeField(
        _("replaced by a newer invitation"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            models.Index("user", models.F("created_at").desc(), name="invitation_user_newest")
        ]

    def __str__(self):
        return _("Invitation for %(user)s") % {"user": self.user}

    @staticmethod
    def hash(token):
        return hashlib.sha256(token.encode()).hexdigest()

    def issue(self):
        """Give the invitation a new random token; returns it (never stored)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = self.hash(token)
        return token

    @property
    def state(self):
        """ "accepted", "replaced", "expired" or "pending"."""
        if self.accepted_at:
            return "accepted"
        if self.replaced_at:
            return "replaced"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
