"""The dashboard's and the lists' queries use indexes on the update table.

A few thousand generated updates, analysed, with sequential scans and sorts priced out
of the planner's reach: where an index serves the filter *and* the order, the plan has no Seq
Scan and no Sort over the update table. A dropped or mismatched index fails here long
before a million rows make it slow.
"""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Meeting, Objective, ProgressUpdate, ReportingPeriod
from commitments.planning import stored_queries_inline

pytestmark = pytest.mark.django_db

TABLE = "commitments_progressupdate"


@pytest.fixture
def history(cast):
    call_command("generate_load_data", updates=3000, years=3, users=30, stdout=None)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    return Objective.objects.get(objective_set__year=2024, number=1)


def plan_of(sql, allow_sort=False, as_written=False):
    with transaction.atomic(), connection.cursor() as cursor:
        # At a few thousand rows a scan and a sort are cheap, and the planner's choice
        # turns on table bloat; priced out, they remain only where no index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not allow_sort:
            cursor.execute("SET LOCAL enable_sort = off")
        if as_written:  # as list pages run in production (joins_as_written)
            cursor.execute("SET LOCAL join_collapse_limit = 1")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        return cursor.fetchone()[0][0]["Plan"]


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def scans_updates(plan):
    """Whether the rows of this node come from the update table (a subquery run once per
    row, such as a per-country probe, feeds a value, not rows)."""
    if plan.get("Relation Name") == TABLE:
        return True
    return any(
        scans_updates(child)
        for child in plan.get("Plans", [])
        if child.get("Parent Relationship") not in {"SubPlan", "InitPlan"}
    )


def problems(plan, sql=""):
    """Seq Scans of the update table, and Sorts whose input reads it.

    A capped count (``COUNT(*)`` over ``LIMIT 1001``) may sort: at a few thousand rows
    the planner reads a country's few hundred rows and sorts them, at a million it walks
    the index instead; either way at most 1001 rows are counted.
    """
    capped_count = sql.startswith("SELECT COUNT(*)") and "LIMIT 1001" in sql
    found = []
    for node in nodes(plan):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == TABLE:
            found.append("Seq Scan on the update table")
        sort = node["Node Type"] in {"Sort", "Incremental Sort"}
        if sort and not capped_count and scans_updates(node):
            found.append(f"Sort over the update table by {node.get('Sort Key')}")
    return found


def update_queries(client, url):
    # The dashboard's stored queries run as their SQL, whose plans EXPLAIN can read
    # (planning.StoredQuery: a function call shows a Function Scan, nothing inside).
    with CaptureQueriesContext(connection) as captured, stored_queries_inline():
        assert client.get(url).status_code == 200, url
    return [
        query["sql"]
        for query in captured.captured_queries
        if TABLE in query["sql"] and not query["sql"].startswith("DECLARE")
    ]


PAGES = [
    ("carol", "dashboard"),
    ("alice", "dashboard"),
    ("carol", "objective"),
    ("alice", "objective"),
    ("carol", "updates"),
    ("alice", "updates"),
    ("carol", "updates?country=MX"),
    ("alice", "updates?country=MX&status=at_risk"),
    ("carol", "updates?state=submitted"),
    ("carol", "updates?period=PERIOD"),
    ("alice", "updates?year=2024"),
    ("carol", "timeliness?year=2024"),
    ("carol", "compare"),
    ("carol", "updates?author=AUTHOR"),
    ("alice", "updates?objective=OBJECTIVE&status=on_track"),
    ("alice", "country"),
    ("carol", "country"),
    ("carol", "review"),
    ("alice", "countries"),
    # The brief as suggested (compared with the 7th NADD, reconstructed as of the eve of
    # it; cut-off today) and as of a past cut-off: each cell as published by then.
    ("carol", "brief"),
    ("alice", "brief?compare=&cutoff=2024-06-30"),
]


def test_pages_read_the_update_table_through_indexes(client, cast, history):
    # One generated history for every page: generating it is the slow part.
    oldest = ReportingPeriod.objects.order_by("starts_on").first()
    author = ProgressUpdate.objects.order_by("id").first().author.username
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    failures = []
    for role, page in PAGES:
        client.force_login(getattr(cast, role))
        name, _, query = page.partition("?")
        url = {
            "dashboard": reverse("dashboard"),
            "objective": reverse("objective_detail", args=[history.pk]),
            "updates": reverse("update_list"),
            "country": reverse("country_detail", args=["ca"]),
            "review": reverse("review_queue"),
            "countries": reverse("country_list"),
            "timeliness": reverse("timeliness"),
            "compare": reverse("compare_years"),
            "brief": reverse("meeting_brief", args=[eighth.pk]),
        }[name] + (f"?{query}" if query else "")
        url = url.replace("PERIOD", str(oldest.pk)).replace("AUTHOR", author)
        url = url.replace("OBJECTIVE", str(history.pk))
        queries = update_queries(client, url)
        assert queries, url
        for sql in queries:
            # Both ways: tests run inside a transaction, where the list pages' queries keep
            # the join-order search, and in production they skip it.
            for as_written in (False, True):
                plan = plan_of(sql, as_written=as_written)
                if problems(plan, sql):
                    failures.append((role, url, as_written, problems(plan, sql), sql))
    assert not failures, failures


@pytest.mark.parametrize(
    ("word", "index"),
    [
        # common: looked for in a window of the newest updates, along upd_latest
        ("naloxone", "upd_latest"),
        # no match among the newest: looked for everywhere, through the GIN index
        ("zzzunheardof", "upd_search"),
    ],
)
def test_full_text_search_reads_indexes_only(client, cast, history, word, index):
    client.force_login(cast.carol)
    queries = update_queries(client, reverse("update_list") + f"?q={word}")
    # A window's matches may be sorted (a page of them at most): the table never is.
    plans = [plan_of(sql, allow_sort=True) for sql in queries]
    assert all(
        "Seq Scan" != node["Node Type"] or node.get("Relation Name") != TABLE
        for plan in plans
        for node in nodes(plan)
    )
    assert any(node.get("Index Name") == index for plan in plans for node in nodes(plan))


def test_the_brief_reads_each_cell_as_of_its_cutoff_from_published_updates_only(
    client, cast, history
):
    """As of a past cut-off, what was published after it is skipped in the index of
    published updates (upd_period_cell_published, with the publication time), never read
    from the table; drafts are not in it."""
    client.force_login(cast.carol)
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    url = reverse("meeting_brief", args=[eighth.pk]) + "?compare=&cutoff=2024-06-30"
    plans = [plan_of(sql) for sql in update_queries(client, url)]
    assert any(
        node.get("Index Name") == "upd_period_cell_published"
        for plan in plans
        for node in nodes(plan)
    )
