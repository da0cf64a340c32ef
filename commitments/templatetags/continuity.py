"""``{% earlier_years brief objective as rows %}``: the brief's "earlier years" of one of
its objectives, read for all of the brief's objectives at once (continuity.earlier_years,
a fixed number of queries) the first time the brief asks."""

from django import template

from commitments import continuity, snapshots

register = template.Library()


@register.simple_tag
def earlier_years(brief, objective):
    found = getattr(brief, "_earlier_years", None)
    if found is None:
        found = continuity.earlier_years(
            [row[0] for row in brief.rows],
            # The brief's own countries, not read again.
            [cell.country for cell in brief.rows[0][1]] if brief.rows else [],
            published_before=snapshots.end_of(brief.cutoff),
        )
        brief._earlier_years = found
    return found.get(objective.pk, [])
