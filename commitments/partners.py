"""Partner countries' contributions: what a partner (Belgium, the Netherlands) published
on the objectives it is named on, for the pages that show those objectives. Who may
contribute where is the policy's to say (``policy.may_contribute_to``)."""

from django.db.models import OuterRef, Subquery

from commitments.models import Objective, ProgressUpdate


def latest_contributions(objectives):
    """[(objective, [update, ...])]: for each of ``objectives`` that has any, the newest
    published update of each partner country named on it, with its country and period.

    One query: for each (objective, named partner) pair, one probe of the cell's newest
    published update (the upd_cell_latest index, as the dashboard's matrix does), then
    those updates by id; no sort over the update table.
    """
    objectives = list(objectives)
    newest = (
        ProgressUpdate.objects.published()
        .filter(objective_id=OuterRef("objective_id"), country_id=OuterRef("country_id"))
        .newest_first()
        .values("pk")[:1]
    )
    named = (
        Objective.partners.through.objects.filter(objective__in=objectives)
        .annotate(newest=Subquery(newest))
        .values("newest")
    )
    updates = ProgressUpdate.objects.filter(pk__in=named).select_related("country", "period")
    by_objective = {}
    for update in sorted(updates, key=lambda update: update.country.name):
        by_objective.setdefault(update.objective_id, []).append(update)
    return [
        (objective, by_objective[objective.pk])
        for objective in objectives
        if objective.pk in by_objective
    ]
