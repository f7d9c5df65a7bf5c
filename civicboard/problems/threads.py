"""A problem's comments a page at a time: a thread of any size is a page of fixed size.

Top-level comments read in the order they were written, (created_at, id). A page holds at
most PAGE_SIZE of them, each with its newest REPLIES_SHOWN replies (replies go one level deep;
a link opens the whole thread). Paging is keyset, never OFFSET: `before` and `after` name the
top-level comment a page ends or starts next to, and the database walks the index
ix_comments_problem_id (problem_id, created_at, id) from there, however long the thread.

- the default page is the newest one: a reader sees the latest conversation first and
  "Show earlier comments" above it;
- `comment=<id>` is where a link to a comment lands: the page starting at its thread, or for
  a reply, its thread on its own, starting at that reply;
- `thread=<id>` shows one top-level comment with all its replies, REPLIES_PAGE_SIZE at a time.

Each page asks the database a fixed number of questions (two; a comment's link adds at most
two), whatever the number of comments. Who sees a hidden comment is problems.visibility's
rule; a hidden comment the viewer may not see stays as a placeholder when visible replies hang
off it, so its thread keeps its shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true, union_all
from sqlalchemy.orm import aliased

from civicboard.extensions import db
from civicboard.problems import visibility
from civicboard.problems.models import Comment, Problem

PAGE_SIZE = 50  # top-level comments on a page
REPLIES_SHOWN = 10  # newest replies shown under each of them
REPLIES_PAGE_SIZE = 50  # replies on a page of a single thread


@dataclass
class Thread:
    """A top-level comment and the replies shown with it (oldest first)."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    reply_count: int = 0  # replies the viewer may see, shown or not

    @property
    def earlier_replies(self) -> int:
        """How many of its replies are not shown (the older ones)."""
        return max(0, self.reply_count - len(self.replies))


@dataclass
class CommentPage:
    """One page of a problem's comments and where the pages next to it start.

    `earlier` and `later` are comment ids to pass as `before` / `after` (None: nothing there).
    In a single thread's page (`thread` set) they page its replies; `earlier` is then 0 when
    the page does not start at the first reply (the thread's page continues from its start).
    """

    threads: list[Thread]
    earlier: int | None = None
    later: int | None = None
    thread: Thread | None = None  # a single thread's page
    target_id: int | None = None  # the comment a link asked for

    @property
    def is_thread(self) -> bool:
        return self.thread is not None


# -- visibility ------------------------------------------------------------------------------------


def _shown_top_level(problem_id: int, viewer: Any) -> list[ColumnElement[bool]]:
    """Top-level comments of a problem the viewer sees, as text or as a placeholder over replies."""
    reply = aliased(Comment)
    clauses: list[ColumnElement[bool]] = [Comment.problem_id == problem_id, Comment.parent_id.is_(None)]
    if not visibility.is_moderator(viewer):
        seen = exists().where(reply.parent_id == Comment.id, visibility.visible(reply, viewer))
        clauses.append(or_(visibility.visible(Comment, viewer), seen))
    return clauses


# -- keyset positions ------------------------------------------------------------------------------


def _position(comment_id: int) -> tuple[Any, int]:
    """The (created_at, id) of a comment, as a scalar subquery (no query of its own)."""
    anchor = aliased(Comment)
    return select(anchor.created_at).where(anchor.id == comment_id).scalar_subquery(), comment_id


def _before(comment_id: int, *, inclusive: bool = False, model: Any = Comment) -> ColumnElement[bool]:
    at, cid = _position(comment_id)
    last = model.id <= cid if inclusive else model.id < cid
    return or_(model.created_at < at, and_(model.created_at == at, last))


def _after(comment_id: int, *, inclusive: bool = False) -> ColumnElement[bool]:
    at, cid = _position(comment_id)
    first = Comment.id >= cid if inclusive else Comment.id > cid
    return or_(Comment.created_at > at, and_(Comment.created_at == at, first))


_ASC = (Comment.created_at, Comment.id)
_DESC = (Comment.created_at.desc(), Comment.id.desc())


# -- the problem page ------------------------------------------------------------------------------


def load_comments(
    problem: Problem,
    viewer: Any,
    *,
    before: int | None = None,
    after: int | None = None,
    comment: int | None = None,
    thread: int | None = None,
) -> CommentPage:
    """The page of comments the arguments ask for (see the module's docstring)."""
    if comment:
        target = db.session.get(Comment, comment)
        if target is not None and target.problem_id == problem.id and visibility.is_visible_to(target, viewer):
            if target.parent_id is None:
                page = _top_level_page(problem.id, viewer, start=target.id)
            else:
                page = _thread_page(problem.id, viewer, target.parent_id, start=target.id)
            if page is not None:
                page.target_id = target.id
                return page
    if thread:
        page = _thread_page(problem.id, viewer, thread, after=after)
        if page is not None:
            return page
        after = None  # that cursor paged a thread that is not there
    return _top_level_page(problem.id, viewer, before=before, after=after)


