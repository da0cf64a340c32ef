"""Partner countries' contributions: what a partner (Belgium, the Netherlands) published
on the objectives it is named on, for the pages that show those objectives. Who may
contribute where is the policy's to say (``policy.may_contribute_to``)."""

from django.db import connection

from commitments.models import ProgressUpdate

# For each (objective, named partner) pair, the partner's published update of its latest
# reporting period (the newest published for that period), as a cell's status is read
# everywhere (matrix.PUBLISHED_MATRIX_SQL): the set's periods newest first, one index
# probe of the pair's newest update in each until one has it. Plain SQL: the ORM's
# correlated subquery cost more to build than to run, on a dashboard drawn again after
# every publication.
LATEST_CONTRIBUTIONS_SQL = """
SELECT latest.id
FROM commitments_objective_partners named
JOIN commitments_objective o ON o.id = named.objective_id
CROSS JOIN LATERAL (
    SELECT u.id
    FROM commitments_reportingperiod p
    CROSS JOIN LATERAL (
        SELECT u.id FROM commitments_progressupdate u
        WHERE u.period_id = p.id
          AND u.objective_id = named.objective_id AND u.country_id = named.country_id
          AND u.state = 'published'
        ORDER BY u.created_at DESC, u.id DESC LIMIT 1
    ) u
    WHERE p.objective_set_id = o.objective_set_id
    ORDER BY p.starts_on DESC, p.id DESC LIMIT 1
) latest
WHERE named.objective_id = ANY(%s)
"""


def latest_contributions(objectives):
    """[(objective, [update, ...])]: for each of ``objectives`` that has any, each partner
    country named on it with its published update of its latest reporting period, with
    its country and period. One query (none for no objectives), and a second only when
    there are contributions."""
    objectives = list(objectives)
    if not objectives:
        return []
    with connection.cursor() as cursor:
        cursor.execute(LATEST_CONTRIBUTIONS_SQL, [[objective.pk for objective in objectives]])
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
