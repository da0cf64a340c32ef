"""An objective's indicators as the pages show them: each country's published value per
reporting period, its baseline and target, totals where values may be added; and the
officials' setting of their country's baseline, target and definition note (audited).

A country's value for a period is the one carried by its newest published update of that
period that gives one (the same rule as a cell's status: a correction filed later
replaces the period's value). Each value is one index probe (``VALUES_SQL``): pages cost
the same at ten thousand updates and at a million.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from commitments import audit, figures, indicator_charts, policy
from commitments.models import Indicator, IndicatorTarget, ReportingPeriod

TARGET_FIELDS = ("baseline", "baseline_year", "target", "target_date", "note")

# For each (indicator, objective, period) × country: the value of the newest published
# update of the cell and period that gives the indicator one (upd_period_cell_latest, then
# the value's unique index), published by %(before)s when given.
VALUES_SQL = """
SELECT cell.indicator_id, country.id, cell.period_id, found.value
FROM unnest(%(indicators)s::bigint[], %(objectives)s::bigint[], %(periods)s::bigint[])
    AS cell (indicator_id, objective_id, period_id)
CROSS JOIN unnest(%(countries)s::bigint[]) AS country (id)
JOIN LATERAL (
    SELECT v.value FROM commitments_progressupdate u
    JOIN commitments_indicatorvalue v ON v.update_id = u.id AND v.indicator_id = cell.indicator_id
    WHERE u.period_id = cell.period_id
      AND u.objective_id = cell.objective_id AND u.country_id = country.id
      AND u.state = 'published'
      AND (%(before)s::timestamptz IS NULL OR u.published_at < %(before)s::timestamptz)
    ORDER BY u.created_at DESC, u.id DESC LIMIT 1
) found ON TRUE
"""


def published_values(indicators, countries, periods_of, published_before=None):
    """``{(indicator id, country id, period id): Decimal}``: each country's published value
    of each indicator in each period of its objective's set (``periods_of(indicator)``
    lists them). One query."""
    cells = [(indicator, period) for indicator in indicators for period in periods_of(indicator)]
    if not cells or not countries:
        return {}
    params = {
        "indicators": [indicator.pk for indicator, _ in cells],
        "objectives": [indicator.objective_id for indicator, _ in cells],
        "periods": [period.pk for _, period in cells],
        "countries": [country.pk for country in countries],
        "before": published_before,
    }
    with connection.cursor() as cursor:
        cursor.execute(VALUES_SQL, params)
        return {(i, c, p): value for i, c, p, value in cursor.fetchall()}


@dataclass
class CountrySeries:
    """One country's line of an indicator: its values by period, baseline and target."""

    country: object
    values: list  # one per period, None where nothing is published
    target: IndicatorTarget | None

    @property
    def latest(self):
        """``(period index, value)`` of the latest period with a value, or None."""
        for index in range(len(self.values) - 1, -1, -1):
            if self.values[index] is not None:
                return index, self.values[index]
        return None


@dataclass
class IndicatorSeries:
    """An indicator of an objective over the periods of its set, country by country."""

    indicator: Indicator
    periods: list
    rows: list = field(default_factory=list)  # CountrySeries

    @property
    def totals(self):
        """Per period, ``(sum, countries counted)`` where values may be added; else []."""
        if not self.indicator.additive:
            return []
        totals = []
        for index in range(len(self.periods)):
            given = [row.values[index] for row in self.rows if row.values[index] is not None]
            totals.append((sum(given, Decimal(0)) if given else None, len(given)))
        return totals

    @property
    def target_total(self):
        """The sum of the countries' targets, where values may be added and each has one."""
        if not self.indicator.additive or not self.rows:
            return None
        targets = [row.target.target if row.target else None for row in self.rows]
        if any(target is None for target in targets):
            return None
        return sum(targets, Decimal(0))

    @property
    def charts(self):
        """One small chart per country (indicator_charts.country_chart)."""
        return [
            indicator_charts.country_chart(self.indicator, self.periods, row) for row in self.rows
        ]


