"""Read paths for moderators: the flag queue, the audit log, a user's record.

Each page asks a fixed number of questions whatever the number of items: one aggregate for
the queue's page, then one query each for its flags, problems and comments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import joinedload

from civicboard.audit.models import AuditEntry
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.moderation.models import Flag
from civicboard.problems.models import Comment, Problem

QUEUE_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
USER_RECENT = 20


@dataclass
class QueueItem:
    """One flagged problem or comment, with its open flags."""

    target_type: str
    target_id: int
    open_count: int
    latest_at: datetime
    latest_flag_id: int
    flags: list[Flag] = field(default_factory=list)
    target: Problem | Comment | None = None
    # For a comment: the problem it is on.
    problem: Problem | None = None

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """Each reason given and how many times, most frequent first."""
        return Counter(f.reason for f in self.flags).most_common()

    @property
    def notes(self) -> list[Flag]:
        """The flags that came with a note."""
        return [f for f in self.flags if f.note]


@dataclass
class Page:
    """A page of items and the cursor of the next page (None on the last)."""

    items: list[Any]
    next_cursor: str | None


def flag_queue(before: int | None = None, limit: int = QUEUE_PAGE_SIZE) -> Page:
    """Items with open flags, grouped, the most recently flagged first (keyset on the newest flag)."""
    newest = func.max(Flag.id)
    query = (
        select(
            Flag.target_type,
            Flag.target_id,
            func.count().label("open_count"),
            func.max(Flag.created_at).label("latest_at"),
            newest.label("latest_id"),
        )
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.target_type, Flag.target_id)
        .order_by(newest.desc())
        .limit(limit + 1)
    )
    if before:
        query = query.having(newest < before)
    rows = db.session.execute(query).all()
    items = [QueueItem(r.target_type, r.target_id, r.open_count, r.latest_at, r.latest_id) for r in rows[:limit]]
    cursor = str(items[-1].latest_flag_id) if len(rows) > limit else None
    if not items:
        return Page([], None)

    problem_ids = [i.target_id for i in items if i.target_type == "problem"]
    comment_ids = [i.target_id for i in items if i.target_type == "comment"]
    flags = (
        db.session.execute(
            select(Flag)
            .where(
                Flag.resolved_at.is_(None),
                or_(
                    and_(Flag.target_type == "problem", Flag.target_id.in_(problem_ids)) if problem_ids else false(),
                    and_(Flag.target_type == "comment", Flag.target_id.in_(comment_ids)) if comment_ids else false(),
                ),
            )
            .order_by(Flag.created_at.desc(), Flag.id.desc())
        )
        .scalars()
        .all()
    )
    problems = {p.id: p for p in db.session.execute(select(Problem).where(Problem.id.in_(problem_ids))).scalars().all()}
    comments = {
        c.id: c
        for c in db.session.execute(
            select(Comment).where(Comment.id.in_(comment_ids)).options(joinedload(Comment.problem))
        )
        .scalars()
        .all()
    }
    by_target: dict[tuple[str, int], list[Flag]] = {}
    for f in flags:
        by_target.setdefault((f.target_type, f.target_id), []).append(f)
    for item in items:
        item.flags = by_target.get((item.target_type, item.target_id), [])
        if item.target_type == "problem":
            item.target = problems.get(item.target_id)
            item.problem = item.target
        else:
            item.target = comments.get(item.target_id)
            item.problem = item.target.problem if item.target is not None else None
    return Page(items, cursor)


@dataclass
class AuditFilters:
    """What the audit log page filters by; empty values filter nothing."""

    action: str = ""
    actor_id: int | None = None
    system_only: bool = False
    target_type: str = ""
    target_id: str = ""
    start: date | None = None
    end: date | None = None


def audit_entries(filters: AuditFilters, before: int | None = None, limit: int = AUDIT_PAGE_SIZE) -> Page:
    """Audit entries, newest first, filtered; keyset pages on id.

    An action ending in "." (such as "problem.") matches every action that starts with it.
    Dates are UTC and inclusive.
    """
    query = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == filters.action)
    if filters.system_only:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.start:
        query = query.where(AuditEntry.created_at >= datetime.combine(filters.start, time.min))
    if filters.end:
        query = query.where(AuditEntry.created_at < datetime.combine(filters.end + timedelta(days=1), time.min))
    if before:
        query = query.where(AuditEntry.id < before)
    rows = db.session.execute(query.limit(limit + 1)).scalars().all()
    items = list(rows[:limit])
    return Page(items, str(items[-1].id) if len(rows) > limit else None)


def find_user_id(value: str) -> int | None:
    """A user id from an id or an email address (the audit log's actor filter)."""
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    return db.session.execute(select(User.id).where(User.email == value.lower())).scalar()


@dataclass
class UserRecord:
    """What a moderator needs to judge a user: recent content, flags, moderation history."""

    problems: list[Problem]
    comments: list[tuple[Comment, str]]
    flags_filed: list[Flag]
    open_flags_against: int
    history: list[AuditEntry]


def user_record(user: User) -> UserRecord:
    """Recent problems and comments (hidden ones included), flags, and audit history: five queries."""
    problems = (
        db.session.execute(
            select(Problem)
            .where(Problem.author_id == user.id)
            .order_by(Problem.created_at.desc(), Problem.id.desc())
            .limit(USER_RECENT)
        )
        .scalars()
        .all()
    )
    comments = db.session.execute(
        select(Comment, Problem.title)
        .join(Problem, Problem.id == Comment.problem_id)
        .where(Comment.author_id == user.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(USER_RECENT)
    ).all()
    flags_filed = (
        db.session.execute(
            select(Flag)
            .where(Flag.user_id == user.id)
            .order_by(Flag.created_at.desc(), Flag.id.desc())
            .limit(USER_RECENT)
        )
        .scalars()
        .all()
    )
    against = db.session.execute(
        select(func.count())
        .select_from(Flag)
        .where(
            Flag.resolved_at.is_(None),
            or_(
                and_(
                    Flag.target_type == "problem",
                    Flag.target_id.in_(select(Problem.id).where(Problem.author_id == user.id)),
                ),
                and_(
                    Flag.target_type == "comment",
                    Flag.target_id.in_(select(Comment.id).where(Comment.author_id == user.id)),
                ),
            ),
        )
    ).scalar_one()
    history = (
        db.session.execute(
            select(AuditEntry)
            .options(joinedload(AuditEntry.actor))
            .where(AuditEntry.target_type == "user", AuditEntry.target_id == str(user.id))
            .order_by(AuditEntry.id.desc())
            .limit(USER_RECENT)
        )
        .scalars()
        .all()
    )
    return UserRecord(list(problems), [(c, t) for c, t in comments], list(flags_filed), against, list(history))


def reported_on_problem(user_id: Any, problem_id: Any) -> Select:
    """A SELECT of ("problem"/"comment", id) rows: what the user has reported on a problem's page.

    The problem page runs it with its other questions about the viewer (in one statement,
    whatever the number of comments), to say "Reported" instead of offering a second report
    that the service would refuse. Ids, or bound parameters for them (a statement built once).
    """
    # From the user's own reports (a handful), each comment looked up by its key: never the
    # ids of every comment of a thread that may hold twenty thousand.
    on_this_problem = exists().where(Comment.id == Flag.target_id, Comment.problem_id == problem_id)
    return select(Flag.target_type, Flag.target_id).where(
        Flag.user_id == user_id,
        or_(
            and_(Flag.target_type == "problem", Flag.target_id == problem_id),
            and_(Flag.target_type == "comment", on_this_problem),
        ),
    )


def reported_items(user: Any, problem_id: int) -> set[tuple[str, int]]:
    """What the user has reported on a problem's page, on its own (one query; none when anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {(kind, item_id) for kind, item_id in db.session.execute(reported_on_problem(user.id, problem_id))}
