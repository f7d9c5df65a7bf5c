"""/insights and /insights.csv: the figures, accessible charts, CSV, query budget."""

from __future__ import annotations

import csv
import io
import re

from civicboard.extensions import db
from civicboard.insights import store
from civicboard.problems.models import Problem
from tests.insights.conftest import DAY, NOW


def _figures_csv(client) -> dict[tuple[str, str, str], str]:
    response = client.get("/insights.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return {(row["section"], row["group"], row["metric"]): row["value"] for row in rows}


def test_dashboard_shows_the_headline_figures(client, history, fixed_clock):
    response = client.get("/insights")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>How Somerville answers</h1>" in page
    tiles = (
        r'<li class="tile"><span class="tile-label">([^<]+)<span class="visually-hidden">:</span></span> '
        r'<span class="tile-value">([^<]+)</span></li>'
    )
    headline = dict(re.findall(tiles, page))
    assert headline["Visible problems"] == "11"
    assert headline["Median time to a first official response"] == "4 days"
    assert headline["90% of answered problems were answered within"] == "20 days"
    assert headline["Answered within the 14-day target"] == "80% (8 of 10)"
    assert headline["Median time to resolution"] == "10 days"
    assert headline["90% of resolved problems were resolved within"] == "30 days"


def test_dashboard_tables_hold_departments_and_datasets(client, history, fixed_clock):
    page = client.get("/insights").get_data(as_text=True)
    transport_row = re.search(r"<th scope=\"row\">Transportation</th>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", transport_row)
    assert cells == ["7", "3 days", "20 days", "71% (5 of 7)", "3", "10 days", "20 days"]
    assert f'<a href="/datasets/{history["d1"].id}">Traffic crashes</a>' in page


def test_charts_are_accessible_svg_with_a_table_behind_them(client, history, fixed_clock):
    page = client.get("/insights").get_data(as_text=True)
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 4  # status, months (new and resolved together), departments, demand
    for svg in svgs:
        assert 'role="img"' in svg
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert all(f'id="{ident}"' in svg for ident in labelled)
        assert "<title " in svg and "<desc " in svg
        assert "<text" in svg  # values are written, not left to colour
    status_svg = svgs[0]
    assert "Resolved: 5" in status_svg  # the description reads every value out
    assert page.count("<table") >= 5
    assert "<details>" in page
    months_svg = svgs[1]
    assert "New and resolved problems per month" in months_svg
    assert "Jul 2026: 1 new, 2 resolved; Aug 2026: 1 new, 0 resolved" in months_svg


def test_dashboard_obeys_the_content_security_policy(client, history, fixed_clock):
    page = client.get("/insights").get_data(as_text=True)
    assert "style=" not in page
    assert "<style" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert re.search(r"\son[a-z]+=", page) is None


def test_figures_csv_lists_hand_computed_values(client, history, fixed_clock):
    rows = _figures_csv(client)
    assert rows[("settings", "", "target_days")] == "14"
    assert rows[("status", "resolved", "problems")] == "5"
    assert rows[("overall", "All problems", "first_response_median_seconds")] == str(4 * DAY)
    assert rows[("overall", "All problems", "first_response_p90_seconds")] == str(20 * DAY)
    assert rows[("overall", "All problems", "resolution_median_seconds")] == str(10 * DAY)
    assert rows[("overall", "All problems", "share_answered_within_target")] == "0.8"
    assert rows[("department", "Parks", "first_response_median_seconds")] == str(4 * DAY)
    assert rows[("department", "No department", "first_response_median_seconds")] == ""
    assert rows[("dataset", "Tree inventory", "resolution_p90_seconds")] == str(30 * DAY)
    assert rows[("month", "2026-07", "resolved")] == "2"
    assert rows[("month", "2026-01", "new")] == "0"
    assert rows[("demand", "Traffic crashes", "demand")] == "7"


def test_figures_csv_neutralises_formula_like_names(client, app, dataset_factory, problem_factory, fixed_clock):
    dataset = dataset_factory("=HYPERLINK(1)")
    problem_factory(datasets=[dataset], created_at=NOW)
    rows = _figures_csv(client)
    assert ("dataset", "'=HYPERLINK(1)", "problems") in rows


def test_target_days_come_from_configuration(client, app, history, fixed_clock):
    app.config["INSIGHTS_TARGET_DAYS"] = 3
    assert _figures_csv(client)[("overall", "All problems", "answered_within_target")] == "4"
    assert "Answered within the 3-day target" in client.get("/insights").get_data(as_text=True)


def test_dashboard_asks_a_fixed_number_of_queries(
    app, client, problem_factory, user_factory, dataset_factory, count_queries
):
    author = user_factory()
    dataset = dataset_factory()

    def measure(total: int) -> int:
        while db.session.query(Problem).count() < total:
            problem_factory(author=author, datasets=[dataset])
        store.compute(app, force=True)
        with count_queries() as counter:
            assert client.get("/insights").status_code == 200
        return counter.count

    assert measure(20) == measure(40) <= 6
