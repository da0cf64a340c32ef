"""The audit trail's one entry point and the one list of what it records.

Every audit entry the application writes goes through ``record``, and its action is one
declared here, with a label in each language of the site:

- ``Action``: the actions of the application's own workflows (updates, sign-in, second
  factor, reminders, the import of objectives, the admin's user actions);
- the admin's object actions, one rule over every installed model: ``<model>.<verb>``
  for each ``AdminVerb`` (``objective.changed``, ``reportingperiod.deleted``), named by
  ``admin_action(model, verb)`` and labelled with the verb and the model's verbose name.

``record`` refuses an action that is not declared (ValueError), so a new action cannot be
written without being named and labelled here first; ``label`` is what every page that
shows an entry says about its action.

What an entry says about its object and about related objects among its changes (a
country, a period) is kept in every language of the site: ``record`` draws them in
English (``target_repr``, ``changes``) and, where the words differ, in Spanish and French
(``labels``), so each reader reads them in their own language
(``AuditEntry.object_label``, ``AuditEntry.shown_changes``). Callers pass such values as
the objects themselves (or lazy strings), never as text drawn in the actor's language.
tests/audit/test_declared_actions.py checks that nothing else creates audit entries and
that every label is translated.
"""

from functools import cache

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """Every action of the application's own workflows, with its label."""

    # An update's life (commitments/services.py); the update's history page shows these.
    UPDATE_CREATED = "update.created", _("Created as a draft")
    UPDATE_EDITED = "update.edited", _("Edited")
    UPDATE_SUBMITTED = "update.submitted", _("Submitted for review")
    UPDATE_WITHDRAWN = "update.withdrawn", _("Withdrawn")
    UPDATE_PUBLISHED = "update.published", _("Published")
    UPDATE_RETURNED = "update.returned", _("Returned for changes")
    UPDATE_COMMENTED = "update.commented", _("Commented")
    # A report a country sent by diplomatic note or e-mail, entered and published for it
    # by a coordinator (services.enter_update_on_behalf); the entry names the source.
    UPDATE_ENTERED_ON_BEHALF = (
        "update.entered_on_behalf",
        _("Entered by a coordinator on the country's behalf and published"),
    )
    # A country's baseline and target for an indicator, and its milestones, set by its
    # officials (commitments/indicators.py, commitments/milestones.py).
    INDICATOR_TARGET_SET = "indicator.target_set", _("Baseline and target set")
    MILESTONE_ADDED = "milestone.added", _("Milestone added")
    MILESTONE_CHANGED = "milestone.edited", _("Milestone changed")
    # Evidence files attached to or removed from an update with its form
    # (commitments/evidence.py); the update's history shows these.
    UPDATE_FILES_ATTACHED = "update.files_attached", _("Evidence files attached")
    UPDATE_FILES_REMOVED = "update.files_removed", _("Evidence files removed")
    # The secretariat's assessment (commitments/assessments.py).
    ASSESSMENT_DRAFTED = "assessment.drafted", _("Assessment drafted")
    ASSESSMENT_EDITED = "assessment.edited", _("Assessment edited")
    ASSESSMENT_REPLIED = "assessment.replied", _("The country replied")
    ASSESSMENT_FINALISED = "assessment.finalised", _("Assessment made final")
    # Signing in (commitments/signals.py, commitments/views/accounts.py).
    AUTH_LOGIN = "auth.login", _("Signed in")
    AUTH_LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    AUTH_OTP_VERIFIED = "auth.otp_verified", _("Second sign-in step passed")
    AUTH_OTP_FAILED = "auth.otp_failed", _("Second sign-in step failed")
    AUTH_PASSWORD_CHANGED = "auth.password_changed", _("Password changed by its owner")
    # Which e-mails about their country's updates a person gets (commitments/services.py).
    ACCOUNT_EMAILS_CHOSEN = "account.emails_chosen", _("E-mail choices changed by their owner")
    # The account's second factor, changed by its owner (commitments/views/accounts.py)
    # or reset by an administrator (commitments/admin.py).
    MFA_ENROLLED = "mfa.enrolled", _("Two-factor sign-in set up")
    MFA_APP_ADDED = "mfa.app_added", _("Authenticator app added")
    MFA_REPLACED = "mfa.replaced", _("Authenticator app replaced")
    MFA_SECURITY_KEY_ADDED = "mfa.security_key_added", _("Security key added")
    MFA_SECURITY_KEY_REMOVED = "mfa.security_key_removed", _("Security key removed")
    MFA_RECOVERY_CODES_REPLACED = "mfa.recovery_codes_replaced", _("New recovery codes issued")
    MFA_RESET = "mfa.reset", _("Two-factor sign-in reset by an administrator")
    # Accounts, by an administrator in the admin (commitments/admin.py, admin_site.py).
    USER_SESSIONS_ENDED = "user.sessions_ended", _("Signed out everywhere by an administrator")
    USER_PASSWORD_SET = "user.password_set", _("Password set by an administrator")
    # Invitations (commitments/invitations.py): sent by an administrator in the admin,
    # accepted by the person, who sets their own password; a known link refused.
    USER_INVITED = "user.invited", _("Invitation sent by an administrator")
    USER_INVITATION_ACCEPTED = (
        "user.invitation_accepted",
        _("Invitation accepted: password set by its owner"),
    )
    USER_INVITATION_REFUSED = (
        "user.invitation_refused",
        _("Invitation link refused (expired, already used, replaced or for someone else)"),
    )
    USER_PASSWORD_DISABLED = (
        "user.password_disabled",
        _("Password sign-in disabled by an administrator"),
    )
    # Reminder e-mails (commitments/reminders.py), one per ReminderLog kind.
    REMINDER_UPDATE_DUE = "reminder.update_due", _("Reminder sent: updates due")
    REMINDER_REVIEW_DIGEST = "reminder.review_digest", _("Reminder sent: updates awaiting review")
    REMINDER_UPDATE_OVERDUE = "reminder.update_overdue", _("Reminder sent: updates overdue")
    # A year's objectives imported from a file in the admin (commitments/imports.py).
    OBJECTIVESET_IMPORTED = "objectiveset.imported", _("Objectives imported")
    # The set every page opens on, chosen in the admin (commitments/services.py).
    OBJECTIVESET_OPENS_DASHBOARD = (
        "objectiveset.opens_dashboard",
        _("Dashboard opened on this set"),
    )
    OBJECTIVESET_IMPORT_UPDATED = (
        "objectiveset.import_updated",
        _("Objectives updated from an imported file"),
    )
    # A meeting's snapshot, taken by a coordinator on the meeting page (commitments/snapshots.py).
    MEETING_SNAPSHOT_TAKEN = "meeting.snapshot_taken", _("Meeting snapshot taken")
    # An export's file downloaded by the person who asked for it (commitments/views/jobs.py).
    EXPORT_DOWNLOADED = "export.downloaded", _("Export downloaded")


