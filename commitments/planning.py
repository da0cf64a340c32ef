"""How some list queries are planned: with their joins in the order they name them, or
through their ordering index rather than bitmaps."""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


def _join_order_as_written(execute, sql, params, many, context):
    # SET LOCAL in the same message as the query: PostgreSQL runs the two as one implicit
    # transaction, so the setting holds for this query only, at no extra round trip.
    # Inside a transaction it would outlast the query: there the planner searches as usual.
    if many or context["connection"].in_atomic_block:
        return execute(sql, params, many, context)
    return execute(f"SET LOCAL join_collapse_limit = 1; {sql}", params, many, context)


@contextmanager
def joins_as_written(using=DEFAULT_DB_ALIAS):
    """Run the queries of the block with their joins in the order they name them,
    without the planner's join-order search.

    A list page reads its newest updates through an index and joins each one's
    objective, set, country, period and author: with six tables PostgreSQL spends about
    2 ms choosing a join order and 0.2 ms running the query, and the order written
    (updates first) is the one it would choose. Only for queries whose filters are all
    on the update table itself: evaluate them inside the block (``list()``,
    ``in_bulk()``).
    """
    with connections[using].execute_wrapper(_join_order_as_written):
        yield


def _without_bitmaps(execute, sql, params, many, context):
    # As above: for this query only, outside a transaction.
    if many or context["connection"].in_atomic_block:
        return execute(sql, params, many, context)
    return execute(
        f"SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; {sql}",
        params,
        many,
        context,
    )


@contextmanager
def along_the_ordering_index(using=DEFAULT_DB_ALIAS):
    """Run the queries of the block without bitmap or sequential scans: a search bounded
    to a window of the newest updates then walks ``upd_latest`` through the window and
    checks each update's words, stopping at the page's end, instead of asking the GIN
    index for every match in the table (a GIN index is read through bitmaps only) or,
    over a small table, reading all of it with each update's words (40 ms over ten
    thousand). Over a million updates a common word's matches took the GIN index 22 ms
    to hand over; walking a window of 2,000 takes a fraction of that, whatever the size
    of the table.
    """
    with connections[using].execute_wrapper(_without_bitmaps):
        yield
