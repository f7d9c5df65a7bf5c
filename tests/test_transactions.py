"""Savepoints behave on both databases: a rollback after a nested block undoes it all."""

from __future__ import annotations

from sqlalchemy import func, select

from civicboard.extensions import db
from civicboard.problems import notifications
from civicboard.problems.models import Follow


def test_rollback_after_a_savepoint_undoes_the_savepoint(problem_factory, user_factory):
    problem = problem_factory()
    user = user_factory()
    assert notifications.follow(user, problem_id=problem.id)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Follow)).scalar_one() == 0
