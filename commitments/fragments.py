"""Cached fragments of pages, keyed by the data stamps (migration 0017).

A page reads the stamps (one small query) and names them in each ``{% cache %}`` fragment
it keeps, with the language and whatever else the fragment varies on (never the user's
session: pages carry a CSRF token and a CSP nonce, which no fragment contains). When the
data behind a fragment changes, the database changes the stamp, the key changes, and the
fragment is drawn again: nothing is ever invalidated by hand.

A fragment is served to every reader whose request names the same key, so it holds only
what all of them may read. A row's fragment is keyed by the row, never by the reader: it
shows nothing that depends on who reads it, and never an update's discussion (comments,
reasons for returning), which only some readers of a published update may read
(``policy.may_read_discussion``). Tests draw each row fragment as a coordinator and as
another country's official and require the same text.

The fragments live in each process's memory (the ``fragments`` cache). That is not state
the application depends on: every read checks the stamps in PostgreSQL first, so a process
that never saw a fragment, or was just started, only draws it once more.
"""

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.utils.translation import get_language

STAMPS_SQL = "SELECT name, value FROM commitments_data_stamp"


def stamps(request=None):
    """The current data stamps: ``{"reference": …, "record": …}``, read once per request."""
    if request is not None and hasattr(request, "data_stamps"):
        return request.data_stamps
    with connection.cursor() as cursor:
        cursor.execute(STAMPS_SQL)
        values = dict(cursor.fetchall())
    # A database emptied by hand (a test flush) has no rows until the next write bumps them.
    current = {"reference": values.get("reference", 0), "record": values.get("record", 0)}
    if request is not None:
        request.data_stamps = current
    return current


def cache():
    """Where fragments are kept (this process's memory)."""
    return caches["fragments"]


def fill_rows(request, rows, fragment, full):
    """A page's updates, for a template that draws each inside
    ``{% cache … fragment update.pk update.row_version stamps.reference LANGUAGE_CODE %}``.

    ``rows`` carry only their id and ``row_version``: cheap to read. Those whose fragment
    is cached stay so (the template takes the fragment); the others are read again from
    ``full`` (the same updates with what the drawing shows), drawn and cached. A fragment
    that expires in between is still drawn right: the light object loads its other
    fields when asked, one query each.
    """
    rows = list(rows)
    vary_on = [stamps(request)["reference"], get_language()]
    keys = {
        row.pk: make_template_fragment_key(fragment, [row.pk, row.row_version, *vary_on])
        for row in rows
    }
    cached = cache().get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in cached]
    fetched = {}
    if missing:
        fetched = full.planned_as_written().with_row_version().filter(pk__in=missing).in_bulk()
    return [fetched.get(row.pk, row) for row in rows]
