"""A burst of votes from many connections: every vote is answered 200 and counted (SQLite's
single writer makes a vote wait its turn, civicboard.writes)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from civicboard.extensions import db
from civicboard.problems.models import Problem, Vote
from civicboard.writes import retry_when_locked


def test_a_burst_of_votes_and_unvotes_is_answered_and_counted(app, problem_factory, residents, token_for):
    problem_ids = [problem_factory().id for _ in range(3)]
    tokens = [token_for(user) for user in residents(8)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(tokens))

    def toggle(token: str) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        barrier.wait(timeout=10)
        for problem_id in problem_ids:
            for method in ("PUT", "DELETE", "PUT"):
                response = client.open(f"/api/v1/problems/{problem_id}/vote", method=method, headers=headers)
                statuses.append(response.status_code)

    threads = [threading.Thread(target=toggle, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()
    assert statuses == [200] * len(tokens) * len(problem_ids) * 3
    db.session.expire_all()
    for problem_id in problem_ids:
        votes = db.session.execute(select(func.count()).select_from(Vote).where(Vote.problem_id == problem_id))
        assert votes.scalar_one() == db.session.get(Problem, problem_id).vote_count == len(tokens)


def _locked() -> OperationalError:
    return OperationalError("UPDATE problems ...", {}, Exception("database is locked"))


def test_a_write_is_run_again_while_the_database_is_locked(app):
    attempts = []

    def work() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise _locked()
        return "done"

    assert retry_when_locked(work) == "done"
    assert len(attempts) == 3


def test_a_write_gives_up_after_its_attempts_and_other_errors_are_not_retried(app):
    attempts = []

    def always_locked() -> None:
        attempts.append(1)
        raise _locked()

    with pytest.raises(OperationalError):
        retry_when_locked(always_locked, attempts=3)
    assert len(attempts) == 3

    def broken() -> None:
        attempts.append(1)
        raise OperationalError("SELECT", {}, Exception("no such table: x"))

    attempts.clear()
    with pytest.raises(OperationalError):
        retry_when_locked(broken)
    assert len(attempts) == 1
