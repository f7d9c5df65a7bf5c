"""Presenting the figures in the reader's language: readable durations, shares and counts,
the charts, and the CSV rows (which stay language-neutral: keys and raw values).

The stored figures carry no words; labels that are the board's own (statuses, months, "No
department") are worded here, when a page is rendered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from flask_babel import format_decimal, format_number, format_percent, gettext, ngettext

from civicboard.csvcells import neutralise
from civicboard.insights.charts import BarChart, MonthChart, bar_chart, month_chart
from civicboard.insights.queries import Figures, Timing
from civicboard.problems.models import STATUS_LABELS, ProblemStatus

CSV_COLUMNS = ["section", "group_id", "group", "metric", "value"]


def format_duration(seconds: int | None) -> str:
    """3 min, 5 hours, 2.5 days (2,5 días); 'no data' when there is nothing to measure."""
    if seconds is None:
        return gettext("no data")
    if seconds < 3600:
        return gettext("%(num)s min", num=format_number(round(seconds / 60)))
    if seconds < 48 * 3600:
        return _hours(seconds / 3600)
    return _days(seconds / 86400)


def _plural_count(value: float) -> int:
    # ngettext needs a whole number: a fraction (1.5 days) takes the form of the next one up.
    return math.ceil(value)


def _hours(value: float) -> str:
    value = round(value, 1)
    text = format_decimal(value, format="#,##0.#")
    return ngettext("%(count)s hour", "%(count)s hours", _plural_count(value), count=text)


def _days(value: float) -> str:
    value = round(value, 1)
    text = format_decimal(value, format="#,##0.#")
    return ngettext("%(count)s day", "%(count)s days", _plural_count(value), count=text)


def format_share(timing: Timing) -> str:
    """'75% (9 of 12)', '75 % (9 de 12)', or 'no data'."""
    share = timing.share_within_target
    if share is None:
        return gettext("no data")
    return gettext(
        "%(share)s (%(count)s of %(total)s)",
        share=format_percent(share),
        count=format_number(timing.within_target),
        total=format_number(timing.eligible),
    )


def status_label(status: str) -> str:
    """A status key ("in_progress") as the reader's language names it."""
    return str(STATUS_LABELS[ProblemStatus(status)])


def group_label(timing: Timing) -> str:
    """A department's or dataset's name; problems no department owns are grouped as 'No department'."""
    return gettext("No department") if timing.key is None else timing.label


def charts(figures: Figures, month_label: Callable[[str], str]) -> dict[str, BarChart | MonthChart]:
    """Every chart on the page, worded in the reader's language (month_label words a 'YYYY-MM')."""
    departments = [t for t in figures.departments if t.first_response_p50 is not None]
    return {
        "status": bar_chart(
            "chart-status",
            gettext("Problems by status"),
            [(status_label(row.status), row.count, format_number(row.count)) for row in figures.statuses],
            ngettext(
                "%(count)s visible problem.",
                "%(count)s visible problems.",
                figures.total,
                count=format_number(figures.total),
            ),
        ),
        "months": month_chart(
            "chart-months",
            gettext("New and resolved problems per month"),
            [(month_label(m.month), m.new, m.resolved) for m in figures.months],
            gettext("Problems proposed and problems resolved in each of the last 12 months."),
        ),
        "departments": bar_chart(
            "chart-departments",
            gettext("Median time to a first official response, by department"),
            [(group_label(t), t.first_response_p50 or 0, format_duration(t.first_response_p50)) for t in departments],
            gettext("Shorter bars are faster answers."),
        ),
        "demand": bar_chart(
            "chart-demand",
            gettext("Datasets with the most demand"),
            [
                (
                    row.title,
                    row.demand,
                    ngettext("%(count)s vote", "%(count)s votes", row.demand, count=format_number(row.demand)),
                )
                for row in figures.demand
            ],
            gettext("Votes on open problems tied to each dataset."),
        ),
    }


def _timing_rows(section: str, timing: Timing) -> Iterator[list[Any]]:
    share = timing.share_within_target
    for metric, value in (
        ("problems", timing.problems),
        ("answered", timing.answered),
        ("first_response_median_seconds", timing.first_response_p50),
        ("first_response_p90_seconds", timing.first_response_p90),
        ("resolved", timing.resolved),
        ("resolution_median_seconds", timing.resolution_p50),
        ("resolution_p90_seconds", timing.resolution_p90),
        ("eligible_for_target", timing.eligible),
        ("answered_within_target", timing.within_target),
        ("share_answered_within_target", None if share is None else round(share, 4)),
    ):
        yield [section, "" if timing.key is None else timing.key, timing.label, metric, "" if value is None else value]


def csv_rows(figures: Figures) -> Iterator[list[Any]]:
    """The figures in long form: section, group id, group, metric, value (empty when no data)."""
    yield ["settings", "", "", "target_days", figures.target_days]
    for row in figures.statuses:
        yield ["status", "", row.status, "problems", row.count]
    rows: list[list[Any]] = list(_timing_rows("overall", figures.overall))
    for timing in figures.departments:
        rows += _timing_rows("department", timing)
    for timing in figures.datasets:
        rows += _timing_rows("dataset", timing)
    for month in figures.months:
        rows.append(["month", "", month.month, "new", month.new])
        rows.append(["month", "", month.month, "resolved", month.resolved])
    for row in figures.demand:
        rows.append(["demand", row.id, row.title, "demand", row.demand])
    for row in rows:
        yield [neutralise(cell) for cell in row]
