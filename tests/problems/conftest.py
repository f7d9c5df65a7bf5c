"""Fixtures for problem tests: problems made through the services, and role users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.problems.models import Comment, Problem, Vote


@pytest.fixture
def make_problem(app, user_factory, dataset_factory) -> Callable[..., Problem]:
    """Create a problem through create_problem and commit: make_problem(author=u, datasets=[d])."""
    counter = {"n": 0}

    def factory(
        title: str | None = None,
        author: Any = None,
        datasets: list | None = None,
        description: str = "What is wrong, and where.",
        **fields: Any,
    ) -> Problem:
        counter["n"] += 1
        if datasets is None and not fields.get("data_request"):
            datasets = [dataset_factory()]
        problem = services.create_problem(
            author or user_factory(),
            title=title or f"Problem number {counter['n']}",
            description=description,
            dataset_ids=[d.id for d in datasets or []],
            **fields,
        )
        db.session.commit()
        return problem

    return factory


@pytest.fixture
def moderator(user_factory):
    return user_factory(roles=["moderator"], name="Mo Derator")


@pytest.fixture
def staff(user_factory):
    return user_factory(roles=["staff"], department="Transportation", name="Sam Staff")


def stored(problem_id: int) -> Problem:
    """The problem as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Problem, problem_id)


def vote_rows(problem_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Vote).where(Vote.problem_id == problem_id)).scalar_one()


def live_comments(problem_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Comment)
        .where(Comment.problem_id == problem_id, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
    ).scalar_one()
