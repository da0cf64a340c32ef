"""Readable history of an update: what each audit entry changed, with word-level diffs."""

import difflib
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commitments import audit
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
}

CHOICE_LABELS = {
    "language": dict(settings.LANGUAGES),
    "status": dict(ProgressUpdate.Status.choices),
    "state": dict(ProgressUpdate.State.choices),
}

TOKEN = re.compile(r"\s+|[^\s]+")


def describe_all(update, entries):
    """Each of ``entries`` (the update's audit entries, oldest first) with its description
    (``describe``), the narrative's texts each with the language it was written in.

    An entry records the language only when it changed, so the language of each entry's
    texts is found walking back from the update's current one.
    """
    entries = list(entries)
    languages = []
    after = update.language
    for entry in reversed(entries):
        before = entry.changes["language"][0] if "language" in entry.changes else after
        languages.append((before, after))
        after = before
    return [
        (entry, describe(entry, before, after))
        for entry, (before, after) in zip(entries, reversed(languages), strict=True)
    ]


def describe(entry, language_before=None, language_after=None):
    """The entry's action label (``audit.label``) and, per changed field, its old and new
    value for display.

    The narrative comes with the language of each text (``old_language``,
    ``new_language``: what its ``lang`` attribute says, so a screen reader reads it in
    its language), and when both texts exist with ``diff``: the old text's pieces
    (``old``: unchanged and deleted words) and the new text's (``new``: unchanged and
    inserted words), each a list of ``(operation, text)`` where the operation is
    "equal", "delete" or "insert", shown apart so that each reads as one text. The
    template escapes every piece.
    """
    changes = []
    for field, (old, new) in entry.changes.items():
        labels = CHOICE_LABELS.get(field, {})
        change = {
            "label": FIELD_LABELS.get(field, field),
            "old": _display(_label(labels, old)),
            "new": _display(_label(labels, new)),
        }
        if field == "narrative":
            change["old_language"] = language_before or ""
            change["new_language"] = language_after or ""
            if old and new:
                pieces = word_diff(old, new)
                change["diff"] = {
                    "old": [piece for piece in pieces if piece[0] != "insert"],
                    "new": [piece for piece in pieces if piece[0] != "delete"],
                }
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
