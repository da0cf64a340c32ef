"""Workflows that change data. Each runs in one transaction and writes its audit entry.

An update's life: draft → submitted → published, or submitted → returned (with a
coordinator's reason) → edited → submitted again; a draft or returned update may be
withdrawn. Every step checks who acts, the state, and the version the actor saw, and
moves the version on, so a stale page can never act on a newer record.

A report a country sends formally (a diplomatic note, an e-mail) is entered by a
coordinator and published at once (``enter_update_on_behalf``): the country sent it
through official channels, so there is no draft to review; the update says so wherever it
shows, and its own audit action names the source.

Several updates take a step together (``submit_updates``, ``publish_updates``) all or
nothing: each is checked, versioned and audited as it would be alone, in one transaction;
if any of them is refused, none changes and ``BatchRefused`` names each refusal.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import audit, notifications, policy
from commitments import figures as update_figures
from commitments.models import Comment, Membership, ObjectiveSet, ProgressUpdate

EDITABLE_UPDATE_FIELDS = ("status", "narrative", "language", "evidence_links", "period")
State = ProgressUpdate.State


class EditConflict(Exception):
    """The record changed since the editor loaded it; nothing was saved."""

    def __init__(self, current):
        super().__init__("stale version")
        self.current = current


class ReusedForm(Exception):
    """The form's one-time token belongs to another record; nothing was saved."""


class BatchRefused(Exception):
    """Some updates of a batch could not take the step; nothing in the batch changed.
    ``failures`` lists ``(update, message)`` for each one refused."""

    def __init__(self, failures):
        super().__init__(f"{len(failures)} refused")
        self.failures = failures


class StaleState(Exception):
    """The action does not fit the update's current state or version; nothing changed."""

    def __init__(self, current, message):
        super().__init__(message)
        self.current = current
        self.message = message


def _audit_value(value):
    if hasattr(value, "pk"):
        return value  # named in each language by audit.record
    if isinstance(value, list):
        return list(value)
    return value


def initial_values(update):
    """The audit diff of a new update: every editable field from nothing to its value."""
    return {field: [None, _audit_value(getattr(update, field))] for field in EDITABLE_UPDATE_FIELDS}


def on_behalf_values(update):
    """The audit diff of a report entered on a country's behalf: every value it was
    published with, the country and the source included (its figures are added by
    ``enter_update_on_behalf``, as ``figures.save`` writes them)."""
    return initial_values(update) | {
        "country": [None, update.country],
        "state": [None, update.state],
        "source_kind": [None, update.source_kind],
        "source_reference": [None, update.source_reference],
        "source_date": [None, update.source_date.isoformat()],
    }


def _locked(update):
    return (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("author", "period", "objective", "country")
        .get(pk=update.pk)
    )


def create_update(
    *,
    actor,
    membership,
    objective,
    period,
    status,
    narrative,
    evidence_links,
    language="en",
    token=None,
    figures=None,
):
    """An official drafts an update for their own country; the server sets country and author.
    ``figures`` (``figures.Figures``): its indicator values and the milestones it marks
    met, saved and audited with it.

    A form posted twice with the same ``token`` creates one update: the second call
    returns the first one.
    """
    policy.may_write_updates.check(actor)
    policy.may_contribute_to.check(actor, objective)
    update = ProgressUpdate(
        objective=objective,
        country=membership.country,
        period=period,
        status=status,
        narrative=narrative,
        language=language,
        evidence_links=evidence_links,
        author=actor,
        creation_token=token,
    )
    return _insert_once(
        update,
        action=audit.Action.UPDATE_CREATED,
        # Saved with the update, in its transaction, before its entry is written.
        changes=lambda saved: initial_values(saved) | update_figures.save(saved, figures, new=True),
        # Only the same country's form, posted again, finds its update.
        same_form=lambda existing: existing.country_id == membership.country_id,
    )


