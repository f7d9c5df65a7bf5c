"""A seeded history with hand-computed outcomes, and a fixed clock for the dashboard.

NOW is 2026-11-26 12:00 UTC; the target is 14 days; the 12 months shown run Dec 2025 - Nov 2026.

| problem | category (owner) | first response (dept) | resolved after | status      | datasets |
|---------|------------------|-----------------------|----------------|-------------|----------|
| p1  06-01 | Streets (T)    | +1 d (T), +2 d (P)    | +10 d          | resolved    | D1       |
| p2  07-01 | Streets (T)    | +2 d (T)              | +20 d          | resolved    | D1       |
| p3  08-01 | Streets (T)    | +3 d (T)              |                | in_progress | D1       |
| p4  09-01 | Streets (T)    | +20 d (T)             |                | acknowledged| D1, D2   |
| p5  06-15 | Trees (P)      | +5 d (P)              | +30 d          | resolved    | D2       |
| p6  10-10 | Trees (P)      | +12 h (P)             |                | declined    | D2       |
| p7  10-01 | Streets (T)    | +4 d (P)              | +6 d           | resolved    |          |
| p8  05-20 | Streets (T)    |                       |                | open        |          |
| p9  11-20 | Other (none)   |                       |                | open        |          |
| p10 2025-11-15 | Other     | +7 d (T)              | +8 d           | resolved    |          |
| p11 06-10 HIDDEN | Streets | +1 h (T)              | +1 h           | resolved    | D1       |
| p12 03-01 | Streets (T)    | +6 d (T)              | (reopened)     | open        |          |
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from civicboard.extensions import db
from tests.interop import factories

NOW = datetime(2026, 11, 26, 12, 0, 0)
HOUR = 3600
DAY = 86400


@pytest.fixture
def fixed_clock(monkeypatch):
    """The dashboard computes as of NOW."""
    monkeypatch.setattr("civicboard.insights.store.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def history(app, user_factory, category_factory, dataset_factory, problem_factory) -> dict:
    """The seeded history described in this module's docstring; returns the rows by name."""
    transport = factories.make_department("Transportation")
    parks = factories.make_department("Parks")
    staff_t = user_factory(name="Tess Transport", roles=["staff"], department="Transportation")
    staff_p = user_factory(name="Pat Parks", roles=["staff"], department="Parks")
    streets = category_factory("Streets", department_id=transport.id)
    trees = category_factory("Trees", department_id=parks.id)
    other = category_factory("Other")
    d1 = dataset_factory("Traffic crashes")
    d2 = dataset_factory("Tree inventory")
    d3 = dataset_factory("Unused dataset")
    author = user_factory(name="Rosa Resident")

    def seed(name, created, category, *, status="open", datasets=(), answers=(), resolved=None, hidden=False):
        first = created + timedelta(seconds=answers[0][0]) if answers else None
        problem = problem_factory(
            name,
            author=author,
            datasets=list(datasets),
            category_id=category.id,
            status=status,
            created_at=created,
            first_response_at=first,
            resolved_at=created + timedelta(seconds=resolved) if resolved is not None else None,
            hidden_at=NOW if hidden else None,
        )
        for delay, staff, department in answers:
            factories.make_response(
                problem, staff, department=department, created_at=created + timedelta(seconds=delay)
            )
        return problem

    rows = {
        "p1": seed(
            "p1",
            datetime(2026, 6, 1),
            streets,
            status="resolved",
            datasets=[d1],
            answers=[(DAY, staff_t, transport), (2 * DAY, staff_p, parks)],
            resolved=10 * DAY,
        ),
        "p2": seed(
            "p2",
            datetime(2026, 7, 1),
            streets,
            status="resolved",
            datasets=[d1],
            answers=[(2 * DAY, staff_t, transport)],
            resolved=20 * DAY,
        ),
        "p3": seed(
            "p3", datetime(2026, 8, 1), streets, status="in_progress", datasets=[d1], answers=[(3 * DAY, staff_t, None)]
        ),
        "p4": seed(
            "p4",
            datetime(2026, 9, 1),
            streets,
            status="acknowledged",
            datasets=[d1, d2],
            answers=[(20 * DAY, staff_t, transport)],
        ),
        "p5": seed(
            "p5",
            datetime(2026, 6, 15),
            trees,
            status="resolved",
            datasets=[d2],
            answers=[(5 * DAY, staff_p, parks)],
            resolved=30 * DAY,
        ),
        "p6": seed(
            "p6", datetime(2026, 10, 10), trees, status="declined", datasets=[d2], answers=[(12 * HOUR, staff_p, parks)]
        ),
        "p7": seed(
            "p7",
            datetime(2026, 10, 1),
            streets,
            status="resolved",
            answers=[(4 * DAY, staff_p, parks)],
            resolved=6 * DAY,
        ),
        "p8": seed("p8", datetime(2026, 5, 20), streets),
        "p9": seed("p9", datetime(2026, 11, 20), other),
        "p10": seed(
            "p10",
            datetime(2025, 11, 15),
            other,
            status="resolved",
            answers=[(7 * DAY, staff_t, transport)],
            resolved=8 * DAY,
        ),
        "p11": seed(
            "p11",
            datetime(2026, 6, 10),
            streets,
            status="resolved",
            datasets=[d1],
            answers=[(HOUR, staff_t, transport)],
            resolved=HOUR,
            hidden=True,
        ),
        "p12": seed(
            "p12",
            datetime(2026, 3, 1),
            streets,
            status="open",
            answers=[(6 * DAY, staff_t, transport)],
            resolved=10 * DAY,
        ),
    }
    d1.demand, d2.demand, d3.demand = 7, 3, 0
    db.session.commit()
    rows.update(d1=d1, d2=d2, d3=d3, transport=transport, parks=parks)
    return rows
