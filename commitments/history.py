"""Readable history of an update: what each audit entry changed, with word-level diffs."""

import difflib
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commitments import audit, figures
from commitments.models import ProgressUpdate

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
}

CHOICE_LABELS = {
    "language": dict(settings.LANGUAGES),
    "status": dict(ProgressUpdate.Status.choices),
    "state": dict(ProgressUpdate.State.choices),
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
    changes = []
    for field, (old, new) in entry.changes.items():
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
        if field == "narrative" and old and new:
            change["diff"] = word_diff(old, new)
        changes.append(change)
    return {"label": audit.label(entry.action), "changes": changes}


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
