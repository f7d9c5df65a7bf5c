"""Rows the open interfaces read, written directly (the features that own them have services).

Plain functions, so both tests/interop and tests/insights can wrap them in fixtures.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from civicboard.auth import services as auth_services
from civicboard.auth.models import Department, User
from civicboard.challenges.models import Challenge, ChallengeProblem, Project
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.problems.models import Problem
from civicboard.staff.models import Evidence, Response
from civicboard.timeutil import utcnow


def make_department(name: str) -> Department:
    """A department by name (created once)."""
    department = auth_services.get_or_create_department(name)
    db.session.commit()
    return department


def make_response(
    problem: Problem,
    author: User,
    *,
    body: str = "We are looking into this.",
    department: Department | None = None,
    status_to: str | None = None,
    created_at: datetime | None = None,
) -> Response:
    """An official response row; it does not move the problem (tests set problem fields themselves)."""
    response = Response(
        problem_id=problem.id,
        author_id=author.id,
        department_id=department.id if department else author.department_id,
        body=body,
        body_html=render(body),
        status_from=problem.status,
        status_to=status_to,
        created_at=created_at or utcnow(),
    )
    db.session.add(response)
    db.session.commit()
    return response


def make_evidence(
    problem: Problem,
    dataset: Any,
    author: User,
    *,
    stance: str = "supports",
    caption: str = "Counts from the dataset.",
    url: str | None = "https://data.example.org/rows/1",
    as_of: date | None = None,
    removed: bool = False,
    created_at: datetime | None = None,
) -> Evidence:
    """A piece of evidence tying a problem to a dataset."""
    moment = created_at or utcnow()
    evidence = Evidence(
        problem_id=problem.id,
        dataset_id=dataset.id,
        url=url,
        caption=caption,
        stance=stance,
        as_of=as_of,
        created_by_id=author.id,
        created_at=moment,
        updated_at=moment,
        removed_at=utcnow() if removed else None,
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


def make_challenge(organizer: User, slug: str = "open-streets", *, status: str = "published", **fields: Any):
    """A challenge row."""
    now = utcnow()
    challenge = Challenge(
        slug=slug,
        title=fields.pop("title", "Open Streets Hack"),
        summary=fields.pop("summary", "Make streets safer."),
        summary_html=render("Make streets safer."),
        status=status,
        created_by_id=organizer.id,
        created_at=now,
        updated_at=now,
        published_at=now if status != "draft" else None,
        **fields,
    )
    db.session.add(challenge)
    db.session.commit()
    return challenge


def curate(challenge: Challenge, problem: Problem, *, note: str = "", added_at: datetime | None = None):
    """Add a problem to a challenge."""
    item = ChallengeProblem(
        challenge_id=challenge.id, problem_id=problem.id, note=note, added_at=added_at or utcnow(), position=0
    )
    db.session.add(item)
    db.session.commit()
    return item


def make_project(challenge: Challenge, author: User, name: str = "Crossing Map", *, hidden: bool = False, **fields):
    """A project submitted to a challenge."""
    now = fields.pop("created_at", utcnow())
    description = fields.pop("description", "A map of risky crossings.")
    project = Project(
        challenge_id=challenge.id,
        name=name,
        description=description,
        description_html=render(description),
        created_by_id=author.id,
        created_at=now,
        updated_at=now,
        hidden_at=utcnow() if hidden else None,
        **fields,
    )
    db.session.add(project)
    db.session.commit()
    return project
