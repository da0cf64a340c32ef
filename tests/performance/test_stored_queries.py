"""The dashboard's queries kept in the database as functions (planning.StoredQuery): the
functions are those the code declares, and each answers as the SQL it is made of."""

import datetime

import pytest
from django.db import connection

from commitments import matrix, partners, planning, timeliness, years
from commitments.models import ALL_COUNTRIES, Country, Objective, ProgressUpdate

pytestmark = pytest.mark.django_db


def functions_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND p.proname LIKE 'commitments\\_q\\_%'"
        )
        return dict(cursor.fetchall())


def test_the_functions_in_the_database_are_the_stored_queries_of_the_code():
    """A stored query changed in the code without a migration that runs
    ``planning.sync_stored_queries`` again fails here (the database would run the old)."""
    declared = {query.function: query.body() for query in planning.stored_queries()}
    assert functions_in_the_database() == declared


def test_a_change_to_a_stored_querys_sql_is_caught():
    query = matrix.PUBLISHED_MATRIX
    changed = planning.StoredQuery(
        query.name, query.sql.replace("LIMIT 1", "LIMIT 2"), query.parameters, query.columns
    )
    assert functions_in_the_database()[query.function] != changed.body()


def test_an_undeclared_parameter_is_refused():
    query = planning.StoredQuery("broken", "SELECT %(missing)s", (), (("x", "int"),))
    with pytest.raises(ValueError, match="undeclared parameter"):
        query.body()


def answers(read):
    """What ``read()`` gives through the function and as plain SQL."""
    through_function = read()
    with planning.stored_queries_inline():
        as_sql = read()
    return through_function, as_sql


@pytest.mark.parametrize("scope", ["all", "own", "none"])
def test_each_stored_query_answers_as_its_sql(cast, make_update, q1, scope):
    """The matrix and the timeliness of a set with published, submitted, returned and
    draft reports, late and on time, for every reader's scope."""
    frame = years.read_frame(None)
    canada, mexico = (cast.alice.membership.country, cast.bob.membership.country)
    make_update(author=cast.alice, status=ProgressUpdate.Status.AT_RISK)
    make_update(author=cast.bob, state=ProgressUpdate.State.SUBMITTED)
    make_update(author=cast.uma, state=ProgressUpdate.State.DRAFT)
    late = datetime.datetime(2024, 12, 1, tzinfo=datetime.UTC)
    make_update(author=cast.bob, state=ProgressUpdate.State.RETURNED, submitted_at=late)
    scope = {"all": ALL_COUNTRIES, "own": canada.pk, "none": None}[scope]
    objectives, countries = frame.objectives, frame.countries
    cells, cells_as_sql = answers(
        lambda: matrix.published_cells(objectives, countries, frame.period, scope)
    )
    assert cells == cells_as_sql
    assert any(cell[0] is not None for cell in cells)
    marks, marks_as_sql = answers(
        lambda: timeliness.of_set(frame.objective_set, objectives, countries, scope)
    )
    assert marks.marks == marks_as_sql.marks and marks.marks
    assert marks.periods == marks_as_sql.periods
    assert mexico.pk in {country for _objective, country, _period in marks.marks}


def test_partners_contributions_answer_as_their_sql(cast, make_update, objective):
    """A partner named on the objective, with a published report of an earlier period
    and of the latest one: the function and its SQL find the same, the latest."""
    belgium = Country.objects.get(code="BE")
    assert belgium.membership == Country.Membership.PARTNER
    objective.partners.add(belgium)
    q2 = objective.objective_set.periods.order_by("starts_on")[1]
    make_update(author=cast.alice, country=belgium)
    latest = make_update(author=cast.alice, country=belgium, period=q2)
    found, found_as_sql = answers(
        lambda: partners.latest_contributions(Objective.objects.filter(pk=objective.pk))
    )
    assert found == found_as_sql == [(objective, [latest])]
