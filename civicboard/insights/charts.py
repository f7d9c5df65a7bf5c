"""Geometry for server-rendered SVG bar charts; templates/insights/_chart.html draws them.

Charts are horizontal bars, one row per item: the label above its bar and the value written
beside it, so no meaning rests on colour and the chart scales down to a narrow screen. Each
chart carries a <title> and a <desc> that reads out every value; the page shows the same
figures in a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_number, gettext

WIDTH = 400
PADDING = 8
ROW_HEIGHT = 52
BAR_HEIGHT = 20
LABEL_CHARS = 44
# Room right of the longest bar for its value label.
VALUE_ROOM = 110


@dataclass
class Bar:
    """One row: its label, its bar and its value label, in SVG user units."""

    label: str
    display: str
    label_y: int
    bar_y: int
    width: float
    value_x: float


@dataclass
class BarChart:
    """A chart ready to draw."""

    id: str
    title: str
    description: str
    width: int = WIDTH
    height: int = 0
    bar_x: int = PADDING
    bar_height: int = BAR_HEIGHT
    bars: list[Bar] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bars


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float, str]], summary: str = "") -> BarChart:
    """A horizontal bar chart of (label, value, value as shown) rows, bars scaled to the largest."""
    longest = max((value for _, value, _ in rows), default=0) or 1
    room = WIDTH - 2 * PADDING - VALUE_ROOM
    bars = []
    for index, (label, value, display) in enumerate(rows):
        top = PADDING + index * ROW_HEIGHT
        # A non-zero value always gets a visible sliver, a zero none.
        width = round(max(value / longest * room, 2), 1) if value > 0 else 0
        bars.append(
            Bar(
                label=_short(label),
                display=display,
                label_y=top + 16,
                bar_y=top + 24,
                width=width,
                value_x=round(PADDING + width + 8, 1),
            )
        )
    readout = "; ".join(f"{label}: {display}" for label, _, display in rows)
    description = " ".join(part for part in (summary, readout + "." if readout else gettext("No data yet.")) if part)
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        height=PADDING * 2 + max(len(rows), 1) * ROW_HEIGHT,
        bars=bars,
    )


# -- Months: one chart, a pair of columns (new, resolved) per month ------------------------------
MONTH_WIDTH = 400
MONTH_PLOT_TOP = 34  # room for the legend
MONTH_PLOT_HEIGHT = 150
MONTH_AXIS_ROOM = 40  # month and year labels under the columns
MONTH_SIDE = 4


@dataclass
class Column:
    """One column of a month's pair, with its value written above it when not zero."""

    x: float
    y: float
    width: float
    height: float
    value: int
    text_y: float


@dataclass
class MonthGroup:
    """A month's two columns and its label under them (the year under January and the first)."""

    label: str
    year: str
    center: float
    new: Column
    resolved: Column


@dataclass
class MonthChart:
    """New and resolved problems per month, as grouped columns."""

    id: str
    title: str
    description: str
    width: int = MONTH_WIDTH
    height: int = MONTH_PLOT_TOP + MONTH_PLOT_HEIGHT + MONTH_AXIS_ROOM
    baseline: int = MONTH_PLOT_TOP + MONTH_PLOT_HEIGHT
    groups: list[MonthGroup] = field(default_factory=list)


def month_chart(chart_id: str, title: str, months: list[tuple[str, int, int]], summary: str = "") -> MonthChart:
    """Grouped columns of (label 'Mar 2026', new, resolved) rows, scaled to the largest count.

    The label is the month then the year, as the reader's language abbreviates them."""
    largest = max((max(new, resolved) for _, new, resolved in months), default=0) or 1
    slot = (MONTH_WIDTH - 2 * MONTH_SIDE) / max(len(months), 1)
    column = slot * 0.36
    baseline = MONTH_PLOT_TOP + MONTH_PLOT_HEIGHT
    room = MONTH_PLOT_HEIGHT - 18  # the value label sits above the tallest column

    def make(x: float, value: int) -> Column:
        height = round(value / largest * room, 1) if value else 0
        if value and height < 2:
            height = 2
        return Column(
            x=round(x, 1),
            y=round(baseline - height, 1),
            width=round(column, 1),
            height=height,
            value=value,
            text_y=round(baseline - height - 4, 1),
        )

    groups = []
    previous_year = None
    for index, (label, new, resolved) in enumerate(months):
        left = MONTH_SIDE + index * slot
        center = left + slot / 2
        month, _, year = label.partition(" ")
        groups.append(
            MonthGroup(
                label=month,
                year=year if year != previous_year else "",
                center=round(center, 1),
                new=make(center - column - 1, new),
                resolved=make(center + 1, resolved),
            )
        )
        previous_year = year
    readout = "; ".join(
        gettext(
            "%(month)s: %(new)s new, %(resolved)s resolved",
            month=label,
            new=format_number(new),
            resolved=format_number(resolved),
        )
        for label, new, resolved in months
    )
    description = " ".join(part for part in (summary, readout + "." if readout else gettext("No data yet.")) if part)
    return MonthChart(id=chart_id, title=title, description=description, groups=groups)
