"""The record across years: the earlier objectives an objective continues (replaces,
splits from, merges), transitively, and where each of them stood in each country.

``lineage`` and ``history_by_year`` serve the objective's page; ``earlier_years`` the
brief (several objectives at once); ``continues`` is the exports' column. Each costs a
fixed number of queries whatever the length of the chain.
"""

from dataclasses import dataclass, field

from django.db.models import CharField, OuterRef, StringAgg, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat

from commitments import snapshots
from commitments.models import Country, Objective, ObjectiveLink

# Every objective reached by following links to earlier ones from %s; the links always
# point to an earlier year (ObjectiveLink.clean), so the recursion ends.
LINEAGE_SQL = """
WITH RECURSIVE chain (id) AS (
    SELECT earlier_id FROM commitments_objectivelink WHERE objective_id = %s
    UNION
    SELECT link.earlier_id FROM commitments_objectivelink link
    JOIN chain ON link.objective_id = chain.id
)
SELECT id FROM chain
"""


def lineage(objective):
    """The earlier objectives ``objective`` continues, directly or through others, newest
    year first, each with its set: one query."""
    return (
        # A constant statement; the id is a bound parameter.
        Objective.objects.filter(pk__in=RawSQL(LINEAGE_SQL, [objective.pk]))  # noqa: S611
        .select_related("objective_set")
        .order_by("-objective_set__year", "number")
    )


def latest_statuses(objectives, countries, published_before=None):
    """{(objective id, country id): update}: each cell's published update of its latest
    reporting period (the newest published for that period), as published before
    ``published_before`` when given (a moment: the end of a brief's cut-off day); one query,
    through indexes whatever the history (``snapshots.latest_published``)."""
    return snapshots.latest_published(objectives, countries, published_before)


@dataclass
class YearRow:
    """One earlier objective and where it stood in each country: ``cells`` is a list of
    (country, update or None)."""

    objective: Objective
    links: list = field(default_factory=list)  # the links that lead to it from the later set
    cells: list = field(default_factory=list)

    @property
    def year(self):
        return self.objective.objective_set.year


def history_by_year(objective, countries=None):
    """Each earlier objective of ``objective`` (transitively), newest year first, with each
    member country's latest published status on it: three queries."""
    countries = list(Country.objects.members()) if countries is None else countries
    earlier = list(lineage(objective))
    if not earlier:
        return []
    links = {}
    for link in ObjectiveLink.objects.filter(earlier__in=earlier).select_related("objective"):
        links.setdefault(link.earlier_id, []).append(link)
    statuses = latest_statuses(earlier, countries)
    return [
        YearRow(
            objective=each,
            links=links.get(each.pk, []),
            cells=[(country, statuses.get((each.pk, country.pk))) for country in countries],
        )
        for each in earlier
    ]


def earlier_years(objectives, countries=None, published_before=None):
    """For the brief: {objective id: [YearRow, ...]} of the objectives each of
    ``objectives`` directly continues, with the member countries' latest statuses on
    them as published before ``published_before`` (the brief's cut-off); objectives
    continuing nothing are left out. Three queries."""
    countries = list(Country.objects.members()) if countries is None else countries
    links = list(
        ObjectiveLink.objects.filter(objective__in=objectives)
        .select_related("earlier__objective_set")
        .order_by("objective_id", "-earlier__objective_set__year", "earlier__number")
    )
    if not links:
        return {}
    statuses = latest_statuses([link.earlier for link in links], countries, published_before)
    rows = {}
    for link in links:
        rows.setdefault(link.objective_id, []).append(
            YearRow(
                objective=link.earlier,
                links=[link],
                cells=[
                    (country, statuses.get((link.earlier_id, country.pk))) for country in countries
                ],
            )
        )
    return rows


def continues(objective_ref="objective_id"):
    """An expression for a queryset whose rows have an objective (``objective_ref``): the
    earlier objectives it continues, as "2024/5" references joined by ", " (empty when
    none). One subquery in the same statement, so an export stays one query per chunk."""
    reference = Concat(
        Cast("earlier__objective_set__year", CharField()),
        Value("/"),
        Cast("earlier__number", CharField()),
    )
    return Subquery(
        ObjectiveLink.objects.filter(objective_id=OuterRef(objective_ref))
        .order_by()
        .values("objective_id")
        .annotate(references=StringAgg(reference, delimiter=Value(", "), order_by=reference))
        .values("references")[:1]
    )
