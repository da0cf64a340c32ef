"""Readable history of an update: what each audit entry changed, with word-level diffs."""

import difflib
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commitments import audit, figures
from commitments.models import Assessment, AuditEntry, ProgressUpdate

FIELD_LABELS = {
    "status": _("Status"),
    "narrative": _("Narrative"),
    "language": _("Language of the narrative"),
    "evidence_links": _("Evidence links"),
    "period": _("Reporting period"),
    "state": _("Review state"),
    "reason": _("Reason"),
    "comment": _("Comment"),
    figures.MILESTONES: _("Milestones met"),
    # Evidence files (commitments/evidence.py) and the assessment (assessments.py).
    "evidence_files": _("Evidence files"),
    "rating": _("Rating"),
    "rationale": _("Rationale"),
    "evidence": _("Evidence relied on"),
    "reply": _("The country's reply"),
}

# Long texts shown as word-level differences.
DIFFED = {"narrative", "rationale", "reply"}

CHOICE_LABELS = {
    "language": dict(settings.LANGUAGES),
    "status": dict(ProgressUpdate.Status.choices),
    "state": dict(ProgressUpdate.State.choices)
    | {Assessment.State.FINAL: Assessment.State.FINAL.label},
}

TOKEN = re.compile(r"\s+|[^\s]+")


def describe_all(entries):
    """``[(entry, describe(entry))]``, the indicators the entries name read once."""
    entries = list(entries)
    labels = figures.indicator_labels({key for entry in entries for key in entry.changes})
    return [(entry, describe(entry, labels)) for entry in entries]


def describe(entry, labels=None):
    """The entry's action label (``audit.label``) and, per changed field, its old and new
    value for display; an indicator's value (``indicator:<id>``) is named by ``labels``
    (``figures.indicator_labels``) and written as the reader's language writes numbers.

    Long texts come with ``diff``: a list of ``(operation, text)`` pieces where the
    operation is "equal", "delete" or "insert"; the template escapes every piece.
    """
    return {
        "label": audit.label(entry.action),
        "changes": describe_changes(entry.shown_changes, labels),
    }


def describe_changes(changed, labels=None):
    """Per changed field (``{field: [old, new]}``), its label and its old and new value for
    display, a long text with its word ``diff``; an indicator's value is named by
    ``labels`` (``figures.indicator_labels``)."""
    changes = []
    for field, (old, new) in changed.items():
        if field.startswith("indicator:"):
            changes.append(
                {
                    "label": (labels or {}).get(field, field),
                    "old": figures.display(figures.parse_audit_number(old)),
                    "new": figures.display(figures.parse_audit_number(new)),
                }
            )
            continue
        choices = CHOICE_LABELS.get(field, {})
        change = {
            "label": FIELD_LABELS.get(field, field),
            "old": _display(_label(choices, old)),
            "new": _display(_label(choices, new)),
        }
        if field in DIFFED and old and new:
            change["diff"] = word_diff(old, new)
        changes.append(change)
    return changes


def _label(labels, value):
    # Lists (evidence links) cannot be looked up: only choices have labels.
    return labels.get(value, value) if isinstance(value, str) else value


def _display(value):
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return "" if value is None else value


def word_diff(old, new):
    """Word-level differences between two texts as (operation, text) pieces."""
    before, after = TOKEN.findall(old), TOKEN.findall(new)
    pieces = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            pieces.append(("equal", "".join(before[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("delete", "".join(before[a1:a2])))
        if b2 > b1:
            pieces.append(("insert", "".join(after[b1:b2])))
    return pieces


def with_languages(update, described):
    """``described`` (``[(entry, describe(entry))]`` of ``update``, oldest first), each
    narrative change given the language of its old and new text (``old_language``,
    ``new_language``), so each is marked with its ``lang`` and read in its language.

    An entry records the language only when it changed, so the language of each entry's
    texts is found walking back from the update's current one.
    """
    after = update.language
    for entry, description in reversed(described):
        before = entry.changes["language"][0] if "language" in entry.changes else after
        # describe() lists one change per changed field, in the entry's order.
        for field, change in zip(entry.changes, description["changes"], strict=False):
            if field == "narrative":
                change["old_language"], change["new_language"] = before or "", after or ""
        after = before
    return described


def since_return(update):
    """What changed in ``update`` since a coordinator last returned it, for the reviewer of
    its resubmission, or None when it was never returned.

    Read from the audit entries (one query): the last ``update.returned`` entry, its
    reason, and the ``update.edited`` entries after it, folded into one change per field
    from its value when returned to its value now (a field edited back to what it was is
    not listed). ``changes`` are ``describe``'s, the narrative with its word diff.
    """
    entries = list(
        AuditEntry.objects.for_object(update)
        .filter(action__in=[audit.Action.UPDATE_RETURNED, audit.Action.UPDATE_EDITED])
        .select_related("actor")
        .reverse()
    )
    returned_at = None
    for index, entry in enumerate(entries):
        if entry.action == audit.Action.UPDATE_RETURNED:
            returned_at = index
    if returned_at is None:
        return None
    returned = entries[returned_at]
    folded = {}
    for entry in entries[returned_at + 1 :]:
        for field, (old, new) in entry.changes.items():
            first = folded.get(field, [old, new])[0]
            folded[field] = [first, new]
    changed = {field: values for field, values in folded.items() if values[0] != values[1]}
    return {
        "returned": returned,
        "reason": returned.changes.get("reason", [None, ""])[1],
        "changes": describe_changes(changed, figures.indicator_labels(set(changed))),
    }
