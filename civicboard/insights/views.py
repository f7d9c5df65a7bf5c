"""The outcomes dashboard, /insights, and its figures as CSV, /insights.csv."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template

from civicboard.insights import cache, queries, report
from civicboard.timeutil import utcnow

bp = Blueprint("insights", __name__)
bp.record_once(lambda state: cache.init_app(state.app))


def current_figures() -> queries.Figures:
    """The figures, computed at most once per INSIGHTS_CACHE_SECONDS (shared through Redis)."""
    target_days = int(current_app.config["INSIGHTS_TARGET_DAYS"])
    return cache.cached(f"insights:figures:{target_days}", lambda: queries.compute(utcnow(), target_days))


@bp.get("/insights")
def index():
    """How fast the city answers, what got resolved, and which data residents ask about."""
    figures = current_figures()
    return render_template(
        "insights/index.html",
        figures=figures,
        charts=report.charts(figures),
        duration=report.format_duration,
        share=report.format_share,
    )


@bp.get("/insights.csv")
def figures_csv():
    """The same figures in long form (section, group_id, group, metric, value)."""
    figures = current_figures()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(report.CSV_COLUMNS)
    writer.writerows(report.csv_rows(figures))
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8; header=present")
    response.headers["Content-Disposition"] = 'attachment; filename="insights.csv"'
    response.headers["Link"] = f'<{current_app.config["CONTENT_LICENSE_URL"]}>; rel="license"'
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
