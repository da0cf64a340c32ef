"""Indicator charts drawn on the server as inline SVG, like commitments/charts.py: pure
geometry from series already read (``indicators.CountrySeries``), no query. One small
chart per country: its published value in each period as a line of points, its target
as a dashed line and its baseline as a dotted one. The numbers on the chart are written
as the reader's language writes them; the table beside the chart gives every value."""

from decimal import Decimal

from django.utils.translation import gettext

from commitments.figures import display

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 72, 48, 16, 30


def _scale(low, high):
    """The axis's bounds: from zero (or the lowest negative value) to a little above the
    highest value, target and baseline."""
    low = min(low, Decimal(0))
    if high <= low:
        high = low + 1
    return low, high + (high - low) / 10


def country_chart(indicator, periods, row):
    """The geometry of one country's chart of ``indicator`` over ``periods``."""
    target = row.target.target if row.target and row.target.target is not None else None
    baseline = row.target.baseline if row.target and row.target.baseline is not None else None
    known = [value for value in row.values if value is not None]
    marks = [*known, *(v for v in (target, baseline) if v is not None)]
    low, high = _scale(min(marks, default=Decimal(0)), max(marks, default=Decimal(1)))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(periods) - 1, 1)

    def y_of(value):
        return round(TOP + plot_height * float((high - value) / (high - low)), 1)

    def x_of(index):
        return round(LEFT + (step * index if len(periods) > 1 else plot_width / 2), 1)

    points = [
        {
            "x": x_of(index),
            "y": y_of(value),
            "label": gettext("%(period)s: %(value)s")
            % {"period": period.name, "value": display(value)},
        }
        for index, (period, value) in enumerate(zip(periods, row.values, strict=True))
        if value is not None
    ]
    # Lines join consecutive periods only: a period without a value breaks the line.
    segments = []
    previous = None
    for index, value in enumerate(row.values):
        if value is not None and previous is not None and previous[0] == index - 1:
            segments.append(
                {"x1": x_of(index - 1), "y1": previous[1], "x2": x_of(index), "y2": y_of(value)}
            )
        previous = (index, y_of(value)) if value is not None else None
    ticks = [
        {
            "y": y_of(value),
            "label": display(value.quantize(Decimal(1)) if abs(value) >= 10 else value),
        }
        for value in (low, (low + high) / 2, high)
    ]
    return {
        "country": row.country,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "ticks": ticks,
        "tick_x": LEFT - 6,
        "columns": [
            {"x": x_of(index), "label": period.name, "y": HEIGHT - 10}
            for index, period in enumerate(periods)
        ],
        "points": points,
        "segments": segments,
        "target": (
            {"y": y_of(target), "label": gettext("Target %(value)s") % {"value": display(target)}}
            if target is not None
            else None
        ),
        "baseline": (
            {
                "y": y_of(baseline),
                "label": gettext("Baseline %(value)s") % {"value": display(baseline)},
            }
            if baseline is not None
            else None
        ),
    }
