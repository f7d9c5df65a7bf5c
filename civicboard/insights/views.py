"""The outcomes dashboard, /insights, and its figures as CSV, /insights.csv, from the stored figures."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, current_app, render_template
from flask_babel import gettext as _

from civicboard.insights import queries, report, store
from civicboard.ratelimits import insights_limit
from civicboard.templating import format_month

bp = Blueprint("insights", __name__)


def current_figures() -> queries.Figures | None:
    """The stored figures, never computed for a reader on a board of any size.

    A background refresh is started when they are due (see insights.store). With none stored
    yet, a small board's are computed now; otherwise None while a thread computes them.
    """
    app = current_app._get_current_object()
    figures = store.current(app)
    if figures is not None:
        store.refresh_in_background()
        return figures
    if store.may_compute_inline(app) and store.compute(app) != store.BUSY:
        return store.current(app)
    store.compute_in_background()
    return None


def _not_ready(body: str, mimetype: str) -> Response:
    response = Response(body, 503, mimetype=mimetype)
    response.headers["Retry-After"] = str(store.RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/insights")
@insights_limit
def index():
    """How fast the city answers, what got resolved, and which data residents ask about."""
    figures = current_figures()
    if figures is None:
        return _not_ready(render_template("insights/pending.html"), "text/html")
    return render_template(
        "insights/index.html",
        figures=figures,
        charts=report.charts(figures, month_label),
        duration=report.format_duration,
        share=report.format_share,
        status=report.status_label,
        month=month_label,
        group=report.group_label,
    )


def month_label(month: str) -> str:
    """A 'YYYY-MM' month as the reader's language abbreviates it, like every date: 'Mar 2026', 'mar 2026'."""
    year, number = month.split("-")
    return format_month(date(int(year), int(number), 1))


@bp.get("/insights.csv")
@insights_limit
def figures_csv():
    """The same figures in long form (section, group_id, group, metric, value)."""
    figures = current_figures()
    if figures is None:
        return _not_ready(_("The figures are being computed. Please try again shortly.") + "\n", "text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(report.CSV_COLUMNS)
    writer.writerows(report.csv_rows(figures))
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8; header=present")
    response.headers["Content-Disposition"] = 'attachment; filename="insights.csv"'
    response.headers["Link"] = f'<{current_app.config["CONTENT_LICENSE_URL"]}>; rel="license"'
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Last-Modified"] = figures.generated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
