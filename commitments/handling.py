"""The handling marking the governments agree on ("UNCLASSIFIED // FOR OFFICIAL USE"), as
every page, PDF and export shows it. An administrator keeps it in the admin (audited
there, like every change), in three languages.

A page pays no query of its own for it: it rides in the query that reads the reader's
membership, which every signed-in page makes anyway (``with_marking``, used by
``policy.membership_of``). A reader without a membership (the sign-in page) finds it in
the fragment cache, keyed on the reference stamp, which moves whenever the marking does.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import DatabaseError, models
from django.db.models.expressions import RawSQL
from django.utils.functional import SimpleLazyObject

from commitments import fragments, policy
from commitments.models import HandlingMarking, Translated

_NOT_READ = object()


def with_marking(queryset):
    """``queryset`` with each row's ``handling_marking``: the marking's English, Spanish and
    French texts (None when no marking was ever saved), read in the same statement."""
    return queryset.annotate(
        handling_marking=RawSQL(
            "SELECT ARRAY[text, text_es, text_fr] FROM commitments_handlingmarking WHERE id = %s",
            (HandlingMarking.SINGLETON_ID,),
            output_field=ArrayField(models.CharField()),
        )
    )


def _localized(texts):
    english, spanish, french = texts or ("", "", "")
    return Translated.in_active_language(english, spanish, french) if english else ""


def _read():
    marking = HandlingMarking.load()
    # A tuple: the cache keeps "no marking" (an empty text) as a value, not as a miss.
    return (_localized((marking.text, marking.text_es, marking.text_fr)),)


def current_marking():
    """The marking in the active language, read now ("" when there is none): for work
    done away from a page, such as an export's background job."""
    return _read()[0]


def marking_for(request):
    """The marking in the active language ("" when there is none)."""
    user = getattr(request, "user", None)
    membership = policy.membership_of(user) if user is not None else None
    texts = getattr(membership, "handling_marking", _NOT_READ)
    if texts is not _NOT_READ:
        return _localized(texts)
    try:
        return fragments.cached("handling-marking", request, _read)[0]
    except DatabaseError:
        # A page drawn while the database is away (an error page) goes without it.
        return ""


def context(request):
    """``handling_marking`` for every template (a context processor); read only by a
    template that shows it."""
    return {"handling_marking": SimpleLazyObject(lambda: marking_for(request))}
