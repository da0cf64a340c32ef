"""The dashboard: the latest status per cell, what is missing, recent activity, fixed cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import matrix
from commitments.models import Objective, ReportingPeriod

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")


def test_each_cell_shows_the_newest_status_as_text(login, cast, make_update, objective):
    make_update(
        author=cast.alice, status="at_risk", created_at=timezone.now() - datetime.timedelta(days=2)
    )
    make_update(author=cast.alice, status="completed")
    response = login(cast.carol).get(URL)
    rows = dict(response.context["overview"].rows)
    cells = {cell.country.code: cell.update for cell in rows[objective]}
    assert cells["CA"].status == "completed"
    assert cells["MX"] is None and cells["US"] is None
    assert '<span class="status status-completed">Completed</span>' in response.text
    assert f"?objective={objective.pk}&amp;country=CA" in response.text
    totals = dict(
        (status.value, count) for status, count in response.context["overview"].status_totals
    )
    assert totals["completed"] == 1 and totals["at_risk"] == 0
    assert response.context["overview"].no_update_total == 9 * 3 - 1


def test_missing_lists_cells_without_an_update_in_the_current_period(
    login, cast, make_update, objective
):
    q4 = ReportingPeriod.objects.get(name="2024 Q4")
    make_update(author=cast.alice, period=q4)
    make_update(author=cast.bob)  # Q1: does not count for Q4
    response = login(cast.alice).get(URL)
    assert response.context["overview"].period == q4
    missing = response.context["overview"].missing
    cells = {(m.objective, m.country, m.period.name) for m in missing}
    # Every period of 2024 is past its deadline: the list covers all four, not just Q4.
    assert len(missing) == 4 * 9 * 3 - 2
    assert all(m.overdue for m in missing)
    assert (objective, cast.alice.membership.country, "2024 Q4") not in cells
    assert (objective, cast.bob.membership.country, "2024 Q4") in cells
    assert (objective, cast.bob.membership.country, "2024 Q1") not in cells
    # Alice is offered to write Canada's missing updates, and only Canada's.
    assert response.text.count("Write update") == 4 * 9 - 1


def test_recent_activity_lists_the_newest_updates(login, cast, make_update):
    update = make_update(author=cast.uma, narrative="Recent work")
    response = login(cast.bob).get(URL)
    assert list(response.context["recent"]) == [update]
    assert update.get_absolute_url() in response.text


def test_recent_activity_is_in_the_order_of_the_dates_it_shows(login, cast, make_update):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    # Written first, changed last (submitted, then published today): it comes first.
    reviewed = make_update(
        author=cast.uma, created_at=now - datetime.timedelta(days=9), updated_at=now
    )
    written = make_update(
        author=cast.uma,
        created_at=now - datetime.timedelta(days=2),
        updated_at=now - datetime.timedelta(days=2),
    )
    response = login(cast.bob).get(URL)
    assert list(response.context["recent"]) == [reviewed, written]
    from django.template.defaultfilters import date

    text = response.text
    first, second = (
        text.index(date(timezone.localtime(update.updated_at), "DATETIME_FORMAT"))
        for update in (reviewed, written)
    )
    assert first < second


def test_every_objective_and_country_is_linked(login, cast):
    text = login(cast.carol).get(URL).text
    for objective in Objective.objects.filter(objective_set__year=2024):
        assert objective.get_absolute_url() in text
    for code in ["ca", "mx", "us"]:
        assert f"/countries/{code}/" in text


def test_the_chart_and_timeliness_table_are_drawn_again_only_when_their_figures_change(
    login, cast, make_update, objective
):
    """A publication moves the record stamp, so the matrix is read again; the status
    chart and the timeliness table are kept by what they show, so they are drawn again
    only when a count changes, and then show the new count."""
    client = login(cast.carol)

    def drawn(response):
        names = [template.name for template in response.templates]
        return {
            "chart": "includes/chart_distribution.html" in names,
            "timeliness": "includes/timeliness_summary.html" in names,
        }

    from commitments import fragments

    fragments.cache().clear()  # drawings of the same figures by earlier tests
    make_update(author=cast.alice, status="at_risk")
    assert drawn(client.get(URL)) == {"chart": True, "timeliness": True}
    # The same cell published again at the same status: nothing counted changes.
    make_update(author=cast.alice, status="at_risk")
    again = client.get(URL)
    assert drawn(again) == {"chart": False, "timeliness": False}
    assert dict(again.context["overview"].chart_shown[0])["at_risk"] == 1
    # Mexico reports: the chart's counts and Mexico's timeliness change.
    make_update(author=cast.bob, status="completed")
    changed = client.get(URL)
    assert drawn(changed) == {"chart": True, "timeliness": True}
    assert "1 (4%)" in changed.text  # one completed cell of 27


def count_queries(client):
    from commitments import fragments

    fragments.cache().clear()  # the first reader's cost, nothing cached
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_data(login, cast, make_update):
    client = login(cast.carol)
    make_update(author=cast.alice)
    few = count_queries(client)
    for objective in Objective.objects.all():
        for author in [cast.alice, cast.bob, cast.uma]:
            make_update(author=author, objective=objective)
    assert count_queries(client) == few
    # session, user and membership, then at most 14 of the page's own (the year switch's
    # list of sets, the timeliness of the set, which objectives name a partner, the
    # partner countries' published contributions, the milestones of every cell and the
    # secretariat's final assessments are one query each)
    assert few <= 17


@pytest.mark.parametrize("seed", range(5))
def test_the_one_query_matrix_agrees_with_the_reference_matrix(cast, make_update, seed):
    """matrix.published (one SQL statement) against matrix (the ORM's correlated
    subqueries): same newest published update and same "reported" flag in every cell, for
    every reader, over a random history of states, periods and times."""
    import random

    from commitments import policy
    from commitments.models import Country, ProgressUpdate

    rng = random.Random(seed)
    objectives = Objective.objects.filter(objective_set__year=2024).order_by("number")
    periods = list(ReportingPeriod.objects.filter(objective_set__year=2024))
    now = timezone.now()
    for _ in range(60):
        state = rng.choice(["draft", "submitted", "published", "returned", "withdrawn"])
        make_update(
            author=rng.choice([cast.alice, cast.bob, cast.uma]),
            objective=rng.choice(objectives[:4]),
            period=rng.choice(periods),
            state=state,
            status=rng.choice(ProgressUpdate.Status.values),
            # Ties in created_at are broken by id, as in the index.
            created_at=now - datetime.timedelta(hours=rng.randrange(6)),
        )
    countries = list(Country.objects.members())
    period = rng.choice(periods)
    for reader in [cast.carol, cast.alice, cast.bob, cast.dave, cast.nora]:
        visible = policy.readable_updates(reader)
        expected = ProgressUpdate.objects.published().matrix(
            objectives, countries, period, reported=visible.reported()
        )
        got = matrix.published(objectives, countries, period, policy.unpublished_scope(reader))
        assert [
            (o, [(c, u and (u.pk, u.status, u.period.name), r) for c, u, r in row])
            for o, row in got
        ] == [
            (o, [(c, u and (u.pk, u.status, u.period.name), r) for c, u, r in row])
            for o, row in expected
        ], reader
        # Fields not read by the query load on demand.
        cell = next((u for _, row in got for _, u, _ in row if u), None)
        assert cell is None or cell.narrative == ProgressUpdate.objects.get(pk=cell.pk).narrative
