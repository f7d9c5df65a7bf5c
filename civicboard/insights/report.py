"""Presenting the figures: readable durations and shares, the charts, and the CSV rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civicboard.csvcells import neutralise
from civicboard.insights.charts import BarChart, MonthChart, bar_chart, month_chart
from civicboard.insights.queries import Figures, Timing

CSV_COLUMNS = ["section", "group_id", "group", "metric", "value"]


def format_duration(seconds: int | None) -> str:
    """3 min, 5 hours, 2.5 days; 'no data' when there is nothing to measure."""
    if seconds is None:
        return "no data"
    if seconds < 3600:
        minutes = round(seconds / 60)
        return f"{minutes} min"
    if seconds < 48 * 3600:
        return _unit(seconds / 3600, "hour")
    return _unit(seconds / 86400, "day")


def _unit(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}{'' if text == '1' else 's'}"


def format_share(timing: Timing) -> str:
    """'75% (9 of 12)', or 'no data'."""
    share = timing.share_within_target
    if share is None:
        return "no data"
    return f"{round(share * 100)}% ({timing.within_target} of {timing.eligible})"


def charts(figures: Figures) -> dict[str, BarChart | MonthChart]:
    """Every chart on the page."""
    departments = [t for t in figures.departments if t.first_response_p50 is not None]
    return {
        "status": bar_chart(
            "chart-status",
            "Problems by status",
            [(row.label, row.count, str(row.count)) for row in figures.statuses],
            f"{figures.total} visible problems.",
        ),
        "months": month_chart(
            "chart-months",
            "New and resolved problems per month",
            [(m.label, m.new, m.resolved) for m in figures.months],
            "Problems proposed and problems resolved in each of the last 12 months.",
        ),
        "departments": bar_chart(
            "chart-departments",
            "Median time to a first official response, by department",
            [(t.label, t.first_response_p50 or 0, format_duration(t.first_response_p50)) for t in departments],
            "Shorter bars are faster answers.",
        ),
        "demand": bar_chart(
            "chart-demand",
            "Datasets with the most demand",
            [(row.title, row.demand, f"{row.demand} votes") for row in figures.demand],
            "Votes on open problems tied to each dataset.",
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
