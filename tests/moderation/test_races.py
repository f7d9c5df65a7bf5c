"""Concurrent requests: counts stay exact and decisions are taken once (on both databases)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from civicboard.audit.models import AuditEntry
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.moderation import services
from civicboard.moderation.models import Flag
from civicboard.permissions import NotFound
from civicboard.problems.models import Problem
from civicboard.staff import services as staff_services
from civicboard.staff.models import Response
from civicboard.validation import ValidationError


def run_together(app, actions: list[Callable[[], None]]) -> list[Exception]:
    """Run each action in its own thread, app context and transaction, released at once."""
    barrier = threading.Barrier(len(actions))
    errors: list[Exception] = []

    def worker(action: Callable[[], None]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                action()
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a worker hung"
    return errors


def test_concurrent_reports_are_each_counted_and_hide_the_item_once(app, problem_factory, dataset_factory, residents):
    dataset = dataset_factory(problem_count=1)
    problem_id = problem_factory(datasets=[dataset]).id
    reporter_ids = [r.id for r in residents(6)]

    def report(user_id: int) -> Callable[[], None]:
        return lambda: services.flag(db.session.get(User, user_id), "problem", problem_id, "spam", "")

    errors = run_together(app, [report(uid) for uid in reporter_ids])
    # Once hidden, the problem is gone for the remaining reporters: 404, nothing else.
    assert all(isinstance(e, NotFound) for e in errors), errors
    db.session.expire_all()
    problem = db.session.get(Problem, problem_id)
    flags = db.session.execute(select(func.count()).select_from(Flag)).scalar_one()
    assert flags == problem.flag_count == len(reporter_ids) - len(errors) >= 3
    assert problem.is_hidden
    hides = db.session.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "problem.hide"))
    assert hides.scalar_one() == 1
    db.session.refresh(dataset)
    assert dataset.problem_count == 0


def test_concurrent_status_changes_from_the_same_status_apply_once(app, problem_factory, user_factory):
    problem_id = problem_factory().id
    staff_ids = [user_factory(roles=["staff"]).id for _ in range(2)]

    def answer(user_id: int, status: str) -> Callable[[], None]:
        def act() -> None:
            problem = db.session.get(Problem, problem_id)
            staff_services.respond(db.session.get(User, user_id), problem, f"Now {status}.", status)

        return act

    errors = run_together(app, [answer(staff_ids[0], "resolved"), answer(staff_ids[1], "declined")])
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    db.session.expire_all()
    responses = db.session.execute(select(Response)).scalars().all()
    assert len(responses) == 1
    assert db.session.get(Problem, problem_id).status == responses[0].status_to
