"""Partner countries' contributions: what a partner (Belgium, the Netherlands) published
on the objectives it is named on, for the pages that show those objectives. Who may
contribute where is the policy's to say (``policy.may_contribute_to``)."""

from commitments.models import Country, ProgressUpdate


def latest_contributions(objectives):
    """[(objective, [update, ...])]: for each of ``objectives`` that has any, each partner
    country's latest published contribution (of its latest reporting period), with its
    country and period. One query."""
    objectives = list(objectives)
    updates = (
        ProgressUpdate.objects.published()
        .filter(objective__in=objectives, country__membership=Country.Membership.PARTNER)
        .select_related("country", "period")
        .order_by("objective_id", "country_id", "-period__starts_on", "-created_at", "-id")
        .distinct("objective_id", "country_id")
    )
    by_objective = {}
    for update in updates:
        by_objective.setdefault(update.objective_id, []).append(update)
    return [
        (objective, by_objective[objective.pk])
        for objective in objectives
        if objective.pk in by_objective
    ]