def _insert_once(update, *, action, changes, same_form):
    """Save a new ``update`` and its audit entry (``changes(update)``) in one transaction.
    A form posted twice with the same creation token saves one update: the second call
    returns the first, if ``same_form(existing)`` says it came from the same form; a token
    used on another form is refused (ReusedForm)."""
    try:
        with transaction.atomic():
            # Objective, country, author and period are instances already fetched, and
            # the database checks every constraint in the INSERT itself: validating them
            # here too cost 18 queries and savepoints per submission. (clean() still
            # checks the period belongs to the objective's year.)
            update.full_clean(
                exclude=["search", "creation_token", "objective", "country", "author", "period"],
                validate_constraints=False,
            )
            update.save()
            audit.record(actor=update.author, action=action, target=update, changes=changes(update))
            return update
    except IntegrityError:
        # Only a repeated token is forgiven: the same form, posted again.
        token = update.creation_token
        existing = token and ProgressUpdate.objects.filter(creation_token=token).first()
        if not existing:
            raise
        if not same_form(existing):
            raise ReusedForm() from None
        return existing


def enter_update_on_behalf(
    *,
    actor,
    country,
    objective,
    period,
    status,
    narrative,
    evidence_links,
    source_kind,
    source_reference,
    source_date,
    language="en",
    token=None,
    figures=None,
):
    """A coordinator enters a report a country sent formally (by diplomatic note, e-mail or
    another written source) and publishes it: the country already sent it through official
    channels. The update is marked as entered on the country's behalf, with its source;
    its audit entry (``update.entered_on_behalf``) records every value and the source.

    ``figures`` (``figures.Figures``): the indicator values and milestones met the
    country's report gives, saved and audited with it as an official's would be
    (``figures.save``). They are the one way a coordinator writes a country's figures:
    they belong to this report, which says it was entered on the country's behalf.

    A form posted twice with the same ``token`` creates one update.
    """
    policy.may_enter_on_behalf.check(actor)
    if not objective.is_active:
        raise ValidationError({"objective": _("A retired objective takes no new report.")})
    now = timezone.now()
    update = ProgressUpdate(
        objective=objective,
        country=country,
        period=period,
        status=status,
        narrative=narrative,
        language=language,
        evidence_links=evidence_links,
        author=actor,
        state=State.PUBLISHED,
        submitted_at=now,
        # Timeliness counts when the country sent it (the note's date), not when the
        # coordinators typed it in.
        first_submitted_at=handed_in(source_date, now),
        published_at=now,
        reviewed_by=actor,
        entered_on_behalf=True,
        source_kind=source_kind,
        source_reference=source_reference,
        source_date=source_date,
        creation_token=token,
    )
    return _insert_once(
        update,
        action=audit.Action.UPDATE_ENTERED_ON_BEHALF,
        # Saved with the update, in its transaction, before its entry is written.
        changes=lambda saved: (
            on_behalf_values(saved) | update_figures.save(saved, figures, new=True)
        ),
        same_form=lambda existing: (
            (existing.author_id, existing.entered_on_behalf) == (actor.pk, True)
        ),
    )