class AdminVerb(models.TextChoices):
    """What the admin did to an object of any model: the second half of its action's name.
    ``%(object)s`` in the label is the model's verbose name."""

    CREATED = "created", _("Created in the admin: %(object)s")
    CHANGED = "changed", _("Changed in the admin: %(object)s")
    DELETED = "deleted", _("Deleted in the admin: %(object)s")


@cache
def _models_by_name():
    """The models the admin's actions may name: every installed model (the admin audits
    every registered model and every row a deletion takes with it), by model name."""
    return {model._meta.model_name: model for model in apps.get_models(include_auto_created=True)}


def admin_action(model, verb):
    """The declared name of the admin's ``verb`` on ``model`` (a model or an instance)."""
    verb = AdminVerb(verb)
    name = model._meta.model_name
    if _models_by_name().get(name) is not model._meta.model:
        raise ValueError(f"Not an installed model: {model._meta.label}")
    return f"{name}.{verb.value}"


def _admin_parts(action):
    """``(model, verb)`` of an admin object action, or None for any other name."""
    name, dot, verb = str(action).partition(".")
    model = _models_by_name().get(name) if dot else None
    if model is None or verb not in AdminVerb.values:
        return None
    return model, AdminVerb(verb)


def is_declared(action):
    return action in Action.values or _admin_parts(action) is not None


def declared_actions():
    """Every action name the application can write."""
    return [
        *Action.values,
        *(f"{name}.{verb}" for name in sorted(_models_by_name()) for verb in AdminVerb.values),
    ]


def label(action):
    """What the action is called in the active language; an undeclared name (an entry
    written before its action was declared) is shown as it is stored."""
    if action in Action.values:
        return Action(action).label
    parts = _admin_parts(action)
    if parts is None:
        return action
    model, verb = parts
    return verb.label % {"object": model._meta.verbose_name}


def record(*, actor, action, target, changes=None, at=None, target_repr=None):
    """Append an audit entry about ``target``, in the caller's transaction; the one way to
    write one. ``action`` must be declared above (ValueError otherwise).

    ``target`` is the object the entry is about, or its model when there is no such object
    (a sign-in attempt naming no account); ``target_repr`` replaces ``str(target)`` where
    that is not what should be kept; ``at`` only for loading past history.
    """
    if not is_declared(action):
        raise ValueError(f"Undeclared audit action {str(action)!r}: declare it in audit.py.")
    is_object = not isinstance(target, type)
    drawn = {
        language: _drawn(target if target_repr is None else target_repr, changes or {}, language)
        for language, _name in settings.LANGUAGES
    }
    english = drawn.pop(settings.LANGUAGE_CODE)
    # Looked up, not imported: the models show actions by their labels from this module.
    entries = apps.get_model("commitments", "AuditEntry")
    return entries.objects.create(
        actor=actor,
        action=str(action),
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk) if is_object else "",
        target_repr=english["object"],
        changes=english["changes"],
        labels={language: words for language, words in drawn.items() if words != english},
        created_at=at or timezone.now(),
    )


def _drawn(target, changes, language):
    """What an entry says about its object and its changes, in ``language``."""
    with translation.override(language):
        return {
            "object": str(target)[:300],
            "changes": {name: _words(value) for name, value in changes.items()},
        }


class InEachLanguage(dict):
    """A text drawn in every language of the site (``{"en": …, "es": …, "fr": …}``), for
    a value that must be drawn at once (an object about to be deleted)."""


def in_each_language(draw):
    """``draw()``'s text in every language of the site."""
    words = InEachLanguage()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            words[language] = str(draw())
    return words


def _words(value):
    """A change's value as kept: objects and lazy strings by what they are called."""
    if isinstance(value, InEachLanguage):
        return value.get((translation.get_language() or "")[:2], value[settings.LANGUAGE_CODE])
    if isinstance(value, models.Model | Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return [_words(item) for item in value]
    if isinstance(value, dict):
        return {key: _words(item) for key, item in value.items()}
    return value
