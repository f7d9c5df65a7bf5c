"""The outcome figures against hand-computed values on the seeded history (see conftest.py)."""

from __future__ import annotations

from civicboard.insights import queries
from tests.insights.conftest import DAY, NOW


def _compute():
    return queries.compute(NOW, 14)


def test_problems_by_status_count_only_visible_problems(history):
    counts = {row.status: row.count for row in _compute().statuses}
    assert counts == {"open": 3, "acknowledged": 1, "in_progress": 1, "resolved": 5, "declined": 1, "duplicate": 0}


def test_overall_time_to_first_response_median_and_p90(history):
    overall = _compute().overall
    assert overall.problems == 11
    assert overall.answered == 9
    # Sorted: 0.5, 1, 2, 3, 4, 5, 6, 7, 20 days: rank 5 and rank 9.
    assert overall.first_response_p50 == 4 * DAY
    assert overall.first_response_p90 == 20 * DAY


def test_overall_time_to_resolution_counts_problems_resolved_now(history):
    overall = _compute().overall
    # p12 was resolved, then reopened: it does not count. Sorted: 6, 8, 10, 20, 30 days.
    assert overall.resolved == 5
    assert overall.resolution_p50 == 10 * DAY
    assert overall.resolution_p90 == 30 * DAY


def test_share_within_target_leaves_out_problems_not_yet_due(history):
    overall = _compute().overall
    # p9 is six days old and unanswered: not yet late. p4 (20 days) and p8 (never) missed.
    assert (overall.within_target, overall.eligible) == (8, 10)
    assert overall.share_within_target == 0.8


def test_target_follows_the_configured_days(history):
    overall = queries.compute(NOW, 3).overall
    # Within 3 days: 0.5, 1, 2, 3 days. Eligible: the 9 answered, p8, and p9 (six days old: now late).
    assert (overall.within_target, overall.eligible) == (4, 11)


def test_by_department_uses_the_first_response_then_the_category(history):
    by_label = {t.label: t for t in _compute().departments}
    assert list(by_label) == ["Transportation", "Parks", "No department"]
    transport, parks, none = by_label["Transportation"], by_label["Parks"], by_label["No department"]
    # Transportation: p1 p2 p3 p4 p10 p12 answered by it, p8 through its category; p7 was answered by Parks.
    assert transport.problems == 7
    assert (transport.first_response_p50, transport.first_response_p90) == (3 * DAY, 20 * DAY)
    assert (transport.resolution_p50, transport.resolution_p90) == (10 * DAY, 20 * DAY)
    assert (transport.within_target, transport.eligible) == (5, 7)
    assert parks.problems == 3
    assert (parks.first_response_p50, parks.first_response_p90) == (4 * DAY, 5 * DAY)
    assert (parks.resolution_p50, parks.resolution_p90) == (6 * DAY, 30 * DAY)
    assert (parks.within_target, parks.eligible) == (3, 3)
    assert none.key is None and none.problems == 1
    assert none.first_response_p50 is None and none.share_within_target is None


def test_by_dataset_counts_a_problem_in_each_of_its_datasets(history):
    by_label = {t.label: t for t in _compute().datasets}
    assert list(by_label) == ["Traffic crashes", "Tree inventory"]
    crashes, trees = by_label["Traffic crashes"], by_label["Tree inventory"]
    assert crashes.key == history["d1"].id
    assert crashes.problems == 4  # hidden p11 is left out
    assert (crashes.first_response_p50, crashes.first_response_p90) == (2 * DAY, 20 * DAY)
    assert (crashes.resolution_p50, crashes.resolution_p90) == (10 * DAY, 20 * DAY)
    assert (crashes.within_target, crashes.eligible) == (3, 4)
    assert trees.problems == 3
    assert (trees.first_response_p50, trees.first_response_p90) == (5 * DAY, 20 * DAY)
    assert (trees.resolution_p50, trees.resolution_p90) == (30 * DAY, 30 * DAY)
    assert (trees.within_target, trees.eligible) == (2, 3)


def test_months_cover_the_last_twelve_with_zeros(history):
    months = _compute().months
    assert [m.month for m in months] == [
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    assert [m.new for m in months] == [0, 0, 0, 1, 0, 1, 2, 1, 1, 1, 2, 1]
    assert [m.resolved for m in months] == [0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 1, 0]
    assert months[0].label == "Dec 2025"


def test_month_window_crosses_the_year_boundary():
    starts = queries.month_starts(NOW.replace(month=1, day=5), 3)
    assert [s.isoformat() for s in starts] == ["2025-11-01T00:00:00", "2025-12-01T00:00:00", "2026-01-01T00:00:00"]


def test_datasets_with_the_most_demand(history):
    assert [(row.title, row.demand) for row in _compute().demand] == [("Traffic crashes", 7), ("Tree inventory", 3)]


def test_an_empty_board_has_no_figures_yet(app):
    figures = _compute()
    assert figures.total == 0
    assert figures.overall.first_response_p50 is None and figures.overall.share_within_target is None
    assert figures.departments == [] and figures.datasets == [] and figures.demand == []
    assert [m.new for m in figures.months] == [0] * 12
