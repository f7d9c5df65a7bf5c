"""Follows and notifications, shared by every feature that tells followers something.

Notifications are written with one INSERT ... SELECT over the followers, and each recipient's
stored unread count rises in the same transaction, so the header's badge needs no query.

The stored count (users.unread_notifications) is only ever changed by relative updates
(`x = x + n`, `x = x - n`) whose `n` is the number of rows the same transaction inserted or
marked read, so concurrent requests never make it drift.

Email: every notification is written with email_state "pending"; the worker (civicboard.notify)
turns it into an email of its own, a digest entry, or nothing, after the commit. A problem
with more than NOTIFY_INLINE_MAX followers gets one NotificationFanout row instead of the
followers' rows, and the worker writes them: the request's time does not grow with the audience.

Reading: the notifications page marks the notifications it shows as read (they are
highlighted as new on that one view), and "mark all read" clears the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Integer, String, and_, case, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from civicboard.auth.models import User
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.places.models import Neighbourhood
from civicboard.problems import counters
from civicboard.problems.models import (
    AreaFollow,
    Category,
    Follow,
    Notification,
    NotificationFanout,
    NotificationKind,
    Problem,
    ProblemDataset,
)
from civicboard.timeutil import utcnow

# Recipients are updated in chunks, so a problem with many followers stays within the
# databases' limits on bound parameters.
_CHUNK = 500
# Session.info flag: the transaction wrote notifications (or a fan-out), so the worker is told after it commits.
NOTIFY_FLAG = "civicboard.notify.pending"


def written() -> None:
    """Note that this transaction wrote notifications: the worker looks at them after the commit."""
    db.session.info[NOTIFY_FLAG] = True


def is_following(user: User, *, problem_id: int | None = None, challenge_id: int | None = None) -> bool:
    """True when the user follows the problem (or challenge)."""
    if user is None or not user.is_authenticated:
        return False
    column, value = (Follow.problem_id, problem_id) if problem_id is not None else (Follow.challenge_id, challenge_id)
    return db.session.execute(select(Follow.id).where(Follow.user_id == user.id, column == value)).first() is not None


def follow(user: User, *, problem_id: int | None = None, challenge_id: int | None = None) -> bool:
    """Follow a problem or a challenge; returns False if already following."""
    if (problem_id is None) == (challenge_id is None):
        raise ValueError("follow exactly one problem or challenge")
    if is_following(user, problem_id=problem_id, challenge_id=challenge_id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Follow(user_id=user.id, problem_id=problem_id, challenge_id=challenge_id))
    except IntegrityError:
        return False  # a concurrent request followed first
    if problem_id is not None:
        counters.add_followers(problem_id, 1)
    return True


def unfollow(user: User, *, problem_id: int | None = None, challenge_id: int | None = None) -> bool:
    """Stop following; returns False if not following."""
    column, value = (Follow.problem_id, problem_id) if problem_id is not None else (Follow.challenge_id, challenge_id)
    result = db.session.execute(db.delete(Follow).where(Follow.user_id == user.id, column == value))
    if result.rowcount and problem_id is not None:
        counters.add_followers(problem_id, -1)
    return bool(result.rowcount)


def _bump_unread(user_ids: Iterable[int], delta: int = 1) -> None:
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), _CHUNK):
        db.session.execute(
            update(User)
            .where(User.id.in_(ids[start : start + _CHUNK]))
            .values(unread_notifications=User.unread_notifications + delta)
            .execution_options(synchronize_session=False)
        )


def notify_followers(
    kind: str,
    *,
    actor: User | None,
    problem_id: int | None = None,
    challenge_id: int | None = None,
    comment_id: int | None = None,
    response_id: int | None = None,
    only_user_ids: list[int] | None = None,
    exclude_user_ids: Iterable[int] = (),
) -> int:
    """Tell every follower of the problem (or challenge) except the actor; returns how many.

    One INSERT ... SELECT writes the rows; its RETURNING names exactly the recipients whose
    unread count then rises, so a follow committed meanwhile cannot skew the count. Above
    NOTIFY_INLINE_MAX followers, one fan-out row is written instead (and 0 returned): the
    worker writes the notifications after the commit (expand_fanout).
    """
    excluded = set(exclude_user_ids)
    if actor is not None:
        excluded.add(actor.id)
    written()
    target = _target(problem_id, challenge_id)
    inline_max = current_app.config.get("NOTIFY_INLINE_MAX", 200)
    audience = select(Follow.id).where(target).limit(inline_max + 1).subquery()
    if db.session.execute(select(func.count()).select_from(audience)).scalar_one() > inline_max:
        db.session.add(
            NotificationFanout(
                kind=kind,
                actor_id=actor.id if actor else None,
                problem_id=problem_id,
                challenge_id=challenge_id,
                comment_id=comment_id,
                response_id=response_id,
                exclude_user_ids=sorted(excluded),
                only_user_ids=None if only_user_ids is None else sorted(set(only_user_ids)),
                created_at=utcnow(),
            )
        )
        return 0
    return _insert_for_followers(
        kind,
        actor_id=actor.id if actor else None,
        problem_id=problem_id,
        challenge_id=challenge_id,
        comment_id=comment_id,
        response_id=response_id,
        excluded=excluded,
        only_user_ids=only_user_ids,
        created_at=utcnow(),
    )


def _target(problem_id: int | None, challenge_id: int | None):
    # A problem's followers when a problem is named (even with a challenge as context), else the challenge's.
    return Follow.problem_id == problem_id if problem_id is not None else Follow.challenge_id == challenge_id


def _insert_for_followers(
    kind: str,
    *,
    actor_id: int | None,
    problem_id: int | None,
    challenge_id: int | None,
    comment_id: int | None,
    response_id: int | None,
    excluded: set[int],
    only_user_ids: list[int] | None,
    created_at,
    followed_before=None,
) -> int:
    conditions = [_target(problem_id, challenge_id)]
    if excluded:
        conditions.append(Follow.user_id.not_in(sorted(excluded)))
    if only_user_ids is not None:
        conditions.append(Follow.user_id.in_(only_user_ids))
    if followed_before is not None:
        conditions.append(Follow.created_at <= followed_before)
    audience = select(Follow.user_id).where(and_(*conditions))
    return _insert_for(
        audience,
        kind,
        actor_id=actor_id,
        problem_id=problem_id,
        challenge_id=challenge_id,
        comment_id=comment_id,
        response_id=response_id,
        created_at=created_at,
    )


def _insert_for(
    audience,
    kind: str,
    *,
    actor_id: int | None,
    problem_id: int | None,
    challenge_id: int | None = None,
    comment_id: int | None = None,
    response_id: int | None = None,
    created_at,
) -> int:
    """One INSERT ... SELECT of a notification for each user id the audience query names."""
    # Typed literals: PostgreSQL cannot infer the type of a bare NULL in a SELECT list.
    source = audience.add_columns(
        literal(kind, String),
        literal(actor_id, Integer),
        literal(problem_id, Integer),
        literal(comment_id, Integer),
        literal(response_id, Integer),
        literal(challenge_id, Integer),
        literal(created_at, Notification.created_at.type),
    )
    recipients = (
        db.session.execute(
            insert(Notification)
            .from_select(
                [
                    "user_id",
                    "kind",
                    "actor_id",
                    "problem_id",
                    "comment_id",
                    "response_id",
                    "challenge_id",
                    "created_at",
                ],
                source,
            )
            .returning(Notification.user_id)
        )
        .scalars()
        .all()
    )
    _bump_unread(recipients)
    return len(recipients)


# -- area alerts: new problems in a dataset, a category or a neighbourhood someone follows ---------


def _area_audience(problem: Problem, excluded: set[int], followed_before=None):
    """The people following one of the problem's datasets, its category or its neighbourhood, each once."""
    areas = [
        AreaFollow.dataset_id.in_(select(ProblemDataset.dataset_id).where(ProblemDataset.problem_id == problem.id))
    ]
    if problem.category_id is not None:
        areas.append(AreaFollow.category_id == problem.category_id)
    if problem.neighbourhood_id is not None:
        areas.append(AreaFollow.neighbourhood_id == problem.neighbourhood_id)
    conditions = [or_(*areas)]
    if excluded:
        conditions.append(AreaFollow.user_id.not_in(sorted(excluded)))
    if followed_before is not None:
        conditions.append(AreaFollow.created_at <= followed_before)
    return select(AreaFollow.user_id).where(*conditions).distinct()


