"""Every stored counter that depends on problems, and the one place it changes.

- Problem.vote_count (rows in votes), Problem.comment_count (live comments: neither deleted
  nor hidden), Problem.follower_count (rows in follows), and Problem.hot, the ranking score
  (ranking.hot_score of the two counts and the creation time), rewritten with every change of
  the counts: by `refresh_hot`, or by `add_votes` in the same UPDATE as the count.
- Dataset.problem_count: visible problems tied to the dataset.
- Dataset.demand: votes on visible, not-closed problems tied to the dataset.

Every change is a relative `x = x + delta` in the same transaction as the rows it counts, so
concurrent transactions never lose an update. Whether a problem's votes count as demand is
decided from its row as the database holds it *under the row lock* (the UPDATE that changes
the count, or `lock`), never from an object loaded before: a vote that waited for a moderator's
hide, or for a status change, sees the problem as they left it. On PostgreSQL the UPDATE takes
the row lock and RETURNING reads the latest committed row; on SQLite the first write of a
transaction takes the database's write lock, so everything read after it is current.

`recount` compares each stored counter with a count of its rows (`flask counters check`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, Update, bindparam, func, not_, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm.attributes import set_committed_value

from civicboard.auth.models import User
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems.models import (
    CLOSED_STATUSES,
    Comment,
    Follow,
    Notification,
    Problem,
    ProblemDataset,
    Vote,
    is_closed_status,
)
from civicboard.problems.ranking import hot_score
from civicboard.timeutil import utcnow

# Scores are rounded to 7 places when stored; a float column may still differ in the last bit.
HOT_TOLERANCE = 1e-6
_CLOSED = sorted(status.value for status in CLOSED_STATUSES)


@dataclass(frozen=True)
class LockedProblem:
    """A problem's counted state, read while this transaction holds its row lock."""

    id: int
    vote_count: int
    comment_count: int
    created_at: datetime
    hidden_at: datetime | None
    status: str
    author_id: int | None
    locked_at: datetime | None

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def counts_for_demand(self) -> bool:
        """Whether this problem's votes are part of its datasets' demand."""
        return counts_for_demand(self.hidden, self.status)


LOCKED_COLUMNS = tuple(LockedProblem.__dataclass_fields__)


def counts_for_demand(hidden: bool, status: str) -> bool:
    """Votes count as demand on visible problems that are not closed."""
    return not hidden and not is_closed_status(status)


def _table() -> Table:
    return Problem.__table__


def _update_problem(problem_id: int, **values) -> LockedProblem:
    """One UPDATE of the problem's row (taking its lock) that returns the row as it now is.

    The session may flush a loaded Problem's pending changes first (autoflush), so the row read
    back can already hold a caller's new status or hidden_at: callers therefore say what they
    changed (the old status, whether it was hidden), and only the rest is taken from the row.
    """
    table = _table()
    row = db.session.execute(
        update(table)
        .where(table.c.id == problem_id)
        .values(**values)
        .returning(*(table.c[name] for name in LOCKED_COLUMNS))
    ).one_or_none()
    return _locked_or_missing(problem_id, row)


def _locked_or_missing(problem_id: int, row: Any) -> LockedProblem:
    if row is None:
        raise NoResultFound(f"No problem {problem_id}")
    return LockedProblem(*row)


def lock(problem_id: int) -> LockedProblem:
    """Take the problem's row lock and read what the counters depend on.

    A no-op UPDATE rather than SELECT ... FOR UPDATE: it locks the row on PostgreSQL and takes
    the write lock on SQLite, which ignores FOR UPDATE.
    """
    return _locked_or_missing(problem_id, _lock_row(problem_id))


def lock_if_any(problem_id: int) -> LockedProblem | None:
    """`lock`, or None when there is no such problem (nothing is locked then)."""
    row = _lock_row(problem_id)
    return None if row is None else LockedProblem(*row)


