"""Follows and notifications, shared by every feature that tells followers something.

Notifications are written with one INSERT ... SELECT over the followers, and each recipient's
stored unread count rises in the same transaction, so the header's badge needs no query.
"""

from __future__ import annotations

from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.problems.models import Follow, Notification, Problem
from civicboard.timeutil import utcnow


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
        db.session.execute(
            update(Problem).where(Problem.id == problem_id).values(follower_count=Problem.follower_count + 1)
        )
    return True


def unfollow(user: User, *, problem_id: int | None = None, challenge_id: int | None = None) -> bool:
    """Stop following; returns False if not following."""
    column, value = (Follow.problem_id, problem_id) if problem_id is not None else (Follow.challenge_id, challenge_id)
    result = db.session.execute(db.delete(Follow).where(Follow.user_id == user.id, column == value))
    if result.rowcount and problem_id is not None:
        db.session.execute(
            update(Problem).where(Problem.id == problem_id).values(follower_count=Problem.follower_count - 1)
        )
    return bool(result.rowcount)


def notify_followers(
    kind: str,
    *,
    actor: User | None,
    problem_id: int | None = None,
    challenge_id: int | None = None,
    comment_id: int | None = None,
    response_id: int | None = None,
    only_user_ids: list[int] | None = None,
) -> None:
    """Tell every follower of the problem (or challenge) except the actor, in one statement."""
    # A problem's followers when a problem is named (even with a challenge as context), else the challenge's.
    target = Follow.problem_id == problem_id if problem_id is not None else Follow.challenge_id == challenge_id
    conditions = [target]
    if actor is not None:
        conditions.append(Follow.user_id != actor.id)
    if only_user_ids is not None:
        conditions.append(Follow.user_id.in_(only_user_ids))
    followers = select(Follow.user_id).where(and_(*conditions))
    now = utcnow()
    source = select(
        Follow.user_id,
        literal(kind),
        literal(actor.id if actor else None),
        literal(problem_id),
        literal(comment_id),
        literal(response_id),
        literal(challenge_id),
        literal(now),
    ).where(and_(*conditions))
    db.session.execute(
        insert(Notification).from_select(
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
    )
    db.session.execute(
        update(User)
        .where(User.id.in_(followers))
        .values(unread_notifications=User.unread_notifications + 1)
        .execution_options(synchronize_session=False)
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
) -> None:
    """Tell one user something (a reply to their comment, say)."""
    if actor is not None and actor.id == user_id:
        return
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor.id if actor else None,
            problem_id=problem_id,
            comment_id=comment_id,
            response_id=response_id,
            challenge_id=challenge_id,
        )
    )
    db.session.execute(
        update(User).where(User.id == user_id).values(unread_notifications=User.unread_notifications + 1)
    )


def mark_all_read(user: User) -> int:
    """Mark every notification read and reset the stored count."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.execute(update(User).where(User.id == user.id).values(unread_notifications=0))
    return result.rowcount


def recount_unread(user_id: int) -> int:
    """Recompute a user's unread count from the rows (repairs drift; used by tests and CLI)."""
    count = db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()
    db.session.execute(update(User).where(User.id == user_id).values(unread_notifications=count))
    return count
