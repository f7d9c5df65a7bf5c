"""Dataset counters that depend on problems, kept exact in the same transaction.

- Dataset.problem_count: visible problems tied to the dataset.
- Dataset.demand: votes on visible, not-closed problems tied to the dataset.

Every change is an atomic `x = x + delta` on the rows, so concurrent transactions never lose
an update. Callers pass the problem *after* their change and say what it was before.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems.models import CLOSED_STATUSES, Problem, ProblemDataset, ProblemStatus


def counts_for_demand(hidden: bool, status: str) -> bool:
    """Votes count as demand on visible problems that are not closed."""
    return not hidden and ProblemStatus(status) not in CLOSED_STATUSES


def tied_dataset_ids(problem_id: int) -> list[int]:
    """The datasets a problem is tied to."""
    return list(
        db.session.execute(select(ProblemDataset.dataset_id).where(ProblemDataset.problem_id == problem_id))
        .scalars()
        .all()
    )


def shift(dataset_ids: Iterable[int], *, problems: int = 0, demand: int = 0) -> None:
    """Add to the counters of some datasets atomically."""
    ids = sorted(set(dataset_ids))
    if not ids or (problems == 0 and demand == 0):
        return
    db.session.execute(
        update(Dataset)
        .where(Dataset.id.in_(ids))
        # updated_at is about the catalog record; a vote elsewhere must not bump it.
        .values(
            problem_count=Dataset.problem_count + problems,
            demand=Dataset.demand + demand,
            updated_at=Dataset.updated_at,
        )
        .execution_options(synchronize_session=False)
    )


def current_vote_count(problem_id: int) -> int:
    """The stored vote count as the database has it now (not a possibly stale attribute)."""
    return db.session.execute(select(Problem.vote_count).where(Problem.id == problem_id)).scalar_one()


def on_problem_created(problem: Problem, dataset_ids: Iterable[int]) -> None:
    """A new visible problem counts once for each dataset it is tied to."""
    shift(dataset_ids, problems=1)


def on_datasets_changed(problem: Problem, added: Iterable[int], removed: Iterable[int]) -> None:
    """Ties added or removed (an edit, or a data request answered with a new dataset)."""
    if problem.is_hidden:
        return
    votes = current_vote_count(problem.id) if counts_for_demand(False, problem.status) else 0
    shift(added, problems=1, demand=votes)
    shift(removed, problems=-1, demand=-votes)


def on_vote(problem: Problem, delta: int) -> None:
    """A vote added (+1) or withdrawn (-1), or votes carried over from a duplicate (+n)."""
    if counts_for_demand(problem.is_hidden, problem.status):
        shift(tied_dataset_ids(problem.id), demand=delta)


def on_status_change(problem: Problem, old_status: str) -> None:
    """Closing a problem removes its votes from demand; reopening adds them back."""
    before = counts_for_demand(problem.is_hidden, old_status)
    after = counts_for_demand(problem.is_hidden, problem.status)
    if before != after:
        votes = current_vote_count(problem.id)
        shift(tied_dataset_ids(problem.id), demand=votes if after else -votes)


def on_visibility_change(problem: Problem, was_hidden: bool) -> None:
    """Hiding removes a problem from every count; restoring brings it back."""
    if was_hidden == problem.is_hidden:
        return
    sign = -1 if problem.is_hidden else 1
    votes = current_vote_count(problem.id) if counts_for_demand(False, problem.status) else 0
    shift(tied_dataset_ids(problem.id), problems=sign, demand=sign * votes)