def _lock_row(problem_id: int) -> Any:
    return db.session.execute(_lock_statement(), {"locked_id": problem_id}).one_or_none()


# Every vote runs the statements below: each is built once, not per vote (building one costs
# more than the database takes to run it).


@cache
def _lock_statement() -> Update:
    table = _table()
    return (
        update(table)
        .where(table.c.id == bindparam("locked_id"))
        .values(vote_count=table.c.vote_count)
        .returning(*(table.c[name] for name in LOCKED_COLUMNS))
    )


@cache
def _vote_count_statement() -> Update:
    table = _table()
    return (
        update(table)
        .where(table.c.id == bindparam("counted_id"))
        .values(vote_count=table.c.vote_count + bindparam("delta"), hot=bindparam("new_hot"))
    )


@cache
def _tied_datasets_query() -> Select:
    return select(ProblemDataset.dataset_id).where(ProblemDataset.problem_id == bindparam("tied_to"))


@cache
def _shift_statement() -> Update:
    return (
        update(Dataset)
        .where(Dataset.id.in_(bindparam("dataset_ids", expanding=True)))
        # updated_at is about the catalog record; a vote elsewhere must not bump it.
        .values(
            problem_count=Dataset.problem_count + bindparam("problems_delta"),
            demand=Dataset.demand + bindparam("demand_delta"),
            updated_at=Dataset.updated_at,
        )
        .execution_options(synchronize_session=False)
    )


def _remember(problem_id: int, **values) -> None:
    """Tell a loaded Problem what the database now holds, without marking it dirty.

    An ORM flush of absolute values would undo concurrent relative updates.
    """
    problem = db.session.identity_map.get(db.session.identity_key(Problem, problem_id))
    if problem is not None:
        for name, value in values.items():
            set_committed_value(problem, name, value)


def initial_hot(created_at: datetime) -> float:
    """The hot score of a problem with no votes or comments yet."""
    return hot_score(0, 0, created_at)


def refresh_hot(problem_id: int, row: LockedProblem | None = None) -> float:
    """Rewrite a problem's hot score from its stored counts: the one way the score changes."""
    row = row or lock(problem_id)
    hot = hot_score(row.vote_count, row.comment_count, row.created_at)
    table = _table()
    db.session.execute(update(table).where(table.c.id == problem_id).values(hot=hot))
    _remember(problem_id, vote_count=row.vote_count, comment_count=row.comment_count, hot=hot)
    return hot


# -- dataset counters ----------------------------------------------------------------------------


def tied_dataset_ids(problem_id: int) -> list[int]:
    """The datasets a problem is tied to."""
    return list(db.session.scalars(_tied_datasets_query(), {"tied_to": problem_id}))


def shift(dataset_ids: Iterable[int], *, problems: int = 0, demand: int = 0) -> None:
    """Add to the counters of some datasets atomically."""
    ids = sorted(set(dataset_ids))
    if not ids or (problems == 0 and demand == 0):
        return
    db.session.execute(_shift_statement(), {"dataset_ids": ids, "problems_delta": problems, "demand_delta": demand})


# -- the changes ---------------------------------------------------------------------------------


def on_problem_created(problem: Problem, dataset_ids: Iterable[int]) -> None:
    """A new visible problem counts once for each dataset it is tied to."""
    shift(dataset_ids, problems=1)


def on_datasets_changed(problem: Problem, added: Iterable[int], removed: Iterable[int]) -> None:
    """Ties added or removed (an edit, or a data request answered with a new dataset)."""
    row = lock(problem.id)
    if row.hidden:
        return
    votes = row.vote_count if row.counts_for_demand else 0
    shift(added, problems=1, demand=votes)
    shift(removed, problems=-1, demand=-votes)


