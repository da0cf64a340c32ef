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


# Room for text: about three quarters of the type size a character, an icon as two. Enough
# for every label in the three languages with WCAG 1.4.12's text-spacing override applied
# (letter spacing 0.12 em, word spacing 0.16 em), so no label is clipped at the drawing's
# edge or runs into its neighbour (tests/browser/test_reflow_and_focus.py measures it).
EM_PER_CHARACTER = 0.75
WIDE_CHARACTERS = set(ICONS.values())


def text_width(text, size):
    """The width, in pixels, to keep for ``text`` at ``size`` pixels."""
    characters = sum(2 if character in WIDE_CHARACTERS else 1 for character in str(text))
    return round(size * EM_PER_CHARACTER * characters)


def label_space(labels, size=15, minimum=0):
    """Room for the longest of ``labels``."""
    return max(minimum, max((text_width(label, size) for label in labels), default=0))


def two_lines(label):
    """A column's label on two lines, split at its last space ("2024 Q4": "2024", "Q4")."""
    first, _, last = str(label).rpartition(" ")
    return [first, last] if first else [last]


def status_distribution(totals, no_update, *, minimum_width=320):
    """Horizontal bars: how many objective–country cells stand at each status.

    ``totals`` is ``[(status, count), ...]`` in the scale's order and ``no_update`` the
    number of cells without any update; both come from the dashboard's matrix. Each
    status's label sits on its own line above its bar, so the drawing stays narrow on a
    phone and a long label ("Aucune mise à jour") never squeezes the bars.
    """
    entries = [(str(status), count) for status, count in totals] + [(NO_UPDATE, no_update)]
    total = sum(count for _, count in entries)
    largest = max((count for _, count in entries), default=0)
    shares = [round(100 * count / total) if total else 0 for _, count in entries]
    values = [f"{count} ({share}%)" for (_, count), share in zip(entries, shares, strict=True)]
    labels = [f"{ICONS[key]} {label_of(key)}" for key, _ in entries]
    value_width = label_space(values, size=17) + 8  # bold figures: a size larger
    width = max(minimum_width, label_space(labels) + 4, 120 + value_width)
    bar_space = width - value_width - 2
    line, bar_height, gap, top = 22, 22, 12, 4
    step = line + bar_height + gap
    bars = []
    for index, ((key, count), share, label) in enumerate(zip(entries, shares, labels, strict=True)):
        y = top + index * step + line
        length = round(bar_space * count / largest) if largest else 0
        bars.append(
            {
                "key": key,
                "icon": ICONS[key],
                "label": label_of(key),
                "text": label,
                "count": count,
                "share": share,
                "x": 1,
                "y": y,
                "width": length,
                "height": bar_height,
                "label_y": y - 6,
                "axis_bottom": y + bar_height,
                "value_x": 1 + length + 8,
                "text_y": y + bar_height // 2 + 5,
            }
        )
    height = top * 2 + len(entries) * step - gap
    return {
        "width": width,
        "height": height,
        "axis_x": 1,
        "bars": bars,
        "total": total,
    }


def status_timeline(countries, periods, statuses):
    """One row per country, one tile per reporting period: the status reported for it.

    ``statuses`` maps ``(country_id, period_id)`` to the status of that country's newest
    update for the period; a missing key means no update. Each period's label is drawn
    on two lines, each column as wide as its longest line needs.
    """
    label_width = label_space([country.local_name for country in countries], minimum=60) + 16
    column_lines = [two_lines(period_label(period.name)) for period in periods]
    column_width = max([70] + [label_space(lines, size=13) + 12 for lines in column_lines])
    row_height, header = 48, 44
    tile_width, tile_height = 54, 36
    columns = [
        {
            "label": period_label(period.name),
            "lines": lines,
            "x": label_width + index * column_width + column_width // 2,
        }
        for index, (period, lines) in enumerate(zip(periods, column_lines, strict=True))
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
        "header_y": 16,
        "columns": columns,
        "rows": rows,
    }
