"""Charts drawn on the server as inline SVG: pure functions from already-fetched data.

Each function takes data a view has already read and returns plain geometry for a
template include (``templates/includes/chart_*.html``); none of them queries the
database. Colours come from the stylesheet through CSS classes named after the status,
so the Content-Security-Policy (no inline styles) holds and print styles can adjust them.
Every chart is drawn with an equivalent data table for screen readers.
"""

from django.utils.translation import gettext_lazy as _

from commitments.models import ProgressUpdate, period_label

Status = ProgressUpdate.Status

# A cell without any update; a CSS class suffix like the statuses' values.
NO_UPDATE = "none"

# Status is never told by colour alone: each has an icon (the same as in app.css).
ICONS = {
    Status.NOT_STARTED: "○",
    Status.ON_TRACK: "✓",
    Status.AT_RISK: "!",
    Status.OFF_TRACK: "✕",
    Status.COMPLETED: "★",
    NO_UPDATE: "–",
}

DESCRIPTIONS = {
    Status.NOT_STARTED: _("Work has not begun."),
    Status.ON_TRACK: _("Progressing as planned."),
    Status.AT_RISK: _("May miss the objective without attention."),
    Status.OFF_TRACK: _("Will miss the objective unless something changes."),
    Status.COMPLETED: _("The commitment has been met."),
    NO_UPDATE: _("No update has been written yet."),
}


def label_of(status):
    """The translated label of a status value, or of ``NO_UPDATE``."""
    return _("No update") if status == NO_UPDATE else Status(status).label


def legend():
    """Every status with its icon, label and meaning, in the scale's order."""
    return [
        {"key": key, "icon": ICONS[key], "label": label_of(key), "description": DESCRIPTIONS[key]}
        for key in [*Status.values, NO_UPDATE]
    ]


def label_space(labels, minimum):
    """Room for the longest label, at about 8 pixels a character of the chart's text."""
    return max(minimum, 16 + 8 * max((len(str(label)) for label in labels), default=0))


def status_distribution(totals, no_update, *, width=400, value_width=92):
    """Horizontal bars: how many objective–country cells stand at each status.

    ``totals`` is ``[(status, count), ...]`` in the scale's order and ``no_update`` the
    number of cells without any update; both come from the dashboard's matrix.
    """
    entries = [(str(status), count) for status, count in totals] + [(NO_UPDATE, no_update)]
    label_width = label_space([label_of(key) for key, _ in entries], minimum=120)
    total = sum(count for _, count in entries)
    largest = max((count for _, count in entries), default=0)
    bar_height, gap, top = 26, 12, 8
    bar_space = width - label_width - value_width
    bars = []
    for index, (key, count) in enumerate(entries):
        y = top + index * (bar_height + gap)
        length = round(bar_space * count / largest) if largest else 0
        bars.append(
            {
                "key": key,
                "icon": ICONS[key],
                "label": label_of(key),
                "count": count,
                "share": round(100 * count / total) if total else 0,
                "x": label_width,
                "y": y,
                "width": length,
                "height": bar_height,
                "label_x": label_width - 10,
                "value_x": label_width + length + 8,
                "text_y": y + bar_height // 2 + 5,
            }
        )
    height = top * 2 + len(entries) * (bar_height + gap) - gap
    return {
        "width": width,
        "height": height,
        "axis_x": label_width,
        "axis_top": top // 2,
        "axis_bottom": height - top // 2,
        "bars": bars,
        "total": total,
    }


def status_timeline(countries, periods, statuses):
    """One row per country, one tile per reporting period: the status reported for it.

    ``statuses`` maps ``(country_id, period_id)`` to the status of that country's newest
    update for the period; a missing key means no update.
    """
    # Narrow enough that a 360-pixel phone shows the text at a readable size, wide
    # enough for the longest country name in the active language.
    label_width = label_space([country.local_name for country in countries], minimum=90)
    column_width, row_height, header = 70, 48, 32
    tile_width, tile_height = 54, 36
    columns = [
        {
            "label": period_label(period.name),
            "x": label_width + index * column_width + column_width // 2,
        }
        for index, period in enumerate(periods)
    ]
    rows = []
    for row_index, country in enumerate(countries):
        y = header + row_index * row_height
        tiles = []
        for index, period in enumerate(periods):
            key = statuses.get((country.pk, period.pk), NO_UPDATE)
            x = label_width + index * column_width + (column_width - tile_width) // 2
            tiles.append(
                {
                    "key": key,
                    "icon": ICONS[key],
                    "label": label_of(key),
                    "period": period_label(period.name),
                    "x": x,
                    "y": y + (row_height - tile_height) // 2,
                    "width": tile_width,
                    "height": tile_height,
                    "icon_x": x + tile_width // 2,
                    "icon_y": y + row_height // 2 + 7,
                }
            )
        rows.append(
            {
                "label": country.local_name,
                "label_y": y + row_height // 2 + 5,
                "line_y": y + row_height // 2,
                "tiles": tiles,
            }
        )
    width = label_width + max(len(periods), 1) * column_width + 8
    return {
        "width": width,
        "height": header + len(countries) * row_height + 6,
        "label_x": label_width - 12,
        "line_x1": label_width + column_width // 2,
        "line_x2": label_width + max(len(periods) - 1, 0) * column_width + column_width // 2,
        "header_y": header - 12,
        "columns": columns,
        "rows": rows,
    }
