"""Indicator values and milestones in templates: ``{{ value|figure }}`` writes a number as
the reader's language does; ``{% brief_figures brief objective as found %}`` and
``{% cell_milestones source objective country as found %}`` read what a brief or a matrix
shows for all of its objectives at once (a fixed number of queries) the first time a
cell asks, and keep it on the brief or the page's matrix."""

from django import template

from commitments import figures, indicators, milestones, snapshots

register = template.Library()


@register.filter
def figure(value):
    return figures.display(value)


@register.simple_tag
def brief_figures(brief, objective):
    """``{"indicators": [IndicatorSeries], "milestones": [(country, CellMilestones)]}`` of
    one of the brief's objectives, as published by its cut-off."""
    found = getattr(brief, "_figures", None)
    if found is None:
        objectives = [row[0] for row in brief.rows]
        countries = [cell.country for cell in brief.rows[0][1]] if brief.rows else []
        before = snapshots.end_of(brief.cutoff)
        found = {
            "indicators": indicators.of_objectives(objectives, countries, published_before=before),
            "milestones": milestones.by_cell(
                objectives, countries, today=brief.cutoff, published_before=before
            ),
            "countries": countries,
        }
        brief._figures = found
    cells = found["milestones"]
    return {
        "indicators": found["indicators"].get(objective.pk, []),
        "milestones": [
            (country, cells[(objective.pk, country.pk)])
            for country in found["countries"]
            if (objective.pk, country.pk) in cells
        ],
    }


@register.simple_tag
def cell_milestones(source, objective, country):
    """The milestones of one cell of a matrix (the dashboard's overview, a country's
    page): read for every cell of ``source`` at once."""
    found = getattr(source, "_milestones", None)
    if found is None:
        objectives = getattr(source, "objectives", None)
        if objectives is None:
            objectives = source.frame.objectives
        countries = getattr(source, "countries", None) or [source.country]
        found = milestones.by_cell(objectives, countries)
        source._milestones = found
    return found.get((objective.pk, country.pk))
