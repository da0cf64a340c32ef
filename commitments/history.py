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


def describe(entry):
    """The entry's action label (``audit.label``) and, per changed field, its old and new
    value for display.

    Long texts come with ``diff``: a list of ``(operation, text)`` pieces where the
    operation is "equal", "delete" or "insert"; the template escapes every piece.
    """
    changes = []
    for field, (old, new) in entry.shown_changes.items():
        labels = CHOICE_LABELS.get(field, {})
        change = {
            "label": FIELD_LABELS.get(field, field),
            "old": _display(_label(labels, old)),
            "new": _display(_label(labels, new)),
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
