"""Reminder e-mails: officials whose country still owes updates as a deadline nears, and
once it has passed (overdue: at most once a week); coordinators with updates awaiting
review. Each is sent at most once per person per day, in the recipient's language, and
recorded in the audit log. Partner countries are never reminded of missing reports."""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from commitments import audit, policy
from commitments.models import Objective, ProgressUpdate, ReminderLog, ReportingPeriod

DEFAULT_DAYS_BEFORE = 14
# An overdue reminder is repeated at most this often while reports stay missing.
OVERDUE_EVERY_DAYS = 7
logger = logging.getLogger("commitments.reminders")


def periods_due(today, days_before=DEFAULT_DAYS_BEFORE):
    """Periods of active objectives whose deadline falls within the next ``days_before`` days."""
    return (
        ReportingPeriod.objects.filter(
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=days_before),
            objective_set__objectives__is_active=True,
        )
        .distinct()
        .select_related("objective_set")
        .order_by("deadline")
    )


def periods_overdue(today):
    """Periods of open sets (with active objectives) whose deadline has passed."""
    return (
        ReportingPeriod.objects.filter(
            deadline__lt=today, objective_set__objectives__is_active=True
        )
        .distinct()
        .select_related("objective_set")
        .order_by("deadline")
    )


def _reminded_of_overdue_lately(user, today):
    """Whether this person had an overdue reminder in the last ``OVERDUE_EVERY_DAYS``."""
    return ReminderLog.objects.filter(
        recipient=user,
        kind=ReminderLog.Kind.UPDATE_OVERDUE,
        sent_on__gt=today - datetime.timedelta(days=OVERDUE_EVERY_DAYS),
    ).exists()


def missing_objectives(period, country):
    """Active objectives of the period's set that the country contributes to (a partner:
    only those naming it) with no submitted or published update from it for that period."""
    reported = ProgressUpdate.objects.reported().filter(period=period, country=country)
    open_to_country = policy.objectives_open_to(country, Objective.objects.all())
    return (
        open_to_country.filter(objective_set=period.objective_set_id, is_active=True)
        .exclude(pk__in=reported.values("objective_id"))
        .select_related("objective_set")
        .order_by("number")
    )


def _recipients(accounts):
    """The active ones of ``accounts`` (policy.officials(), policy.reviewers()) that have
    an e-mail address."""
    return (
        accounts.filter(is_active=True)
        .exclude(email="")
        .select_related("membership__country")
        .order_by("pk")
    )


def language_of(user):
    """The language of the e-mails ``user`` gets: the one saved on their membership,
    English until they choose one."""
    membership = getattr(user, "membership", None)
    return (membership.language if membership else "") or settings.LANGUAGE_CODE


def compose(user, template, context):
    """``(subject, body)`` of the e-mail ``templates/email/<template>.txt`` (and its
    ``_subject.txt``) for ``user``, in their language."""
    with translation.override(language_of(user)):
        subject = render_to_string(f"email/{template}_subject.txt", context).strip()
        body = render_to_string(f"email/{template}.txt", context)
    return subject, body


def _send_once(*, user, kind, action, today, period, template, context, changes):
    """Send and log one reminder, unless this person already had this kind today."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(recipient=user, kind=kind, sent_on=today, period=period)
            subject, body = compose(user, template, context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            audit.record(actor=None, action=action, target=user, changes=changes)
    except IntegrityError:
        return "skipped"  # already sent today (perhaps by a concurrent run)
    except Exception:
        # Nothing was logged, so the next run retries; the others still get theirs.
        logger.exception("reminder %s to user %s failed", kind, user.pk)
        return "failed"
    return "sent"


def _remind_of_overdue(user, periods, today):
    """Remind an official of their country's reports missing after the deadline (None:
    nothing is overdue, or they were reminded within the week)."""
    country = user.membership.country
    overdue = [(period, list(missing_objectives(period, country))) for period in periods]
    overdue = [(period, objectives) for period, objectives in overdue if objectives]
    if not overdue or _reminded_of_overdue_lately(user, today):
        return None
    return _send_once(
        user=user,
        kind=ReminderLog.Kind.UPDATE_OVERDUE,
        action=audit.Action.REMINDER_UPDATE_OVERDUE,
        today=today,
        period=overdue[-1][0],
        template="reminder_update_overdue",
        context={
            "user": user,
            "country": country,
            "overdue": overdue,
            "url": settings.SITE_URL + reverse("country_detail", args=[country.code.lower()]),
            "site_url": settings.SITE_URL,
        },
        changes={
            "periods": [period.name for period, _ in overdue],
            "objectives": [
                f"{o.objective_set.year}/{o.number}" for _, objs in overdue for o in objs
            ],
        },
    )


def send_all(today, days_before=DEFAULT_DAYS_BEFORE):
    """Send today's reminders; returns a Counter of outcomes: sent, skipped, failed."""
    outcomes = Counter()
    periods = list(periods_due(today, days_before))
    overdue_periods = list(periods_overdue(today))
    # Partners too, about the objectives naming their country only (missing_objectives).
    officials = _recipients(policy.officials())
    for user in officials:
        outcomes[_remind_of_overdue(user, overdue_periods, today)] += 1
    for user in officials:
        country = user.membership.country
        due = [(period, list(missing_objectives(period, country))) for period in periods]
        due = [(period, objectives) for period, objectives in due if objectives]
        if not due:
            continue
        context = {
            "user": user,
            "country": country,
            "due": due,
            "url": settings.SITE_URL + reverse("country_detail", args=[country.code.lower()]),
            "site_url": settings.SITE_URL,
        }
        changes = {
            "periods": [period.name for period, _ in due],
            "objectives": [f"{o.objective_set.year}/{o.number}" for _, objs in due for o in objs],
        }
        outcomes[
            _send_once(
                user=user,
                kind=ReminderLog.Kind.UPDATE_DUE,
                action=audit.Action.REMINDER_UPDATE_DUE,
                today=today,
                period=due[0][0],
                template="reminder_update_due",
                context=context,
                changes=changes,
            )
        ] += 1
    del outcomes[None]
    queue = list(
        ProgressUpdate.objects.review_queue().select_related("objective", "country", "period")[:20]
    )
    if queue:
        total = ProgressUpdate.objects.review_queue().count()
        for user in _recipients(policy.reviewers()):
            context = {
                "user": user,
                "queue": queue,
                "total": total,
                "url": settings.SITE_URL + reverse("review_queue"),
                "site_url": settings.SITE_URL,
            }
            outcomes[
                _send_once(
                    user=user,
                    kind=ReminderLog.Kind.REVIEW_DIGEST,
                    action=audit.Action.REMINDER_REVIEW_DIGEST,
                    today=today,
                    period=None,
                    template="review_digest",
                    context=context,
                    changes={"awaiting_review": total},
                )
            ] += 1
    return outcomes