def alert_area_followers(problem: Problem, actor: User | None) -> int:
    """Tell the followers of a new problem's datasets, category and neighbourhood (an area alert); returns how many.

    Above NOTIFY_INLINE_MAX of them, one fan-out row is written instead (and 0 returned).
    """
    excluded = {actor.id} if actor is not None else set()
    audience = _area_audience(problem, excluded)
    inline_max = current_app.config.get("NOTIFY_INLINE_MAX", 200)
    bounded = audience.limit(inline_max + 1).subquery()
    written()
    if db.session.execute(select(func.count()).select_from(bounded)).scalar_one() > inline_max:
        db.session.add(
            NotificationFanout(
                kind=NotificationKind.AREA_ALERT.value,
                actor_id=actor.id if actor else None,
                problem_id=problem.id,
                exclude_user_ids=sorted(excluded),
                created_at=utcnow(),
            )
        )
        return 0
    return _insert_for(
        audience,
        NotificationKind.AREA_ALERT.value,
        actor_id=actor.id if actor else None,
        problem_id=problem.id,
        created_at=utcnow(),
    )


def _area_column(dataset_id: int | None, category_id: int | None, neighbourhood_id: int | None):
    """(AreaFollow's column, the id) of the one area named; ValueError unless exactly one is."""
    named = [
        (column, value)
        for column, value in (
            (AreaFollow.dataset_id, dataset_id),
            (AreaFollow.category_id, category_id),
            (AreaFollow.neighbourhood_id, neighbourhood_id),
        )
        if value is not None
    ]
    if len(named) != 1:
        raise ValueError("follow exactly one dataset, category or neighbourhood")
    return named[0]