def add_votes(locked: LockedProblem, delta: int) -> int:
    """A vote added (+1) or withdrawn (-1) on a problem whose row lock this transaction took
    (`lock`): the count and the hot score in one UPDATE, then the demand; returns the count.

    The locked row is current (nobody else can change it until this transaction ends), so the
    new count and its score are computed from it rather than read back.
    """
    vote_count = locked.vote_count + delta
    hot = hot_score(vote_count, locked.comment_count, locked.created_at)
    db.session.execute(_vote_count_statement(), {"counted_id": locked.id, "delta": delta, "new_hot": hot})
    _remember(locked.id, vote_count=vote_count, hot=hot)
    if locked.counts_for_demand:
        shift(tied_dataset_ids(locked.id), demand=delta)
    return vote_count


def votes_recounted(problem_id: int) -> tuple[int, int]:
    """Set the vote count from the votes rows (after votes were carried over from a duplicate).

    Returns (count before, count after); the demand moves by the difference.
    """
    before = lock(problem_id)
    exact = select(func.count()).select_from(Vote).where(Vote.problem_id == problem_id).scalar_subquery()
    after = _update_problem(problem_id, vote_count=exact)
    refresh_hot(problem_id, after)
    if after.counts_for_demand:
        shift(tied_dataset_ids(problem_id), demand=after.vote_count - before.vote_count)
    return before.vote_count, after.vote_count


def add_comments(problem_id: int, delta: int) -> int:
    """A live comment added (+1), deleted or hidden (-1), or restored (+1); returns the count.

    A new comment is activity (last_activity_at); one taken away is not.
    """
    table = _table()
    values: dict = {"comment_count": table.c.comment_count + delta}
    if delta > 0:
        values["last_activity_at"] = utcnow()
    row = _update_problem(problem_id, **values)
    refresh_hot(problem_id, row)
    return row.comment_count


def add_followers(problem_id: int, delta: int) -> None:
    """Someone followed (+1) or stopped following (-1) the problem."""
    table = _table()
    db.session.execute(
        update(table).where(table.c.id == problem_id).values(follower_count=table.c.follower_count + delta)
    )


def on_status_change(problem: Problem, old_status: str) -> None:
    """Closing a problem removes its votes from demand; reopening adds them back.

    `problem.status` is the new status and `old_status` the one read under the row lock.
    """
    row = lock(problem.id)
    before = counts_for_demand(row.hidden, old_status)
    after = counts_for_demand(row.hidden, problem.status)
    if before != after:
        votes = row.vote_count
        shift(tied_dataset_ids(problem.id), demand=votes if after else -votes)


def on_visibility_change(problem: Problem, was_hidden: bool) -> None:
    """Hiding removes a problem from every count; restoring brings it back.

    `problem.hidden_at` is the new state and `was_hidden` the one read under the row lock; the
    status and the votes are read here, under the same lock.
    """
    if was_hidden == problem.is_hidden:
        return
    row = lock(problem.id)
    sign = -1 if problem.is_hidden else 1
    votes = row.vote_count if counts_for_demand(False, row.status) else 0
    shift(tied_dataset_ids(problem.id), problems=sign, demand=sign * votes)


# -- recount -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A stored counter that differs from a count of its rows."""

    table: str
    row_id: int
    column: str
    stored: float
    actual: float

    def __str__(self) -> str:
        return f"{self.table} {self.row_id} {self.column}: stored {self.stored}, actual {self.actual}"


@dataclass(frozen=True)
class StoredCounter:
    """A stored integer column and the correlated subquery that recounts it."""

    model: type
    column: str
    actual: Callable


def count_rows(model, *conditions):
    """A correlated COUNT(*) of model's rows matching conditions (for StoredCounter.actual)."""
    return select(func.count()).select_from(model).where(*conditions).correlate_except(model).scalar_subquery()


def _visible_ties():
    return (
        select(func.count())
        .select_from(ProblemDataset)
        .join(Problem, Problem.id == ProblemDataset.problem_id)
        .where(ProblemDataset.dataset_id == Dataset.id, Problem.hidden_at.is_(None))
        .correlate(Dataset)
        .scalar_subquery()
    )