@transaction.atomic
def edit_update(*, actor, update, loaded_version, figures=None, **fields):
    """Save new values unless someone else saved since ``loaded_version`` was read;
    ``figures`` (``figures.Figures``), when given, replace its indicator values and
    milestones met.

    The row is locked while it is compared and written, so of two editors who loaded
    the same version only the first wins; the second gets EditConflict and nothing
    is overwritten.
    """
    unknown = set(fields) - set(EDITABLE_UPDATE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    current = _locked(update)
    policy.may_edit.check(actor, current)
    if current.version != loaded_version:
        raise EditConflict(current)
    if current.state not in ProgressUpdate.EDITABLE_STATES:
        raise StaleState(current, _("Only drafts and returned updates can be edited."))
    before = {name: _audit_value(getattr(current, name)) for name in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean(exclude=["search", "creation_token"])
    current.updated_at = timezone.now()
    current.version = F("version") + 1
    current.save(update_fields=[*fields, "updated_at", "version"])
    current.refresh_from_db()
    after = {name: _audit_value(getattr(current, name)) for name in fields}
    changes = {name: [before[name], after[name]] for name in fields if before[name] != after[name]}
    changes |= update_figures.save(current, figures)
    audit.record(actor=actor, action=audit.Action.UPDATE_EDITED, target=current, changes=changes)
    return current


def handed_in(source_date, entered_at):
    """When a report entered on a country's behalf counts as handed in: the start of the
    day its note or e-mail is dated (in the site's time zone), never after it was entered."""
    if source_date is None:
        return entered_at
    sent = timezone.make_aware(datetime.datetime.combine(source_date, datetime.time.min))
    return min(sent, entered_at)


def _transition(
    *, actor, update, loaded_version, allowed_from, to, action, refused, note=None, **extra
):
    current = _locked(update)
    if current.version != loaded_version or current.state not in allowed_from:
        raise StaleState(current, refused)
    old_state = current.state
    now = timezone.now()
    current.state = to
    current.updated_at = now
    current.version = F("version") + 1
    if to == State.SUBMITTED and current.first_submitted_at is None:
        extra["first_submitted_at"] = timezone.now  # timeliness counts the first hand-in
    for name, value in extra.items():
        setattr(current, name, now if value is timezone.now else value)
    current.save(update_fields=["state", "updated_at", "version", *extra])
    current.refresh_from_db()
    changes = {"state": [old_state, to]}
    if note:
        changes["reason"] = [None, note]
    audit.record(actor=actor, action=action, target=current, changes=changes)
    return current


@transaction.atomic
def submit_update(*, actor, update, loaded_version):
    """An official of the update's country hands a draft or returned update in for review."""
    policy.may_submit.check(actor, update)
    return _transition(
        actor=actor,
        update=update,
        loaded_version=loaded_version,
        allowed_from=ProgressUpdate.EDITABLE_STATES,
        to=State.SUBMITTED,
        action=audit.Action.UPDATE_SUBMITTED,
        refused=_("This update was changed or is no longer a draft; reload it and try again."),
        submitted_at=timezone.now,
    )


@transaction.atomic
def withdraw_update(*, actor, update, loaded_version):
    """An official withdraws a draft or returned update; it stays in the history."""
    policy.may_withdraw.check(actor, update)
    return _transition(
        actor=actor,
        update=update,
        loaded_version=loaded_version,
        allowed_from=ProgressUpdate.EDITABLE_STATES,
        to=State.WITHDRAWN,
        action=audit.Action.UPDATE_WITHDRAWN,
        refused=_("Only an unchanged draft or returned update can be withdrawn; reload it."),
    )


@transaction.atomic
def publish_update(*, actor, update, loaded_version):
    """A coordinator publishes a submitted update to every signed-in user."""
    policy.may_publish.check(actor, update)
    current = _transition(
        actor=actor,
        update=update,
        loaded_version=loaded_version,
        allowed_from=(State.SUBMITTED,),
        to=State.PUBLISHED,
        action=audit.Action.UPDATE_PUBLISHED,
        refused=_("This update is no longer awaiting review in the version you saw."),
        published_at=timezone.now,
        reviewed_by=actor,
    )
    notifications.notify(current, notifications.PUBLISHED, actor)
    return current


@transaction.atomic
def return_update(*, actor, update, loaded_version, reason):
    """A coordinator returns a submitted update to its country with the reason why."""
    policy.may_return.check(actor, update)
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required.")
    current = _transition(
        actor=actor,
        update=update,
        loaded_version=loaded_version,
        allowed_from=(State.SUBMITTED,),
        to=State.RETURNED,
        action=audit.Action.UPDATE_RETURNED,
        refused=_("This update is no longer awaiting review in the version you saw."),
        note=reason,
        reviewed_by=actor,
    )
    Comment.objects.create(
        update=current, author=actor, kind=Comment.Kind.RETURN_REASON, body=reason
    )
    notifications.notify(current, notifications.RETURNED, actor)
    return current


def _batch(step, *, actor, items):
    """``step`` (a service taking ``actor``, ``update``, ``loaded_version``) on each of
    ``items`` (``(update, loaded_version)`` pairs), all or nothing: each step runs and is
    audited in its own savepoint of one transaction; a refused one is noted, the others
    still checked, and if any was refused the whole transaction is rolled back and
    ``BatchRefused`` lists every refusal. Rows are locked in id order, so two batches
    over the same updates never deadlock."""
    if not items:
        raise ValueError("An empty batch.")
    done, failures = [], []
    with transaction.atomic():
        for update, loaded_version in sorted(items, key=lambda item: item[0].pk):
            try:
                done.append(step(actor=actor, update=update, loaded_version=loaded_version))
            except StaleState as error:
                failures.append((error.current, error.message))
            except PermissionDenied as error:
                failures.append((update, str(error)))
        if failures:
            raise BatchRefused(failures)
    return done


def submit_updates(*, actor, items):
    """An official submits several drafts or returned updates at once (``submit_update``
    on each, all or nothing)."""
    policy.may_write_updates.check(actor)
    return _batch(submit_update, actor=actor, items=items)


def publish_updates(*, actor, items):
    """A coordinator publishes several submitted updates at once (``publish_update`` on
    each, all or nothing)."""
    policy.may_review.check(actor)
    return _batch(publish_update, actor=actor, items=items)


def add_comment(*, actor, update, body, token=None):
    """Coordinators and the update's country's officials discuss it (administrators read
    the discussion but never post into it); the same form posted twice adds one comment.

    A ``token`` already used by another comment (on another update, by someone else, or
    with other text) raises ReusedForm and saves nothing.
    """
    policy.may_comment.check(actor, update)
    try:
        with transaction.atomic():
            comment = Comment(update=update, author=actor, body=body, creation_token=token)
            comment.full_clean(exclude=["creation_token"])
            comment.save()
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE_COMMENTED,
                target=update,
                changes={"comment": [None, body]},
            )
            notifications.notify(update, notifications.COMMENTED, actor)
            return comment
    except IntegrityError:
        existing = token and Comment.objects.filter(creation_token=token).first()
        if not existing:
            raise
        # Only the same form, posted again, is forgiven.
        if (existing.update_id, existing.author_id, existing.body) != (update.pk, actor.pk, body):
            raise ReusedForm() from None
        return existing


EMAIL_CHOICES = ("email_when_returned", "email_when_commented", "email_when_published")


@transaction.atomic
def set_email_choices(*, actor, **choices):
    """A person chooses which e-mails about their country's updates they get
    (notifications.py); the change is audited with each choice's old and new value."""
    policy.may_choose_update_emails.check(actor)
    unknown = set(choices) - set(EMAIL_CHOICES)
    if unknown:
        raise ValueError(f"Not an e-mail choice: {sorted(unknown)}")
    membership = Membership.objects.select_for_update().get(user=actor)
    changes = {
        name: [getattr(membership, name), bool(value)]
        for name, value in choices.items()
        if getattr(membership, name) != bool(value)
    }
    if not changes:
        return membership
    for name, (_old, new) in changes.items():
        setattr(membership, name, new)
    membership.save(update_fields=list(changes))
    audit.record(
        actor=actor, action=audit.Action.ACCOUNT_EMAILS_CHOSEN, target=actor, changes=changes
    )
    return membership


@transaction.atomic
def open_dashboard_on(*, actor, objective_set):
    """A coordinator or administrator makes every page open on this set (the year switch
    still shows the others); the set it opened on before no longer does."""
    policy.may_oversee_the_cycle.check(actor)
    before = list(
        ObjectiveSet.objects.select_for_update().filter(opens_dashboard=True).order_by("pk")
    )
    if [s.pk for s in before] == [objective_set.pk]:
        return objective_set
    ObjectiveSet.objects.filter(opens_dashboard=True).update(opens_dashboard=False)
    ObjectiveSet.objects.filter(pk=objective_set.pk).update(opens_dashboard=True)
    objective_set.opens_dashboard = True
    audit.record(
        actor=actor,
        action=audit.Action.OBJECTIVESET_OPENS_DASHBOARD,
        target=objective_set,
        changes={"opens_dashboard": [[s.year for s in before], objective_set.year]},
    )
    return objective_set