def of_objective(objective, countries, periods=None, published_before=None):
    """Every indicator of ``objective`` with each country's series over the periods of its
    set (three queries: indicators, targets, values; the periods if not given)."""
    indicators = list(objective.indicators.order_by("number"))
    if not indicators:
        return []
    if periods is None:
        periods = list(objective.objective_set.periods.order_by("starts_on"))
    targets = {
        (target.indicator_id, target.country_id): target
        for target in IndicatorTarget.objects.filter(indicator__in=indicators)
    }
    values = published_values(indicators, countries, lambda indicator: periods, published_before)
    return [
        IndicatorSeries(
            indicator=indicator,
            periods=periods,
            rows=[
                CountrySeries(
                    country=country,
                    values=[
                        values.get((indicator.pk, country.pk, period.pk)) for period in periods
                    ],
                    target=targets.get((indicator.pk, country.pk)),
                )
                for country in countries
            ],
        )
        for indicator in indicators
    ]


def of_objectives(objectives, countries, published_before=None):
    """``{objective id: [IndicatorSeries]}`` for many objectives at once (the brief): four
    queries whatever their number."""
    objectives = list(objectives)
    indicators = list(
        Indicator.objects.filter(objective__in=[objective.pk for objective in objectives])
        .select_related("objective__objective_set")
        .order_by("objective_id", "number")
    )
    if not indicators:
        return {}
    set_ids = {indicator.objective.objective_set_id for indicator in indicators}
    periods = {}
    for period in ReportingPeriod.objects.filter(objective_set__in=set_ids).order_by("starts_on"):
        periods.setdefault(period.objective_set_id, []).append(period)
    targets = {
        (target.indicator_id, target.country_id): target
        for target in IndicatorTarget.objects.filter(indicator__in=indicators)
    }
    values = published_values(
        indicators,
        countries,
        lambda indicator: periods.get(indicator.objective.objective_set_id, []),
        published_before,
    )
    found = {}
    for indicator in indicators:
        of_set = periods.get(indicator.objective.objective_set_id, [])
        found.setdefault(indicator.objective_id, []).append(
            IndicatorSeries(
                indicator=indicator,
                periods=of_set,
                rows=[
                    CountrySeries(
                        country=country,
                        values=[values.get((indicator.pk, country.pk, p.pk)) for p in of_set],
                        target=targets.get((indicator.pk, country.pk)),
                    )
                    for country in countries
                ],
            )
        )
    return found


def export_columns():
    """The indicators whose values the updates' exports give, one column each: every
    indicator, by year, objective and number (a few dozen at most)."""
    return list(
        Indicator.objects.select_related("objective__objective_set").order_by(
            "objective__objective_set__year", "objective__number", "number"
        )
    )


def export_heading(indicator):
    """An indicator's column in the exports: "2024 · 1.1 Naloxone kits distributed (kits)"."""
    objective = indicator.objective
    return (
        f"{objective.objective_set.year} · {objective.number}.{indicator.number} "
        f"{indicator.local_name} ({indicator.local_unit})"
    )


def export_number(value):
    """A value as a number cell: a whole number as an integer, else a float; empty for none."""
    if value is None:
        return ""
    return int(value) if value == value.to_integral() else float(value)


def _recorded(target):
    return {
        "baseline": figures.audit_value(target.baseline),
        "baseline_year": target.baseline_year,
        "target": figures.audit_value(target.target),
        "target_date": target.target_date.isoformat() if target.target_date else None,
        "note": target.note,
    }


def set_target(*, actor, indicator, country, **values):
    """One of the country's officials sets its baseline (with its year), target (with its
    date) and national definition note for ``indicator``; the model refuses a baseline
    after its target. Audited with each changed value; nothing is saved on refusal."""
    unknown = set(values) - set(TARGET_FIELDS)
    if unknown:
        raise ValueError(f"Not a target's field: {sorted(unknown)}")
    policy.may_plan_for.check(actor, indicator.objective, country)
    with transaction.atomic():
        target = (
            IndicatorTarget.objects.select_for_update()
            .filter(indicator=indicator, country=country)
            .first()
        )
        before = _recorded(target) if target else dict.fromkeys(TARGET_FIELDS)
        if target is None:
            target = IndicatorTarget(indicator=indicator, country=country)
        for name, value in values.items():
            setattr(target, name, value)
        target.updated_by = actor
        target.updated_at = timezone.now()
        target.full_clean(exclude=["indicator", "country", "updated_by"])
        target.save()
        after = _recorded(target)
        changes = {
            name: [before[name], after[name]]
            for name in TARGET_FIELDS
            if before[name] != after[name]
        }
        audit.record(
            actor=actor, action=audit.Action.INDICATOR_TARGET_SET, target=target, changes=changes
        )
    return target