def _demand():
    return (
        select(func.count())
        .select_from(Vote)
        .join(ProblemDataset, ProblemDataset.problem_id == Vote.problem_id)
        .join(Problem, Problem.id == Vote.problem_id)
        .where(
            ProblemDataset.dataset_id == Dataset.id,
            Problem.hidden_at.is_(None),
            not_(Problem.status.in_(_CLOSED)),
        )
        .correlate(Dataset)
        .scalar_subquery()
    )


COUNTERS: list[StoredCounter] = [
    StoredCounter(Problem, "vote_count", lambda: count_rows(Vote, Vote.problem_id == Problem.id)),
    StoredCounter(
        Problem,
        "comment_count",
        lambda: count_rows(
            Comment, Comment.problem_id == Problem.id, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None)
        ),
    ),
    StoredCounter(Problem, "follower_count", lambda: count_rows(Follow, Follow.problem_id == Problem.id)),
    StoredCounter(Dataset, "problem_count", _visible_ties),
    StoredCounter(Dataset, "demand", _demand),
    StoredCounter(
        User,
        "unread_notifications",
        lambda: count_rows(Notification, Notification.user_id == User.id, Notification.read_at.is_(None)),
    ),
]


def _count_drift(counter: StoredCounter) -> Iterator[Drift]:
    model = counter.model
    stored = getattr(model, counter.column)
    actual = counter.actual().label("actual")
    rows = db.session.execute(select(model.id, stored, actual).where(stored != actual).order_by(model.id))
    for row_id, value, recounted in rows:
        yield Drift(model.__tablename__, row_id, counter.column, value, recounted)


def _hot_drift(recounted: dict[tuple[int, str], int], batch_size: int = 5000) -> Iterator[Drift]:
    """Hot scores that do not match the counts (as recounted), in keyset batches: flat memory at 100k."""
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Problem.id, Problem.vote_count, Problem.comment_count, Problem.created_at, Problem.hot)
            .where(Problem.id > last_id)
            .order_by(Problem.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        for row_id, votes, comments, created_at, hot in rows:
            votes = recounted.get((row_id, "vote_count"), votes)
            comments = recounted.get((row_id, "comment_count"), comments)
            expected = hot_score(votes, comments, created_at)
            if abs(hot - expected) > HOT_TOLERANCE:
                yield Drift("problems", row_id, "hot", hot, expected)
        last_id = rows[-1][0]


def recount(*, fix: bool = False, counters: Iterable[StoredCounter] = ()) -> list[Drift]:
    """Every stored counter that differs from a recount of its rows; with fix, set it right.

    COUNTERS are always checked; `counters` adds those of packages above this one (flags).

    The caller commits. Each repair writes the recount in one statement; on a busy board run
    it again to confirm (a transaction still open meanwhile can leave a fresh difference).
    Hot scores are checked last, against the recounted votes and comments.
    """
    found: list[Drift] = []
    for counter in [*COUNTERS, *counters]:
        drift = list(_count_drift(counter))
        found.extend(drift)
        if fix and drift:
            model = counter.model
            ids = [d.row_id for d in drift]
            for start in range(0, len(ids), 500):
                db.session.execute(
                    update(model)
                    .where(model.id.in_(ids[start : start + 500]))
                    .values({counter.column: counter.actual()})
                    .execution_options(synchronize_session=False)
                )
    recounted = {(d.row_id, d.column): int(d.actual) for d in found if d.table == "problems"}
    hot = list(_hot_drift(recounted))
    found.extend(hot)
    if fix and hot:
        table = _table()
        db.session.execute(
            update(table).where(table.c.id == bindparam("row_id")).values(hot=bindparam("hot")),
            [{"row_id": d.row_id, "hot": d.actual} for d in hot],
        )
    if fix:
        db.session.expire_all()
    return found
