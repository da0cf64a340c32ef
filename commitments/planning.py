"""How some queries are planned: list queries with their joins in the order they name
them, or through their ordering index rather than bitmaps; the dashboard's queries once
per connection, kept in the database as functions (``StoredQuery``)."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

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


# --- Queries kept in the database -----------------------------------------------------

# Whether stored queries run as the SQL they are made of, not through their function:
# for tests that read their plans (EXPLAIN cannot see inside a function).
_INLINE = ContextVar("stored_queries_inline", default=False)


@dataclass(frozen=True)
class StoredQuery:
    """A query the dashboard runs after every publication, kept in the database as a
    PL/pgSQL function: PostgreSQL parses and plans it once per connection and keeps the
    plan, where sent as text it parsed and planned it at every call (for the status
    matrix, 2 of its 3 ms). The SQL stays here, written once, with ``%(name)s``
    parameters; migrations create the function from it (``sync_stored_queries``) and
    tests/performance/test_stored_queries.py compares the functions in the database with
    ``stored_queries()``, so a change here fails the tests until a migration runs
    ``sync_stored_queries`` again. Functions keep nothing between calls but their plans,
    so a connection pooler in transaction mode is no obstacle."""

    name: str
    sql: str
    parameters: tuple  # ((name, SQL type), ...) in the function's order
    columns: tuple  # ((name, SQL type), ...) of each row returned

    @property
    def function(self):
        return f"commitments_q_{self.name}"

    def body(self):
        """The function's body: the query, its parameters numbered."""
        sql = self.sql.strip()
        for number, (parameter, _type) in enumerate(self.parameters, 1):
            sql = sql.replace(f"%({parameter})s", f"${number}")
        if "%(" in sql:
            raise ValueError(f"Stored query {self.name!r} names an undeclared parameter.")
        # Column names win over the names of the rows returned (``RETURNS TABLE``).
        return f"\n#variable_conflict use_column\nBEGIN\nRETURN QUERY {sql};\nEND\n"

    def create_sql(self):
        arguments = ", ".join(kind for _name, kind in self.parameters)
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns)
        return (
            f"CREATE FUNCTION {self.function}({arguments}) RETURNS TABLE ({columns})"
            f" LANGUAGE plpgsql STABLE AS $stored${self.body()}$stored$"
        )

    def execute(self, cursor, params):
        """Run it on ``cursor`` with ``params`` (a dict); fetch the rows after."""
        if _INLINE.get():
            cursor.execute(self.sql, params)
            return
        arguments = ", ".join(f"%({name})s::{kind}" for name, kind in self.parameters)
        cursor.execute(f"SELECT * FROM {self.function}({arguments})", params)  # noqa: S608


@contextmanager
def stored_queries_inline():
    """Run stored queries as their SQL in the block (for reading their plans)."""
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)


def stored_queries():
    """Every stored query (imported here: their modules import this one)."""
    from commitments import matrix, partners, timeliness  # noqa: PLC0415

    return (matrix.PUBLISHED_MATRIX, timeliness.FIRST_IN, partners.LATEST_CONTRIBUTIONS)


DROP_STORED_QUERIES = """
DO $$
DECLARE found record;
BEGIN
    FOR found IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname LIKE 'commitments\\_q\\_%'
    LOOP
        EXECUTE format('DROP FUNCTION %s', found.signature);
    END LOOP;
END $$;
"""


def sync_stored_queries(apps, schema_editor):
    """A migration's step: drop every stored query's function, then create one per
    entry of ``stored_queries()``, as the code has them now."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP_STORED_QUERIES)
        for query in stored_queries():
            cursor.execute(query.create_sql())


def drop_stored_queries(apps, schema_editor):
    """A migration's step back: drop every stored query's function."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP_STORED_QUERIES)
