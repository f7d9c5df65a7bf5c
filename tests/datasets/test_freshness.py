"""Update frequencies and the "may be stale" mark."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from civicboard.datasets.freshness import describe_periodicity, is_old, may_be_stale, parse_periodicity

NOW = datetime(2026, 3, 1, 12, 0)


@pytest.mark.parametrize(
    ("value", "interval"),
    [
        ("R/P1D", timedelta(days=1)),
        ("R/P1W", timedelta(days=7)),
        ("R/P2W", timedelta(days=14)),
        ("R/P1M", timedelta(days=31)),
        ("R/P3M", timedelta(days=93)),
        ("R/P1Y", timedelta(days=366)),
        ("R/PT1H", timedelta(hours=1)),
        ("R/P0.5M", timedelta(days=15.5)),
        ("P1D", timedelta(days=1)),
        ("r/p1d", timedelta(days=1)),
        ("daily", timedelta(days=1)),
        ("Weekly", timedelta(days=7)),
        ("monthly", timedelta(days=31)),
        ("annually", timedelta(days=366)),
        ("quarterly", timedelta(days=93)),
        (" Bi-weekly ", timedelta(days=14)),
    ],
)
def test_known_frequencies_are_read(value, interval):
    assert parse_periodicity(value) == interval


@pytest.mark.parametrize("value", [None, "", "irregular", "as needed", "R/P", "R/P0D", "P1X", "continuously", "1D"])
def test_unknown_frequencies_give_nothing(value):
    assert parse_periodicity(value) is None


def test_a_daily_dataset_two_days_old_may_be_stale():
    assert may_be_stale(NOW - timedelta(days=2), "R/P1D", NOW)


def test_a_daily_dataset_updated_this_morning_is_fresh():
    assert not may_be_stale(NOW - timedelta(hours=6), "daily", NOW)


def test_a_monthly_dataset_is_not_stale_before_a_long_month_has_passed():
    assert not may_be_stale(NOW - timedelta(days=31), "R/P1M", NOW)
    assert may_be_stale(NOW - timedelta(days=32), "R/P1M", NOW)


def test_an_unknown_frequency_is_never_marked_stale():
    assert not may_be_stale(NOW - timedelta(days=3000), "irregular", NOW)


def test_a_dataset_without_a_modification_date_is_never_marked_stale():
    assert not may_be_stale(None, "R/P1D", NOW)


@pytest.mark.parametrize(
    ("value", "label"), [("R/P1D", "Daily"), ("r/p1y", "Annually"), ("weekly", "Weekly"), ("R/PT1H", "R/PT1H")]
)
def test_frequencies_are_described_for_people(value, label):
    assert describe_periodicity(value) == label


def test_data_older_than_two_years_is_old_whatever_its_frequency():
    assert is_old(datetime(2012, 8, 30), NOW)
    assert not is_old(NOW - timedelta(days=300), NOW)
    assert not is_old(None, NOW)


def test_the_dataset_page_marks_old_data_without_a_stated_frequency(client, dataset_factory):
    dataset = dataset_factory(title="311 Call Center Data", modified=datetime(2012, 8, 30))
    html = client.get(f"/datasets/{dataset.id}").get_data(as_text=True)
    assert "old data" in html and "Not updated since 2012" in html
