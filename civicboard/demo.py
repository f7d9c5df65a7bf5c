"""The demo city: a small, realistic board for `make run` (and the city-scale data set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import func, select, update

from civicboard.auth import services as auth_services
from civicboard.auth.models import User
from civicboard.extensions import db

DEMO_PASSWORD = "civicboard-demo"  # noqa: S105 - not a secret

DEPARTMENTS = [
    "Transportation and Infrastructure",
    "Parks and Recreation",
    "Public Works",
    "Housing",
    "Innovation and Analytics",
]

PEOPLE = [
    ("admin@demo.example.org", "Ada Admin", ["admin"], None),
    ("staff@demo.example.org", "Sam Staff", ["staff"], "Transportation and Infrastructure"),
    ("parks@demo.example.org", "Pat Parks", ["staff"], "Parks and Recreation"),
    ("analytics@demo.example.org", "Alex Analyst", ["staff"], "Innovation and Analytics"),
    ("moderator@demo.example.org", "Morgan Moderator", ["moderator"], None),
    ("organizer@demo.example.org", "Olu Organizer", ["organizer"], None),
    ("resident@demo.example.org", "Rosa Resident", [], None),
    ("neighbour@demo.example.org", "Nico Neighbour", [], None),
    ("cyclist@demo.example.org", "Kim Cyclist", [], None),
]


def database_is_empty() -> bool:
    """True when no account exists yet."""
    return db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def seed(
    scale: str = "demo", *, seed: int | None = None, scale_factor: float = 1.0, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Seed the database; returns counts for the command's summary.

    `city` is the demo accounts plus the city-scale data set (bench/city.py, imported only here), built
    from `seed`; `scale_factor` shrinks it (the tests use a tiny fraction).
    """
    if scale == "city":
        city = _city_seeder()
        summary = seed_people()
        summary.update(city.seed_city(seed=seed, scale_factor=scale_factor, log=log))
    else:
        summary = seed_demo()
    _no_mail_for_the_past()
    return summary


def _no_mail_for_the_past() -> None:
    """The seeded history shows on the site but is not emailed: a new worker must not mail old news."""
    from civicboard.problems.models import EmailState, Notification, NotificationFanout
    from civicboard.timeutil import utcnow

    db.session.execute(
        update(Notification)
        .where(Notification.email_state == EmailState.PENDING.value)
        .values(email_state=EmailState.SKIPPED.value)
    )
    db.session.execute(update(NotificationFanout).where(NotificationFanout.done_at.is_(None)).values(done_at=utcnow()))
    db.session.flush()


def _city_seeder() -> Any:
    """The city-scale seeder, which lives with the benchmarks beside the application package."""
    try:
        from bench import city
    except ImportError as error:  # an installed copy without the source tree's bench/
        raise click.ClickException("The city-scale seed needs the source tree (bench/city.py).") from error
    return city


def seed_demo() -> dict[str, int]:
    """The whole demo city: people, the catalog, problems, staff answers, a challenge."""
    from civicboard.challenges import demo as challenges_demo
    from civicboard.datasets import demo as datasets_demo
    from civicboard.places import demo as places_demo
    from civicboard.problems import demo as problems_demo
    from civicboard.staff import demo as staff_demo

    summary = seed_people()
    steps = (
        datasets_demo.seed_demo,
        places_demo.seed_demo,
        problems_demo.seed_demo,
        staff_demo.seed_demo,
        challenges_demo.seed_demo,
    )
    for step in steps:
        summary.update(step())
        db.session.flush()
    return summary


def seed_people() -> dict[str, int]:
    """Departments and one account per role (password: civicboard-demo)."""
    for name in DEPARTMENTS:
        auth_services.get_or_create_department(name)
    created = 0
    for email, name, roles, department in PEOPLE:
        if auth_services.find_user_by_email(email) is None:
            auth_services.create_user(email, name, DEMO_PASSWORD, roles, department)
            created += 1
    db.session.flush()
    return {"departments": len(DEPARTMENTS), "users": created}
