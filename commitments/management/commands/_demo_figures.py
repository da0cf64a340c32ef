"""The demo's figures (load_demo): indicators on three 2024 objectives (naloxone kits
distributed, people reached by prevention programmes, precursor chemicals seized) and a
rate that is never added up, each member country's baseline and target, a value in every
quarterly report, and milestones, all met in a published report but one, overdue.

Invented numbers, like the demo narratives: they are of the right order for each country,
never official statistics. Idempotent: nothing is created twice.
"""

import datetime
from decimal import Decimal

from commitments.models import (
    Country,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    MilestoneMet,
    ObjectiveSet,
    ProgressUpdate,
)

# objective number, indicator number, direction, additive, decimals,
# (name, definition, unit) in English, Spanish and French,
# per country: (baseline, its year, target for the last quarter of 2024), quarterly
# figures like the values
INDICATORS = [
    (
        1,
        1,
        Indicator.Direction.HIGHER,
        True,
        0,
        (
            "Naloxone kits distributed",
            "Take-home naloxone kits handed out to the public through pharmacies, "
            "harm-reduction sites and emergency departments in the quarter.",
            "kits",
        ),
        (
            "Kits de naloxona distribuidos",
            "Kits de naloxona para llevar entregados al público en farmacias, centros de "
            "reducción de daños y servicios de urgencias en el trimestre.",
            "kits",
        ),
        (
            "Trousses de naloxone distribuées",
            "Trousses de naloxone à emporter remises au public par les pharmacies, les "
            "sites de réduction des méfaits et les urgences au cours du trimestre.",
            "trousses",
        ),
        {"CA": (12060, 2023, 15000), "MX": (800, 2023, 2000), "US": (103000, 2023, 125000)},
    ),
    (
        1,
        2,
        Indicator.Direction.LOWER,
        False,
        1,
        (
            "Opioid overdose deaths per 100,000 people",
            "Deaths attributed to opioid toxicity in the quarter, per 100,000 residents, "
            "annualised.",
            "deaths per 100,000",
        ),
        (
            "Muertes por sobredosis de opioides por cada 100.000 habitantes",
            "Muertes atribuidas a la toxicidad de opioides en el trimestre, por cada "
            "100.000 habitantes, anualizadas.",
            "muertes por cada 100.000",
        ),
        (
            "Décès par surdose d'opioïdes pour 100 000 habitants",
            "Décès attribués à la toxicité des opioïdes au cours du trimestre, pour "
            "100 000 habitants, annualisés.",
            "décès pour 100 000",
        ),
        {"CA": (21.0, 2023, 17.5), "MX": (1.4, 2023, 1.2), "US": (24.7, 2023, 21.0)},
    ),
    (
        2,
        1,
        Indicator.Direction.HIGHER,
        True,
        0,
        (
            "People reached by prevention programmes",
            "People who took part in school, family or community prevention programmes "
            "funded or run by the government in the quarter.",
            "people",
        ),
        (
            "Personas alcanzadas por programas de prevención",
            "Personas que participaron en programas de prevención escolares, familiares o "
            "comunitarios financiados o dirigidos por el gobierno en el trimestre.",
            "personas",
        ),
        (
            "Personnes rejointes par les programmes de prévention",
            "Personnes ayant participé à des programmes de prévention scolaires, familiaux "
            "ou communautaires financés ou menés par le gouvernement au cours du trimestre.",
            "personnes",
        ),
        {
            "CA": (152000, 2023, 200000),
            "MX": (880000, 2023, 1200000),
            "US": (2100000, 2023, 2500000),
        },
    ),
    (
        8,
        1,
        Indicator.Direction.HIGHER,
        True,
        0,
        (
            "Precursor chemicals seized",
            "Fentanyl and methamphetamine precursor chemicals seized at ports of entry and "
            "inland in the quarter, by weight.",
            "kilograms",
        ),
        (
            "Precursores químicos asegurados",
            "Precursores químicos de fentanilo y metanfetamina asegurados en puntos de "
            "entrada y en el interior del país en el trimestre, en peso.",
            "kilogramos",
        ),
        (
            "Précurseurs chimiques saisis",
            "Précurseurs chimiques du fentanyl et de la méthamphétamine saisis aux points "
            "d'entrée et à l'intérieur du pays au cours du trimestre, en poids.",
            "kilogrammes",
        ),
        {"CA": (290, 2023, 400), "MX": (2350, 2023, 3500), "US": (1575, 2023, 2000)},
    ),
]

# Canada counts its naloxone kits by fiscal year (April to March): its national note.
NOTES = {
    (1, 1, "CA"): "Quarterly figures follow the federal fiscal year (April to March).",
    (8, 1, "MX"): "Includes chemicals seized by the Navy at maritime ports.",
}