def _require_signed_in(user: User | None) -> None:
    # Following is reading, not acting: an unconfirmed account may follow (permissions.ConfirmationRequired).
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(gettext("Please log in to continue."))


def area_follow_id(
    user: User | None,
    *,
    dataset_id: int | None = None,
    category_id: int | None = None,
    neighbourhood_id: int | None = None,
) -> int | None:
    """The id of the user's follow of this area, or None (anonymous visitors follow nothing)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    column, value = _area_column(dataset_id, category_id, neighbourhood_id)
    return db.session.execute(
        select(AreaFollow.id).where(AreaFollow.user_id == user.id, column == value)
    ).scalar_one_or_none()


def follow_area(
    user: User,
    *,
    dataset_id: int | None = None,
    category_id: int | None = None,
    neighbourhood_id: int | None = None,
) -> bool:
    """Follow new problems in a dataset, a category or a neighbourhood; False if already following."""
    _require_signed_in(user)
    if area_follow_id(user, dataset_id=dataset_id, category_id=category_id, neighbourhood_id=neighbourhood_id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                AreaFollow(
                    user_id=user.id, dataset_id=dataset_id, category_id=category_id, neighbourhood_id=neighbourhood_id
                )
            )
    except IntegrityError:
        return False  # a concurrent request followed first
    return True


def unfollow_area(user: User, area_follow_id: int) -> bool:
    """Stop following one of the user's areas; False if it was not theirs (or gone)."""
    _require_signed_in(user)
    result = db.session.execute(
        db.delete(AreaFollow).where(AreaFollow.id == area_follow_id, AreaFollow.user_id == user.id)
    )
    return bool(result.rowcount)


def unfollow_neighbourhood(user: User, neighbourhood_id: int) -> bool:
    """Stop following a neighbourhood; False if the user did not follow it."""
    _require_signed_in(user)
    result = db.session.execute(
        db.delete(AreaFollow).where(AreaFollow.user_id == user.id, AreaFollow.neighbourhood_id == neighbourhood_id)
    )
    return bool(result.rowcount)


def followed_areas(user: User) -> list[tuple[int, str, str, int | str]]:
    """The user's areas, each as (follow id, "dataset", "category" or "neighbourhood", its name, its id or slug).

    One query.
    """
    rows = db.session.execute(
        select(
            AreaFollow.id,
            Dataset.id,
            Dataset.title,
            Category.slug,
            Category.name,
            Neighbourhood.id,
            Neighbourhood.name,
        )
        .outerjoin(Dataset, Dataset.id == AreaFollow.dataset_id)
        .outerjoin(Category, Category.id == AreaFollow.category_id)
        .outerjoin(Neighbourhood, Neighbourhood.id == AreaFollow.neighbourhood_id)
        .where(AreaFollow.user_id == user.id)
        .order_by(AreaFollow.id)
    )
    areas: list[tuple[int, str, str, int | str]] = []
    for follow_id, dataset_id, title, slug, category_name, neighbourhood_id, neighbourhood_name in rows:
        if dataset_id is not None:
            areas.append((follow_id, "dataset", title, dataset_id))
        elif neighbourhood_id is not None:
            areas.append((follow_id, "neighbourhood", neighbourhood_name, neighbourhood_id))
        else:
            areas.append((follow_id, "category", category_name, slug))
    return areas