def _top_level_page(
    problem_id: int, viewer: Any, *, before: int | None = None, after: int | None = None, start: int | None = None
) -> CommentPage:
    """A page of top-level comments with their newest replies, in one statement."""
    shown = _shown_top_level(problem_id, viewer)
    forward = bool(start or after)
    if forward:
        # From a comment on: the newer ones, oldest first.
        where = _after(start, inclusive=True) if start else _after(after)
        order = _ASC
    else:
        # Back from a comment, or from the newest: newest first, shown oldest first.
        where = _before(before) if before else true()
        order = _DESC
    tops = select(Comment.id).where(*shown, where).order_by(*order).limit(PAGE_SIZE + 1).cte("page_tops")
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.parent_id, order_by=_DESC).label("rank"),
            func.count().over(partition_by=Comment.parent_id).label("total"),
        )
        .where(Comment.parent_id.in_(select(tops.c.id)), visibility.visible(Comment, viewer))
        .cte("page_replies")
    )
    wanted = union_all(select(tops.c.id), select(ranked.c.id).where(ranked.c.rank <= REPLIES_SHOWN)).subquery()
    columns: list[Any] = [Comment, ranked.c.total]
    if start:
        # Whether anything is older than the comment the page starts at, in the same statement.
        columns.append(exists().where(*shown, _before(start)).label("has_earlier"))
    query = (
        select(*columns)
        .outerjoin(ranked, ranked.c.id == Comment.id)
        .where(Comment.id.in_(select(wanted.c.id)))
        .order_by(*_ASC)
    )
    rows = db.session.execute(query).all()
    top_rows = [row[0] for row in rows if row[0].parent_id is None]
    more = len(top_rows) > PAGE_SIZE
    if more:
        # The extra one only says there is more; drop it (and its replies) from the page.
        extra = top_rows.pop() if forward else top_rows.pop(0)
        rows = [row for row in rows if row[0].parent_id != extra.id]
    threads = [Thread(comment) for comment in top_rows]
    by_id = {thread.comment.id: thread for thread in threads}
    for row in rows:
        reply = row[0]
        if reply.parent_id in by_id:
            by_id[reply.parent_id].replies.append(reply)
            by_id[reply.parent_id].reply_count = row[1]
    earlier = later = None
    if threads:
        first, last = threads[0].comment.id, threads[-1].comment.id
        if forward:
            later = last if more else None
            earlier = first if (after or (start and rows[0][2])) else None
        else:
            earlier = first if more else None
            later = last if before else None
    return CommentPage(threads=threads, earlier=earlier, later=later)


def _thread_page(
    problem_id: int, viewer: Any, top_id: int, *, after: int | None = None, start: int | None = None
) -> CommentPage | None:
    """One top-level comment with a page of its replies, oldest first; None if it is not shown."""
    top = db.session.get(Comment, top_id)
    if top is None or top.problem_id != problem_id or top.parent_id is not None:
        return None
    columns: list[Any] = [Comment]
    if start:
        # Whether the reply a link asked for is its thread's first (then no link back to it).
        older = aliased(Comment)
        seen = visibility.visible(older, viewer)
        columns.append(exists().where(older.parent_id == top.id, seen, _before(start, model=older)).label("older"))
    query = (
        select(*columns)
        .where(Comment.parent_id == top.id, visibility.visible(Comment, viewer))
        .order_by(*_ASC)
        .limit(REPLIES_PAGE_SIZE + 1)
    )
    if start:
        query = query.where(_after(start, inclusive=True))
    elif after:
        query = query.where(_after(after))
    rows = db.session.execute(query).all()
    replies = [row[0] for row in rows[:REPLIES_PAGE_SIZE]]
    if not visibility.is_visible_to(top, viewer) and not replies and not (start or after):
        return None
    thread = Thread(top, replies, reply_count=len(replies))
    later = replies[-1].id if len(rows) > REPLIES_PAGE_SIZE else None
    # Replies page forward only; a page that starts past the first reply links back to the start.
    starts_later = bool(after) or bool(start and (not rows or rows[0][1]))
    earlier = 0 if starts_later else None
    return CommentPage(threads=[thread], earlier=earlier, later=later, thread=thread)
