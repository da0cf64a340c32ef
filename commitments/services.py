"""Workflows that change data. Each runs in one transaction and writes its audit entry."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commitments.models import AuditEntry, ProgressUpdate

EDITABLE_UPDATE_FIELDS = ("status", "narrative", "evidence_links", "period")


class EditConflict(Exception):
    """The record changed since the editor loaded it; nothing was saved."""

    def __init__(self, current):
        super().__init__("stale version")
        self.current = current


def record(*, actor, action, target, changes=None):
    """Append an audit entry about ``target``."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=changes or {},
    )


def _audit_value(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list):
        return list(value)
    return value


@transaction.atomic
def create_update(*, actor, membership, objective, period, status, narrative, evidence_links):
    """An official writes an update for their own country; the server sets country and author."""
    update = ProgressUpdate(
        objective=objective,
        country=membership.country,
        period=period,
        status=status,
        narrative=narrative,
        evidence_links=evidence_links,
        author=actor,
    )
    update.full_clean(exclude=["search"])
    update.save()
    record(
        actor=actor,
        action="update.created",
        target=update,
        changes={
            field: [None, _audit_value(getattr(update, field))] for field in EDITABLE_UPDATE_FIELDS
        },
    )
    return update


@transaction.atomic
def edit_update(*, actor, update, loaded_version, **fields):
    """Save new values unless someone else saved since ``loaded_version`` was read.

    The row is locked while it is compared and written, so of two editors who loaded
    the same version only the first wins; the second gets EditConflict and nothing
    is overwritten.
    """
    unknown = set(fields) - set(EDITABLE_UPDATE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    current = (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("author", "period", "objective")
        .get(pk=update.pk)
    )
    if current.version != loaded_version:
        raise EditConflict(current)
    before = {name: _audit_value(getattr(current, name)) for name in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean(exclude=["search"])
    current.updated_at = timezone.now()
    current.version = F("version") + 1
    current.save(update_fields=[*fields, "updated_at", "version"])
    current.refresh_from_db()
    after = {name: _audit_value(getattr(current, name)) for name in fields}
    changes = {name: [before[name], after[name]] for name in fields if before[name] != after[name]}
    record(actor=actor, action="update.edited", target=current, changes=changes)
    return current
