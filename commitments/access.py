"""Who may see and do what. Every guarded object is fetched through this module.

Outside a user's scope an object answers 404, so its existence is not revealed; in
scope but not allowed, 403. Roles are read from the database on every request.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from commitments.models import Membership, ProgressUpdate


def membership_of(user):
    """The user's membership row, or None (anonymous users and users without a role)."""
    if not user.is_authenticated or not user.is_active:
        return None
    relation = Membership._meta.get_field("user").remote_field
    if not relation.is_cached(user):
        # One query for the membership and its country, which every page header shows.
        relation.set_cached_value(
            user, Membership.objects.select_related("country").filter(user=user).first()
        )
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role_of(user):
    """The user's role; a superuser without a membership row counts as an administrator."""
    membership = membership_of(user)
    if membership is not None:
        return membership.role
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Membership.Role.ADMIN
    return None


def require_role(request):
    """Refuse (403) a signed-in account that has been given no role yet."""
    if role_of(request.user) is None:
        deny(request, _("Your account has no role yet. Ask an administrator to give you one."))


def require_official(request):
    """The official's membership; anyone else gets 403."""
    membership = membership_of(request.user)
    if membership is None or not membership.is_official:
        deny(request, _("Only a country's officials can write progress updates."))
    return membership


def get_visible_update(request, pk):
    """An update the user may read, or 404."""
    require_role(request)
    return get_object_or_404(
        ProgressUpdate.objects.visible_to(request.user).select_related(
            "objective__objective_set", "country", "period", "author"
        ),
        pk=pk,
    )


def get_own_country_update(request, pk):
    """An update of the official's own country, in any state, or 404 (another country's
    update is out of scope, even when published)."""
    membership = require_official(request)
    return get_object_or_404(
        ProgressUpdate.objects.filter(country_id=membership.country_id).select_related(
            "objective__objective_set", "country", "period", "author"
        ),
        pk=pk,
    )


def get_update_with_history(request, pk):
    """An update whose history the user may read, or 404. An update's history holds its
    earlier drafts, the reasons it was returned and its comments: it is read by whoever
    may read its discussion (``can_read_discussion``), and is out of scope for anyone
    else, even once the update is published."""
    update = get_visible_update(request, pk)
    if not can_read_discussion(request.user, update):
        raise Http404
    return update


def require_coordinator(request):
    """Refuse (403) anyone but a coordinator: reviewing is their job alone."""
    if role_of(request.user) != Membership.Role.COORDINATOR:
        deny(request, _("Only coordinators review updates."))


def can_read_discussion(user, update):
    """Whether the user may read the update's discussion: its comments and the reasons a
    coordinator gave for returning it (and so its history, which records them).

    The discussion is a conversation between the update's own country's officials and the
    coordinators; administrators read it too, as they keep the audit log, which records
    every change. Publication makes the update readable by every signed-in user, never
    its discussion: another country's officials and accounts without a role never read it.
    """
    role = role_of(user)
    if role in (Membership.Role.COORDINATOR, Membership.Role.ADMIN):
        return True
    if role != Membership.Role.OFFICIAL:
        return False
    return membership_of(user).country_id == update.country_id


def can_discuss(user, update):
    """Whether the user may post into the update's discussion: coordinators and the
    update's own country's officials. Administrators read it but never post."""
    membership = membership_of(user)
    if membership is None:
        return False
    return membership.role == Membership.Role.COORDINATOR or membership.can_edit_updates_for(
        update.country
    )


def deny(request, message):
    """Answer 403; commitments.middleware.DenialLogMiddleware logs it with the request id."""
    raise PermissionDenied(message)
