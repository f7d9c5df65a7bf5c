"""/insights and /insights.csv: the figures, accessible charts, CSV, query budget, caching."""

from __future__ import annotations

import csv
import io
import os
import re
import uuid

import pytest
import redis

from civicboard.extensions import db
from civicboard.insights import cache
from civicboard.problems.models import Problem
from tests.conftest import Client, make_app
from tests.insights.conftest import DAY, NOW

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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
    headline = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', page))
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
    assert len(svgs) == 5
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
    client, problem_factory, user_factory, dataset_factory, count_queries
):
    author = user_factory()
    dataset = dataset_factory()

    def measure(total: int) -> int:
        while db.session.query(Problem).count() < total:
            problem_factory(author=author, datasets=[dataset])
        cache.clear()
        with count_queries() as counter:
            assert client.get("/insights").status_code == 200
        return counter.count

    assert measure(20) == measure(40) <= 6


def test_figures_are_cached_for_a_minute(client, app, problem_factory):
    problem_factory()
    assert _figures_csv(client)[("overall", "All problems", "problems")] == "1"
    problem_factory()
    assert _figures_csv(client)[("overall", "All problems", "problems")] == "1"
    with app.app_context():
        cache.clear()
    assert _figures_csv(client)[("overall", "All problems", "problems")] == "2"


def test_caching_can_be_turned_off(client, app, problem_factory):
    app.config["INSIGHTS_CACHE_SECONDS"] = 0
    problem_factory()
    assert _figures_csv(client)[("overall", "All problems", "problems")] == "1"
    problem_factory()
    assert _figures_csv(client)[("overall", "All problems", "problems")] == "2"


def test_an_unreachable_cache_does_not_break_the_page(database_url, app, problem_factory):
    problem_factory()
    worker = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0")
    worker.test_client_class = Client
    response = worker.test_client().get("/insights.csv")
    assert response.status_code == 200
    assert ",All problems,problems,1" in response.get_data(as_text=True)


@pytest.mark.redis
def test_figures_are_shared_through_redis(database_url, app, problem_factory):
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    prefix = f"civicboard:test:{uuid.uuid4().hex}:"
    worker_a = make_app(database_url, REDIS_URL=REDIS_URL)
    worker_b = make_app(database_url, REDIS_URL=REDIS_URL)
    for worker in (worker_a, worker_b):
        worker.test_client_class = Client
        worker.extensions["cache"][cache.cache].key_prefix = prefix
    try:
        problem_factory()
        assert ",All problems,problems,1" in worker_a.test_client().get("/insights.csv").get_data(as_text=True)
        assert server.keys(f"{prefix}*"), "the figures live in Redis"
        problem_factory()
        # Worker B has never computed them: it serves worker A's figures from Redis.
        assert ",All problems,problems,1" in worker_b.test_client().get("/insights.csv").get_data(as_text=True)
    finally:
        for key in server.scan_iter(f"{prefix}*"):
            server.delete(key)
