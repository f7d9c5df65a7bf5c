"""Fixtures for challenge tests: organizers, and challenges built through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from civicboard.challenges import services
from civicboard.challenges.models import Challenge
from civicboard.extensions import db
from civicboard.timeutil import utcnow


@pytest.fixture
def organizer(user_factory):
    """A user with the organizer role."""
    return user_factory(roles=["organizer"], name="Olu Organizer")


@pytest.fixture
def organizer_client(client, organizer, login):
    """A client logged in as an organizer; returns (client, organizer)."""
    login(client, organizer)
    return client, organizer


@pytest.fixture
def challenge_factory(app, organizer, problem_factory) -> Callable[..., Challenge]:
    """Create and commit a challenge through the services.

    challenge_factory(status="published", problems=[p1, p2], title="...", ends_at=...)
    Problems default to one fresh problem when the challenge is to be published or closed.
    """
    counter = {"n": 0}

    def factory(
        status: str = "draft",
        problems: list | None = None,
        datasets: list | None = None,
        actor: Any = None,
        **fields: Any,
    ) -> Challenge:
        counter["n"] += 1
        n = counter["n"]
        actor = actor or organizer
        start = utcnow() + timedelta(days=7)
        values = {
            "title": f"Challenge number {n}",
            "summary": f"Summary of challenge {n}.",
            "starts_at": (start).isoformat() + "Z",
            "ends_at": (start + timedelta(days=2)).isoformat() + "Z",
            "timezone": "America/New_York",
            "place": "Somerville City Hall",
            "is_online": False,
            "contact": "organizers@example.org",
        }
        values.update(fields)
        challenge = services.create_challenge(actor, **values)
        if problems is None and status != "draft":
            problems = [problem_factory()]
        for problem in problems or []:
            services.add_problem(actor, challenge, problem.id)
        for dataset in datasets or []:
            services.add_dataset(actor, challenge, dataset.id)
        if status in ("published", "closed"):
            services.publish_challenge(actor, challenge)
        if status == "closed":
            services.close_challenge(actor, challenge)
        db.session.commit()
        return challenge

    return factory


@pytest.fixture
def moderator(user_factory):
    """A user with the moderator role."""
    return user_factory(roles=["moderator"])
