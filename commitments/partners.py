"""Partner countries' contributions: what a partner (Belgium, the Netherlands) published
on the objectives it is named on, for the pages that show those objectives. Who may
contribute where is the policy's to say (``policy.may_contribute_to``)."""

from django.db import connection

from commitments import snapshots
from commitments.models import ProgressUpdate
from commitments.planning import StoredQuery

# Each (objective, named partner) pair is a cell whose status is read as everywhere else
# (snapshots.LATEST_PUBLISHED_SQL): the partner's published update of its latest
# reporting period. Plain SQL: the ORM's correlated subquery cost more to build than to
# run, on a dashboard drawn again after every publication; kept in the database as a
# function, planned once per connection (planning.StoredQuery).
LATEST_CONTRIBUTIONS = StoredQuery(
    "latest_contributions",
    snapshots.latest_published_sql(
        cells="""(
    SELECT named.objective_id, named.country_id, o.objective_set_id AS set_id
    FROM commitments_objective_partners named
    JOIN commitments_objective o ON o.id = named.objective_id
    WHERE named.objective_id = ANY(%(objectives)s)
) AS cell"""
    ),
    parameters=(("objectives", "bigint[]"),),
    columns=(("update_id", "bigint"),),
)


def latest_contributions(objectives):
    """[(objective, [update, ...])]: for each of ``objectives`` that has any, each partner
    country named on it with its published update of its latest reporting period, with
    its country and period. One query (none for no objectives), and a second only when
    there are contributions."""
    objectives = list(objectives)
    if not objectives:
        return []
    with connection.cursor() as cursor:
        LATEST_CONTRIBUTIONS.execute(
            cursor, {"objectives": [objective.pk for objective in objectives]}
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    updates = ProgressUpdate.objects.filter(pk__in=ids).select_related("country", "period")
    by_objective = {}
    for update in sorted(updates, key=lambda update: update.country.name):
        by_objective.setdefault(update.objective_id, []).append(update)
    return [
        (objective, by_objective[objective.pk])
        for objective in objectives
        if objective.pk in by_objective
    ]
