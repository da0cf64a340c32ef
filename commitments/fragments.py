"""Cached fragments of pages, keyed by the data stamps (migration 0017).

A page reads the stamps (one small query) and names them in each ``{% cache %}`` fragment
it keeps, with the language and whatever else the fragment varies on (never the user's
session: pages carry a CSRF token and a CSP nonce, which no fragment contains). When the
data behind a fragment changes, the database changes the stamp, the key changes, and the
fragment is drawn again: nothing is ever invalidated by hand.

The fragments live in each process's memory (the ``fragments`` cache). That is not state
the application depends on: every read checks the stamps in PostgreSQL first, so a process
that never saw a fragment, or was just started, only draws it once more.
"""

from django.core.cache import caches
from django.db import connection

STAMPS_SQL = "SELECT name, value FROM commitments_data_stamp"


def stamps():
    """The current data stamps: ``{"reference": …, "record": …}``."""
    with connection.cursor() as cursor:
        cursor.execute(STAMPS_SQL)
        values = dict(cursor.fetchall())
    # A database emptied by hand (a test flush) has no rows until the next write bumps them.
    return {"reference": values.get("reference", 0), "record": values.get("record", 0)}


def cache():
    """Where fragments are kept (this process's memory)."""
    return caches["fragments"]
