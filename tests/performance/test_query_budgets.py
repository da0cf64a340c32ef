"""Query budgets per page and index use, pinned without timing.

Every page costs the same number of queries with 2 rows of data as with 50: no query
per row. Beyond the 3 every signed-in page pays (session, user, membership with its
country), the dashboard spends at most 12 (13 for an official) and a list at most 5.
Budgets are for the first reader after a change, with no cached fragment. A page of
updates then reads the data stamps, the ids of its page and the rows not drawn yet (the
updates list also its four filter option lists, the objective page its chart): later
readers take those from the fragment cache, and every list stays within 5 once warm.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import fragments, matrix, partners
from commitments.audit import record
from commitments.models import (
    Comment,
    Meeting,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.services import initial_values

pytestmark = pytest.mark.django_db

BASE = 3  # session, user, membership (with its country)

# page -> (url name, args, role, own-query budget). The dashboard and the country page
# read the list of sets for the year switch and the set's timeliness (one query each);
# the official's dashboard also reads their country's drafts of the set's objectives,
# which its missing list links to instead of offering to write another.
PAGES = {
    # Beyond a list's: the year switch's sets and the set's timeliness (one query each),
    # which objectives name a partner (reference data, kept with the set's frame), the
    # partners' published contributions on those (one statement), the milestones of
    # every cell (one query: met, overdue) and the set's final assessments (one query).
    "dashboard (coordinator)": ("dashboard", [], "carol", 14),
    "dashboard (official)": ("dashboard", [], "alice", 15),
    # Each country's timeliness in the set's periods, the partners named on the objective
    # and its links to earlier years; its indicators and the countries' milestones.
    "objective page": ("objective_detail", ["objective"], "alice", 12),
    # Its own official's page also reads the set's current period and the member
    # countries and which objectives name a partner (the dashboard's frame, cached with
    # it) and the country's drafts, for what is owed and not started yet
    # (matrix.CountryLatest.not_started); and the milestones of its cells. Its list of
    # what needs the official's action is read as ids and versions, and whole only for
    # the rows not drawn yet (all of them here: nothing is cached).
    "country page (own)": ("country_detail", ["ca"], "alice", 17),
    "country page": ("country_detail", ["ca"], "carol", 11),
    "updates list": ("update_list", [], "carol", 8),
    "updates list (official)": ("update_list", [], "alice", 8),
    "updates list, filtered": ("update_list?country=MX&status=on_track", [], "carol", 8),
    # One more than a list: where the window of newest updates it searches ends (a
    # search of a long history may widen the window once or twice: pagination.py).
    "updates list, search": ("update_list?q=naloxone", [], "alice", 9),
    # The update, its comments, its evidence files, its indicator values and the
    # milestones it marks met (a query each).
    "update page": ("update_detail", ["update"], "carol", 6),
    # Canada's update read by Mexico's official: its discussion is not read at all.
    "update page (another country's official)": ("update_detail", ["update"], "bob", 4),
    # The set's frame (sets, objectives, which name a partner, countries, current period)
    # and its assessments.
    "assessment overview": ("assessment_overview", [], "carol", 6),
    # The cell, its assessment with its evidence, the country's latest report, its
    # reports to choose from, and the history.
    "assessment page": ("assessment_detail", ["objective", "ca", "interim"], "carol", 8),
    "update history": ("update_history", ["update"], "carol", 3),
    "review queue": ("review_queue", [], "carol", 5),
    "objective list": ("objective_list", [], "carol", 3),
    "country list": ("country_list", [], "carol", 2),
    "meeting list": ("meeting_list", [], "carol", 3),
    # The meeting with its host and snapshot, participants, outcome documents, the sets
    # it adopted and reviewed with their objectives.
    "meeting page": ("meeting_detail", ["meeting"], "carol", 6),
    # The 8th NADD's brief (the 2024 set the data grows in), first drawn: the meeting,
    # the suggested comparison and the earlier meetings its form offers, the sets, their
    # objectives, the countries, the record as of the cut-off (one statement), the
    # comparison's snapshot or its reconstruction (one statement), evidence files,
    # indicators, their targets and values, milestones, earlier years, assessments.
    # Once drawn, only the meeting, the form's two and the data stamps (4: pinned in
    # tests/pages/test_meeting_briefs.py).
    "meeting brief": ("meeting_brief", ["eighth"], "carol", 15),
    # Entering a report on a country's behalf: the countries and the objectives to choose
    # from; then the chosen country and objective, the objective's periods (the list),
    # and what the form offers, kept per reference stamp (forms.form_reference: the data
    # stamps; read when they changed: the kind of the periods, and whether the objective
    # has indicators or the country milestones).
    "report on a country's behalf, choosing": ("update_on_behalf", [], "carol", 2),
    "report on a country's behalf": (
        "update_on_behalf?country={country}&objective={objective}",
        [],
        "carol",
        6,
    ),
}

STATES = ["published", "submitted", "draft", "returned", "published", "withdrawn"]


@pytest.fixture
def grow(cast, make_update):
    """grow(n): bring the data to n updates spread over objectives, countries, periods,
    authors and states, with n comments and n audit entries on the first one."""
    objectives = list(Objective.objects.filter(objective_set__year=2024).order_by("number"))
    periods = list(ReportingPeriod.objects.filter(objective_set__year=2024))
    authors = [cast.alice, cast.bob, cast.uma]
    made = []

    def add(n):
        if not made:
            first = make_update(author=cast.alice, evidence_links=["https://example.org/a"])
            record(
                actor=cast.alice,
                action="update.created",
                target=first,
                changes=initial_values(first),
            )
            made.append(first)
        while len(made) < n:
            i = len(made)
            made.append(
                make_update(
                    author=authors[i % 3],
                    objective=objectives[i % len(objectives)],
                    period=periods[i % len(periods)],
                    state=STATES[i % len(STATES)],
                    narrative=f"Naloxone report number {i}",
                    created_at=timezone.now() - datetime.timedelta(hours=i),
                )
            )
            Comment.objects.create(update=made[0], author=authors[i % 3], body=f"Comment {i}")
            record(
                actor=cast.carol,
                action="update.commented",
                target=made[0],
                changes={"comment": [None, f"Comment {i}"]},
            )
        return made[0]

    return add


def url_of(name, args, update, objective):
    name, _, query = name.partition("?")
    values = {
        "objective": objective.pk,
        "update": update.pk,
        "meeting": Meeting.objects.get(ordinal=7).pk,
        "eighth": Meeting.objects.get(kind="plenary", ordinal=8).pk,
    }
    url = reverse(name, args=[values.get(arg, arg) for arg in args])
    query = query.format(country=update.country_id, objective=objective.pk)
    return f"{url}?{query}" if query else url


def count_queries(client, url, warm=False):
    """Queries of one request; with ``warm``, once its cached fragments are in place
    (otherwise none is: the cost of the first reader after a change)."""
    if warm:
        client.get(url)
    else:
        fragments.cache().clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_rows_and_stay_in_budget(
    client, cast, grow, make_update, page
):
    name, args, role, budget = PAGES[page]
    client.force_login(getattr(cast, role))
    update = grow(2)
    if role == "alice":  # at two rows as at fifty, her list of what needs her action has one
        make_update(author=cast.alice, state="draft", narrative="A draft of Canada's.")
    url = url_of(name, args, update, update.objective)
    few = count_queries(client, url)
    grow(50)
    many = count_queries(client, url)
    assert many == few, f"{page}: {few} queries with 2 rows, {many} with 50"
    assert few - BASE <= budget, f"{page}: {few - BASE} queries of its own, budget {budget}"
    warm = count_queries(client, url, warm=True)
    assert warm - BASE <= min(budget, 5 if "list" in page else 8), f"{page}: {warm} warm"


def test_a_signed_in_page_pays_three_queries_before_its_own(client, cast):
    client.force_login(cast.alice)
    # The country list is the cheapest page: its own query is the list itself... plus
    # the header's membership and country, fetched together.
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("country_list"))
    # The outermost FROM: the membership's query carries the handling marking's subquery.
    tables = [query["sql"].split(" FROM ")[-1].split()[0] for query in queries.captured_queries]
    assert tables[:BASE] == [
        '"commitments_usersession"',
        '"auth_user"',
        '"commitments_membership"',
    ]
    assert "commitments_country" in queries.captured_queries[2]["sql"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2023, 6, 1), "2024 Q1"),  # before the set: its first period
        (datetime.date(2024, 5, 20), "2024 Q2"),  # during: the period containing today
        (datetime.date(2026, 1, 1), "2024 Q4"),  # after: its last period
    ],
)
def test_current_period_is_one_query(django_assert_num_queries, today, expected):
    objective_set = ObjectiveSet.objects.get(year=2024)
    with django_assert_num_queries(1):
        period = ReportingPeriod.objects.current_for(objective_set, today=today)
    assert period.name == expected


def test_long_lists_count_at_most_a_thousand_rows(login, cast, make_update, monkeypatch):
    from commitments import pagination

    make_update(author=cast.alice)
    make_update(author=cast.bob)
    make_update(author=cast.uma)
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    response = login(cast.carol).get(reverse("update_list"))
    assert response.context["page"].paginator.capped
    assert "More than 2 updates" in response.text
    # A search counts its matches in any order (from the GIN index), not the page's.
    with CaptureQueriesContext(connection) as queries:
        login(cast.carol).get(reverse("update_list"), {"q": "naloxone"})
    count = next(q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"])
    assert "ORDER BY" not in count


@pytest.mark.parametrize("figures", [False, True], ids=["no figures", "indicator and milestone"])
def test_submitting_an_update_has_a_fixed_cost(client, cast, objective, q1, request, figures):
    import uuid

    from commitments.models import Milestone

    if figures:  # an indicator to give a value for, a milestone to tick
        kits = request.getfixturevalue("kits")
        milestone = Milestone.objects.create(
            objective=objective,
            country=cast.alice.membership.country,
            title="Protocol",
            due_on=q1.deadline,
        )
    client.force_login(cast.alice)
    url = reverse("update_create", args=[objective.pk])
    counts = []
    for _ in range(3):
        data = {"period": q1.pk, "status": "on_track", "narrative": "Done.", "token": uuid.uuid4()}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, data)
        assert response.status_code == 302
        counts.append(len(queries))
    # Session, user, membership; the rate limit (one upsert on a shared counter
    # row); objective; the data stamps (what the form offers on this objective: its
    # periods, which the period posted is checked against, their kind, its indicators
    # with the country's targets, whether the country has milestones, is reference data,
    # kept per reference stamp); INSERT and audit INSERT with the savepoint around them.
    # Which milestones are still open is checked only for those ticked. The database
    # checks the constraints in the INSERT: neither the form nor the service asks it
    # first. (The first request also caches the content type and reads the reference.)
    assert counts[1] == counts[2] == 10, counts
    if figures:
        with CaptureQueriesContext(connection) as queries:
            data = {
                "period": q1.pk,
                "status": "on_track",
                "narrative": "Done.",
                "token": uuid.uuid4(),
                f"value_{kits.pk}": "1234",
                "milestones_met": [milestone.pk],
            }
            assert client.post(url, data).status_code == 302
        update = ProgressUpdate.objects.latest("pk")
        assert [value.value for value in update.indicator_values.all()] == [1234]
        assert list(update.milestones_met.all()) == [milestone]
        assert len(queries) > 12  # the values and the milestone written too


@pytest.mark.django_db(transaction=True)
def test_list_queries_skip_the_join_order_search_only_outside_a_transaction(
    reference_data, cast, make_update
):
    from commitments.models import ProgressUpdate
    from commitments.planning import joins_as_written

    update = make_update(author=cast.alice)
    listed = ProgressUpdate.objects.select_related("objective", "country", "author", "period")
    sent = []

    def spy(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        sent.append(context["cursor"].cursor.query.decode())  # what psycopg2 sent
        return result

    with connection.execute_wrapper(spy):
        # Outside a transaction the setting rides in each query's own message...
        with joins_as_written():
            assert list(listed.all()) == [update]
            assert list(listed.filter(pk=update.pk)[:1]) == [update]
        # ...and holds for that query only; after the block queries go as they are.
        with connection.cursor() as cursor:
            cursor.execute("SHOW join_collapse_limit")
            assert cursor.fetchone() == ("8",)
        assert list(listed.all()) == [update]
    assert [sql.startswith("SET LOCAL join_collapse_limit = 1; SELECT") for sql in sent] == [
        True,  # planned as written
        True,  # another query of the block
        False,  # SHOW
        False,  # outside the block
    ]
    # Inside a transaction a SET LOCAL would outlast the query: the query goes as it is.
    sent.clear()
    with transaction.atomic(), connection.execute_wrapper(spy), joins_as_written():
        assert list(listed.all()) == [update]
    assert not sent[0].startswith("SET LOCAL")


def test_the_benchmarks_cold_dashboard_draws_the_overview_again(client, cast, settings):
    # make bench's dashboard row: the dashboard as the first reader after a publication sees it.
    settings.ROOT_URLCONF = "nadd.urls_bench"
    client.force_login(cast.carol)
    served = client.get(reverse("dashboard"))
    client.get(reverse("dashboard"))  # cached from here on
    with CaptureQueriesContext(connection) as queries:
        cold = client.get("/bench/dashboard-cold")
    assert cold.status_code == 200
    assert any(
        matrix.PUBLISHED_MATRIX.function in query["sql"] for query in queries.captured_queries
    )
    assert cold.context["overview"].published == served.context["overview"].published
    # Partners' contributions are read for the objectives that name a partner, and with
    # none named, not at all.
    assert any(partners.LATEST_CONTRIBUTIONS.function in q["sql"] for q in queries.captured_queries)
    Objective.partners.through.objects.all().delete()
    client.get(reverse("dashboard"))  # the set's frame read again (reference data changed)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/bench/dashboard-cold").status_code == 200
    assert not any(
        partners.LATEST_CONTRIBUTIONS.function in q["sql"] for q in queries.captured_queries
    )
