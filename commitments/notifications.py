"""E-mails to a country's officials about its updates: when one is returned for changes,
commented on, or published. Each goes to the update's country's active officials with an
e-mail address (never the person who acted, never another country's), each in their own
language, with the update's address; each person may turn each kind off
(``Membership.email_when_*``, on their notifications page).

An e-mail says what happened and to which update, and links to it: never the narrative,
the reason or the comment, which stay on the site, behind sign-in. It is sent once the
step is committed (a step that fails, or a batch refused, sends nothing); a failure to
send is logged and changes nothing. Rendering and languages are the reminders'
(``reminders.compose``).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from commitments import policy, reminders
from commitments.models import ProgressUpdate

logger = logging.getLogger("commitments.notifications")

RETURNED = "returned"
COMMENTED = "commented"
PUBLISHED = "published"

# Each kind: the choice that turns it off, and who among the country's officials may be
# told (whoever may read what the e-mail is about: the discussion, or the update).
KINDS = {
    RETURNED: ("email_when_returned", policy.may_read_discussion),
    COMMENTED: ("email_when_commented", policy.may_read_discussion),
    PUBLISHED: ("email_when_published", policy.may_read),
}


def recipients(update, kind, actor):
    """The officials to tell that ``update`` was ``kind`` by ``actor``: its country's active
    officials with an e-mail address who have not turned this kind off, but the actor."""
    choice, rule = KINDS[kind]
    officials = (
        policy.officials()
        .filter(is_active=True, membership__country_id=update.country_id)
        .filter(**{f"membership__{choice}": True})
        .exclude(email="")
        .exclude(pk=actor.pk)
        .select_related("membership__country")
        .order_by("pk")
    )
    # The policy has the last word on each (an official of the update's own country).
    return [user for user in officials if rule(user, update)]


def notify(update, kind, actor):
    """Tell the country's officials, once the current transaction is committed."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification {kind!r}")
    update_id, actor_id = update.pk, actor.pk
    transaction.on_commit(lambda: send(update_id, kind, actor_id))


def send(update_id, kind, actor_id):
    """Send the e-mails of one step; a failure is logged, and the others still go."""
    update = ProgressUpdate.objects.select_related(*policy.UPDATE_PAGE_RELATED).get(pk=update_id)
    actor = type(update.author).objects.get(pk=actor_id)
    context = {
        "update": update,
        "actor": actor.get_full_name() or actor.get_username(),
        "url": settings.SITE_URL + update.get_absolute_url(),
        "choices_url": settings.SITE_URL + reverse("notification_settings"),
    }
    sent = 0
    for user in recipients(update, kind, actor):
        try:
            subject, body = reminders.compose(user, f"update_{kind}", {**context, "user": user})
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            sent += 1
        except Exception:
            logger.exception("%s notice of update %s to user %s failed", kind, update_id, user.pk)
    return sent