# objective number, country, title, due date, owner, quarter it is met in (None: not met)
MILESTONES = [
    (1, "CA", "Naloxone in every provincial pharmacy formulary", "2024-06-30", "Health Canada", 1),
    (1, "CA", "Drug-checking services funded in 10 cities", "2024-09-30", "Health Canada", 2),
    (1, "MX", "National overdose surveillance protocol published", "2024-06-30", "CONASAMA", 2),
    (1, "US", "Over-the-counter naloxone on sale nationwide", "2024-03-31", "FDA", 0),
    (1, "US", "Overdose data shared monthly with CDC", "2024-09-30", "HHS", 2),
    # Overdue: not met in any published report, its date long past.
    (8, "MX", "Joint precursor-tracing protocol signed", "2024-09-30", "FGR", None),
    (8, "CA", "Precursor import licences checked at the border", "2024-06-30", "CBSA", 1),
    (8, "US", "Precursor alerts exchanged with Mexico each month", "2024-06-30", "DEA", 1),
]


def create_indicators():
    """The 2024 indicators (in three languages), once."""
    objective_set = ObjectiveSet.objects.filter(year=2024).first()
    if objective_set is None:
        return {}
    objectives = {objective.number: objective for objective in objective_set.objectives.all()}
    found = {}
    for number, position, direction, additive, _decimals, en, es, fr, _targets in INDICATORS:
        indicator, _ = Indicator.objects.get_or_create(
            objective=objectives[number],
            number=position,
            defaults={
                "name": en[0],
                "definition": en[1],
                "unit": en[2],
                "name_es": es[0],
                "definition_es": es[1],
                "unit_es": es[2],
                "name_fr": fr[0],
                "definition_fr": fr[1],
                "unit_fr": fr[2],
                "direction": direction,
                "additive": additive,
            },
        )
        found[(number, position)] = indicator
    return found


def create_plans(users):
    """Each member country's baselines, targets and milestones on the 2024 indicators."""
    indicators = create_indicators()
    if not indicators:
        return
    countries = {country.code: country for country in Country.objects.members()}
    officials = {code: users[f"official-{code.lower()}"] for code in countries}
    target_date = datetime.date(2024, 12, 31)
    for number, position, *_texts, targets in INDICATORS:
        indicator = indicators[(number, position)]
        for code, (baseline, year, target) in targets.items():
            IndicatorTarget.objects.get_or_create(
                indicator=indicator,
                country=countries[code],
                defaults={
                    "baseline": Decimal(str(baseline)),
                    "baseline_year": year,
                    "target": Decimal(str(target)),
                    "target_date": target_date,
                    "note": NOTES.get((number, position, code), ""),
                    "updated_by": officials[code],
                },
            )
    objectives = {
        indicator.objective.number: indicator.objective for indicator in indicators.values()
    }
    for number, code, title, due, owner, _quarter in MILESTONES:
        Milestone.objects.get_or_create(
            objective=objectives[number],
            country=countries[code],
            title=title,
            defaults={"due_on": datetime.date.fromisoformat(due), "owner": owner},
        )


def value_for(number, position, code, quarter):
    """A plausible quarterly value: from the baseline towards the target, quarter by
    quarter, not always in a straight line."""
    for objective, index, _direction, _additive, decimals, *_texts, targets in INDICATORS:
        if (objective, index) != (number, position):
            continue
        baseline, _year, target = targets[code]
        share = (quarter + 1) / 4
        value = baseline + (target - baseline) * share * (
            0.9 + 0.05 * ((quarter * 7 + len(code)) % 4)
        )
        return Decimal(str(round(value, decimals)))
    return None


def add_values(updates):
    """A value of each indicator of the update's objective, for its quarter, and the
    milestones met in it, on every demo update of the 2024 set that has none yet; before
    the updates' history is written (load_demo), so that their first entry records them."""
    indicators = {}
    for indicator in Indicator.objects.filter(objective__objective_set__year=2024):
        indicators.setdefault(indicator.objective_id, []).append(indicator)
    updates = [
        update
        for update in updates
        if update.objective_id in indicators and not update.entered_on_behalf
    ]
    if not updates:
        return
    have = set(
        IndicatorValue.objects.filter(update__in=updates).values_list("update_id", flat=True)
    )
    milestones = {
        (m.objective_id, m.country_id, m.title): m
        for m in Milestone.objects.filter(objective__in=list(indicators))
    }
    values, marks = [], []
    for update in updates:
        if update.pk in have:
            continue
        period = update.period
        quarter = (period.starts_on.month - 1) // 3
        code = update.country.code
        number = update.objective.number
        for indicator in indicators[update.objective_id]:
            value = value_for(number, indicator.number, code, quarter)
            if value is not None:
                values.append(IndicatorValue(update=update, indicator=indicator, value=value))
        if update.state != ProgressUpdate.State.PUBLISHED:
            continue
        for objective_number, country, title, _due, _owner, met in MILESTONES:
            if (objective_number, country, met) == (number, code, quarter):
                milestone = milestones.get((update.objective_id, update.country_id, title))
                if milestone is not None:
                    marks.append(MilestoneMet(update=update, milestone=milestone))
    IndicatorValue.objects.bulk_create(values)
    MilestoneMet.objects.bulk_create(marks, ignore_conflicts=True)
