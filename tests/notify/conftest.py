"""Helpers for the notification email tests: run the worker's passes, follow and respond."""

from __future__ import annotations

import pytest

from civicboard.extensions import db
from civicboard.notify import dispatch
from civicboard.outbox.services import deliver_due
from civicboard.problems import notifications


@pytest.fixture
def worker_pass(app):
    """worker_pass(): what the worker does after a commit: dispatch notifications, deliver mail."""

    def run():
        report = dispatch.run()
        deliver_due()
        return report

    return run


@pytest.fixture
def follower(user_factory):
    """follower(problem, **user fields) -> a committed user following the problem."""

    def make(problem, **fields):
        user = user_factory(**fields)
        notifications.follow(user, problem_id=problem.id)
        db.session.commit()
        return user

    return make
