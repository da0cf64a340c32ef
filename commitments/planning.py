"""How some list queries are planned: with their joins in the order they name them."""

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
