"""The handling marking the governments agree on ("UNCLASSIFIED // FOR OFFICIAL USE"), as
every page, PDF and export shows it: kept by an administrator in the admin (audited there,
like every change), in three languages, read through the fragment cache keyed on the
reference stamp, so a page pays no query for it (the stamp comes with the reader's
membership)."""

from django.utils.functional import SimpleLazyObject

from commitments import fragments
from commitments.models import HandlingMarking, Translated


def _texts():
    marking = HandlingMarking.load()
    return (marking.text, marking.text_es, marking.text_fr)


def marking_for(request):
    """The marking in the active language ("" when there is none)."""
    english, spanish, french = fragments.cached("handling-marking", request, _texts)
    if not english:
        return ""
    return Translated.in_active_language(english, spanish, french)


def context(request):
    """``handling_marking`` for every template (a context processor); read only by a
    template that shows it."""
    return {"handling_marking": SimpleLazyObject(lambda: marking_for(request))}
