"""A small board where one resident has done one of everything, and another resident too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from civicboard.auth import services as auth_services
from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.problems import services


@dataclass
class Board:
    """Who did what: `me` and `other` each proposed, commented, voted, followed and flagged."""

    me: Any
    other: Any
    my_problem: Any
    other_problem: Any
    my_comment: Any
    other_comment: Any
    dataset_id: int


@pytest.fixture
def board(app, user_factory, dataset_factory) -> Board:
    dataset = dataset_factory()
    me = user_factory(email="rosa@example.org", name="Rosa Resident")
    other = user_factory(email="otto@example.org", name="Otto Other")
    my_problem = services.create_problem(
        me, title="Broken streetlight on Elm", description="Dark at night.", dataset_ids=[dataset.id]
    )
    other_problem = services.create_problem(
        other, title="Pothole on Oak Street", description="Deep.", dataset_ids=[dataset.id]
    )
    db.session.flush()
    for voter in (me, other):
        services.vote(voter, my_problem.id)
        services.vote(voter, other_problem.id)
        services.follow_problem(voter, other_problem)
    my_comment = services.add_comment(me, other_problem, "Same on my street.")
    services.edit_comment(me, my_comment, "Same on my street, since May.")
    other_comment = services.add_comment(other, my_problem, "Seen it too.")
    moderation.flag(me, "comment", other_comment.id, "spam", "")
    moderation.flag(other, "comment", my_comment.id, "spam", "")
    auth_services.create_api_token(me, "my notebook")
    auth_services.create_api_token(other, "otto's script")
    db.session.commit()
    return Board(me, other, my_problem, other_problem, my_comment, other_comment, dataset.id)


@pytest.fixture
def make_challenge_with_project(app, user_factory):
    """make_challenge_with_project(member) -> a project on a published challenge, `member` on its team."""
    from datetime import timedelta

    from civicboard.challenges import services as challenges
    from civicboard.timeutil import utcnow

    def make(member: Any):
        organizer = user_factory(roles=["organizer"])
        start = utcnow() + timedelta(days=7)
        challenge = challenges.create_challenge(
            organizer,
            title="Safe streets night",
            summary="Fix the streets with data.",
            starts_at=start.isoformat() + "Z",
            ends_at=(start + timedelta(days=2)).isoformat() + "Z",
            timezone="America/New_York",
            place="City Hall",
            contact="organizers@example.org",
        )
        problem = services.create_problem(
            organizer,
            title="Crossings are unsafe",
            description="Yes.",
            dataset_ids=[],
            data_request="The data behind it.",
        )
        challenges.add_problem(organizer, challenge, problem.id)
        challenges.publish_challenge(organizer, challenge)
        project = challenges.submit_project(
            member,
            challenge,
            name="Safe Crossings Map",
            description="A map.",
            repository_url="https://code.example.org/safe",
            demo_url="",
            member_emails="",
            team_names="",
            problem_ids=[problem.id],
        )
        db.session.commit()
        return project

    return make