def expand_fanout(fanout_id: int) -> int | None:
    """Write a fan-out's notifications (the worker, in its own transaction); None if done already.

    The claim is the first statement: an UPDATE ... WHERE done_at IS NULL, so of two workers
    only one writes the rows. Followers who followed after the event are not told of it.
    """
    claimed = db.session.execute(
        update(NotificationFanout)
        .where(NotificationFanout.id == fanout_id, NotificationFanout.done_at.is_(None))
        .values(done_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    fanout = db.session.get(NotificationFanout, fanout_id)
    written()
    if fanout.kind == NotificationKind.AREA_ALERT:
        problem = db.session.get(Problem, fanout.problem_id)
        audience = _area_audience(problem, set(fanout.exclude_user_ids or []), followed_before=fanout.created_at)
        return _insert_for(
            audience, fanout.kind, actor_id=fanout.actor_id, problem_id=problem.id, created_at=fanout.created_at
        )
    return _insert_for_followers(
        fanout.kind,
        actor_id=fanout.actor_id,
        problem_id=fanout.problem_id,
        challenge_id=fanout.challenge_id,
        comment_id=fanout.comment_id,
        response_id=fanout.response_id,
        excluded=set(fanout.exclude_user_ids or []),
        only_user_ids=fanout.only_user_ids,
        created_at=fanout.created_at,
        followed_before=fanout.created_at,
    )


def pending_fanouts(limit: int = 100) -> list[int]:
    """Ids of fan-outs the worker has not expanded yet, oldest first."""
    return list(
        db.session.execute(
            select(NotificationFanout.id)
            .where(NotificationFanout.done_at.is_(None))
            .order_by(NotificationFanout.id)
            .limit(limit)
        ).scalars()
    )


def notify_user(
    user_id: int,
    kind: str,
    *,
    actor: User | None,
    problem_id: int | None = None,
    comment_id: int | None = None,
    response_id: int | None = None,
    challenge_id: int | None = None,
    detail: str = "",
) -> bool:
    """Tell one user something (a reply to their comment, say); never the actor themself."""
    if actor is not None and actor.id == user_id:
        return False
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor.id if actor else None,
            problem_id=problem_id,
            comment_id=comment_id,
            response_id=response_id,
            challenge_id=challenge_id,
            detail=detail,
        )
    )
    _bump_unread([user_id])
    written()
    return True


def mark_read(user: User, notification_ids: Iterable[int]) -> int:
    """Mark some of the user's notifications read; the unread count falls by as many."""
    ids = sorted(set(notification_ids))
    if not ids:
        return 0
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.id.in_(ids), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    _lower_unread(user, result.rowcount)
    return result.rowcount


def mark_all_read(user: User) -> int:
    """Mark every notification read; the unread count falls by the rows actually changed.

    A relative update, not `= 0`: a notification written by a concurrent transaction that
    this statement did not see stays counted.
    """
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    _lower_unread(user, result.rowcount)
    return result.rowcount


def _lower_unread(user: User, n: int) -> None:
    if not n:
        return
    table = User.__table__
    remaining = db.session.execute(
        update(table)
        .where(table.c.id == user.id)
        .values(
            unread_notifications=case((table.c.unread_notifications > n, table.c.unread_notifications - n), else_=0)
        )
        .returning(table.c.unread_notifications)
    ).scalar_one()
    if isinstance(user, User):
        # The header shows the fresh count without reloading the user (and without marking
        # the attribute dirty: a flush must not write this absolute value back).
        set_committed_value(user, "unread_notifications", remaining)


def recount_unread(user_id: int) -> int:
    """Recompute a user's unread count from the rows (repairs drift; used by tests and CLI)."""
    count = db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()
    db.session.execute(update(User).where(User.id == user_id).values(unread_notifications=count))
    return count
