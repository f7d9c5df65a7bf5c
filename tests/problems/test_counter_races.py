"""Counters equal a recount after votes interleave with hide, restore and status changes.

Each actor runs in a thread of its own, with its own app context, session and database
connection (SQLite in WAL mode, or PostgreSQL), as two requests of two workers would. The
first tests fix one interleaving each: a problem is loaded, another transaction changes it and
commits, then the first acts on what it loaded. The last runs many actors at once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.permissions import NotFound, PermissionDenied
from civicboard.problems import counters, services
from civicboard.problems.models import Problem, Vote
from civicboard.staff import services as staff_services
from civicboard.validation import ConflictError, ValidationError

TIMEOUT = 120  # seconds for any thread


def run_elsewhere(app, action: Callable[[], None]) -> None:
    """Run action in another thread and transaction, and commit it."""
    errors: list[BaseException] = []

    def target() -> None:
        with app.app_context():
            try:
                action()
                db.session.commit()
            except BaseException as exc:  # reported to the test below
                db.session.rollback()
                errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), "the other transaction did not finish"
    assert not errors, errors


def load(problem_id: int) -> Problem:
    """The problem as a request would have loaded it, before anyone else acts."""
    db.session.expire_all()
    return db.session.get(Problem, problem_id)


def dataset_counts(dataset_id: int) -> tuple[int, int]:
    db.session.expire_all()
    dataset = db.session.get(Dataset, dataset_id)
    return dataset.problem_count, dataset.demand


def voted(problem, users) -> None:
    for user in users:
        services.vote(user, problem.id)
    db.session.commit()


def test_a_vote_on_a_problem_hidden_meanwhile_is_refused_and_adds_no_demand(
    app, make_problem, dataset_factory, residents, moderator
):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    voted(problem, residents(2))
    voter = residents(1)[0]
    stale = load(problem.id)

    run_elsewhere(app, lambda: moderation.hide(moderator, db.session.get(Problem, problem.id), "Spam"))
    with pytest.raises(NotFound):  # the locked row says hidden, whatever the loaded one said
        services.vote(voter, stale.id)
    db.session.rollback()

    assert dataset_counts(dataset.id) == (0, 0)
    assert counters.recount() == []


def test_a_vote_withdrawn_from_a_problem_hidden_meanwhile_is_refused_and_demand_stays(
    app, make_problem, dataset_factory, residents, moderator
):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    voter = residents(1)[0]
    voted(problem, [voter])
    stale = load(problem.id)

    run_elsewhere(app, lambda: moderation.hide(moderator, db.session.get(Problem, problem.id), "Spam"))
    with pytest.raises(NotFound):
        services.withdraw_vote(voter, stale.id)
    db.session.rollback()

    assert dataset_counts(dataset.id) == (0, 0)
    assert counters.recount() == []


def test_a_vote_on_a_problem_resolved_meanwhile_is_refused_and_adds_no_demand(
    app, make_problem, dataset_factory, residents, staff
):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    voted(problem, residents(2))
    voter = residents(1)[0]
    stale = load(problem.id)

    run_elsewhere(app, lambda: staff_services.respond(staff, db.session.get(Problem, problem.id), "Fixed.", "resolved"))
    with pytest.raises(ConflictError, match="Voting is closed on this problem \\(resolved\\)"):
        services.vote(voter, stale.id)
    db.session.rollback()

    assert dataset_counts(dataset.id) == (1, 0)
    assert counters.recount() == []


def test_hiding_a_problem_resolved_meanwhile_leaves_demand_alone(
    app, make_problem, dataset_factory, residents, moderator, staff
):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    voted(problem, residents(3))
    stale = load(problem.id)  # the moderator's page showed it open

    run_elsewhere(app, lambda: staff_services.respond(staff, db.session.get(Problem, problem.id), "Fixed.", "resolved"))
    moderation.hide(moderator, stale, "Spam")
    db.session.commit()

    assert dataset_counts(dataset.id) == (0, 0)
    assert counters.recount() == []


def test_restoring_a_problem_reopened_meanwhile_brings_its_demand_back(
    app, make_problem, dataset_factory, residents, moderator, user_factory
):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    voted(problem, residents(2))
    staff_moderator = user_factory(roles=["staff", "moderator"], department="Parks")
    staff_services.respond(staff_moderator, problem, "Fixed.", "resolved")
    moderation.hide(moderator, problem, "Checking")
    db.session.commit()
    stale = load(problem.id)  # hidden and resolved, as the moderator loaded it

    run_elsewhere(
        app, lambda: staff_services.respond(staff_moderator, db.session.get(Problem, problem.id), "No.", "open")
    )
    moderation.restore(moderator, stale)
    db.session.commit()

    assert dataset_counts(dataset.id) == (1, 2)
    assert counters.recount() == []


# -- many actors at once -------------------------------------------------------------------------

ACTORS = 6
ACTIONS_PER_ACTOR = 25
EXPECTED = (ConflictError, PermissionDenied, NotFound, ValidationError)


def _actor(app, seed: int, problem_ids, resident_ids, moderator_id, staff_id, failures, done) -> None:
    """Vote, withdraw, hide, restore, resolve and reopen at random, one transaction each."""
    from civicboard.auth.models import User

    rng = random.Random(seed)
    with app.app_context():
        for _ in range(ACTIONS_PER_ACTOR):
            problem = db.session.get(Problem, rng.choice(problem_ids))
            action = rng.choice(["vote", "vote", "vote", "withdraw", "hide", "restore", "resolve", "reopen"])
            try:
                if action in ("vote", "withdraw"):
                    voter = db.session.get(User, rng.choice(resident_ids))
                    (services.vote if action == "vote" else services.withdraw_vote)(voter, problem.id)
                elif action in ("hide", "restore"):
                    moderator = db.session.get(User, moderator_id)
                    if action == "hide":
                        moderation.hide(moderator, problem, "Checking")
                    else:
                        moderation.restore(moderator, problem)
                else:
                    responder = db.session.get(User, staff_id)
                    status = "resolved" if action == "resolve" else "open"
                    staff_services.respond(responder, problem, "An update.", status)
                db.session.commit()
                done.append(action)
            except EXPECTED:
                db.session.rollback()
            except BaseException as exc:  # reported to the test
                db.session.rollback()
                failures.append(f"{action}: {exc!r}")
            finally:
                db.session.expire_all()


def test_votes_hides_restores_and_status_changes_at_once_leave_every_counter_exact(
    app, make_problem, dataset_factory, residents, moderator, user_factory
):
    shared, other = dataset_factory(), dataset_factory()
    problems = [make_problem(datasets=[shared]), make_problem(datasets=[shared, other]), make_problem(datasets=[other])]
    people = residents(8)
    for problem in problems:
        voted(problem, people[:3])
    # Staff who also moderate, so a status change can reach a hidden problem too.
    responder = user_factory(roles=["staff", "moderator"], department="Parks")
    dataset_ids = [shared.id, other.id]
    ids = {
        "problem_ids": [p.id for p in problems],
        "resident_ids": [p.id for p in people],
        "moderator_id": moderator.id,
        "staff_id": responder.id,
    }
    db.session.remove()

    failures: list[str] = []
    done: list[str] = []
    threads = [
        threading.Thread(target=_actor, args=(app, seed, *ids.values(), failures, done)) for seed in range(ACTORS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "an actor did not finish"
    assert failures == []
    # Enough of each kind went through for the interleavings to happen.
    assert {"vote", "hide", "restore", "resolve", "reopen"} <= set(done), done

    assert counters.recount() == []
    total_votes = db.session.execute(select(func.count()).select_from(Vote)).scalar_one()
    assert total_votes > 0
    for dataset_id in dataset_ids:
        problem_count, demand = dataset_counts(dataset_id)
        assert problem_count >= 0 and demand >= 0
