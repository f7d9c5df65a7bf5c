"""Read paths for staff pages, the problem page and the API: one query per list.

The staff queue lists problems waiting for a first official response (open, visible, never
answered), data requests waiting for an answer, and problems acknowledged or in progress that
are still to resolve. It is sorted by votes (most first), then by age (oldest first among equal votes, so
the longest wait is answered first), then by id; pages are keyset cursors, never OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from civicboard.auth.models import Department
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems import visibility
from civicboard.problems.models import (
    CLOSED_STATUSES,
    Category,
    Comment,
    DataRequestStatus,
    Problem,
    ProblemDataset,
    ProblemStatus,
)
from civicboard.staff.models import Evidence, Response

QUEUE_PAGE_SIZE = 30
DEPARTMENT_PAGE_SIZE = 30
# How many datasets the queue's dataset filter offers (the most-used ones).
DATASET_FILTER_SIZE = 100


class QueueTab:
    """The staff queue's lists."""

    RESPONSES = "responses"
    DATA_REQUESTS = "data-requests"
    TO_RESOLVE = "to-resolve"
    ALL = (RESPONSES, TO_RESOLVE, DATA_REQUESTS)


@dataclass
class Page:
    """A page of items and the cursor of the next page (None on the last)."""

    items: list[Any]
    next_cursor: str | None


def encode_cursor(*parts: Any) -> str:
    """A URL-safe cursor from a row's sort key."""
    return "_".join(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)


def _decode(cursor: str | None, *kinds: type) -> tuple[Any, ...] | None:
    """Parse a cursor made by encode_cursor; None when missing or malformed (first page)."""
    if not cursor:
        return None
    pieces = cursor.split("_")
    if len(pieces) != len(kinds):
        return None
    values = []
    try:
        for piece, kind in zip(pieces, kinds, strict=True):
            values.append(datetime.fromisoformat(piece) if kind is datetime else kind(piece))
    except ValueError:
        return None
    return tuple(values)


def waiting_conditions(tab: str) -> list[Any]:
    """What "waiting" means for each tab (visible problems only)."""
    if tab == QueueTab.DATA_REQUESTS:
        return [
            visibility.public(Problem),
            Problem.data_request.is_not(None),
            or_(
                Problem.data_request_status.is_(None),
                Problem.data_request_status == DataRequestStatus.REQUESTED.value,
            ),
            Problem.status.not_in([s.value for s in CLOSED_STATUSES]),
        ]
    if tab == QueueTab.TO_RESOLVE:
        return [
            visibility.public(Problem),
            Problem.status.in_([ProblemStatus.ACKNOWLEDGED.value, ProblemStatus.IN_PROGRESS.value]),
        ]
    return [
        visibility.public(Problem),
        Problem.first_response_at.is_(None),
        Problem.status == ProblemStatus.OPEN.value,
    ]


def staff_queue(
    tab: str = QueueTab.RESPONSES,
    *,
    department_id: int | None = None,
    dataset_id: int | None = None,
    category_id: int | None = None,
    after: str | None = None,
    limit: int = QUEUE_PAGE_SIZE,
) -> Page:
    """One page of waiting problems, most votes first, then the longest waiting."""
    query = (
        select(Problem)
        .where(*waiting_conditions(tab))
        .options(selectinload(Problem.dataset_links))
        .order_by(Problem.vote_count.desc(), Problem.created_at.asc(), Problem.id.asc())
    )
    if department_id:
        query = query.where(Problem.category_id.in_(select(Category.id).where(Category.department_id == department_id)))
    if category_id:
        query = query.where(Problem.category_id == category_id)
    if dataset_id:
        query = query.where(
            exists().where(ProblemDataset.problem_id == Problem.id, ProblemDataset.dataset_id == dataset_id)
        )
    anchor = _decode(after, int, datetime, int)
    if anchor:
        votes, created_at, problem_id = anchor
        query = query.where(
            or_(
                Problem.vote_count < votes,
                and_(
                    Problem.vote_count == votes,
                    or_(
                        Problem.created_at > created_at, and_(Problem.created_at == created_at, Problem.id > problem_id)
                    ),
                ),
            )
        )
    rows = db.session.execute(query.limit(limit + 1)).scalars().all()
    items = list(rows[:limit])
    cursor = None
    if len(rows) > limit:
        last = items[-1]
        cursor = encode_cursor(last.vote_count, last.created_at, last.id)
    return Page(items, cursor)


@dataclass
class QueueFilters:
    """What the queue's filter form offers."""

    departments: list[Department]
    categories: list[Category]
    datasets: list[tuple[int, str]]


def queue_filters(selected_dataset_id: int | None = None) -> QueueFilters:
    """Departments, categories and the most-used datasets (plus the selected one): three queries."""
    departments = db.session.execute(select(Department).order_by(Department.name)).scalars().all()
    categories = db.session.execute(select(Category).order_by(Category.position, Category.name)).scalars().all()
    used = Dataset.problem_count > 0
    condition = or_(used, Dataset.id == selected_dataset_id) if selected_dataset_id else used
    datasets = db.session.execute(
        select(Dataset.id, Dataset.title)
        .where(condition)
        .order_by(Dataset.problem_count.desc(), Dataset.title)
        .limit(DATASET_FILTER_SIZE)
    ).all()
    pairs = [(row.id, row.title) for row in datasets]
    if selected_dataset_id and all(i != selected_dataset_id for i, _ in pairs):
        # The selected dataset is rarely used: it fell outside the limit; ask for it alone.
        title = db.session.execute(select(Dataset.title).where(Dataset.id == selected_dataset_id)).scalar()
        if title is not None:
            pairs.append((selected_dataset_id, title))
    return QueueFilters(list(departments), list(categories), pairs)


@dataclass
class DepartmentResponse:
    """A response on the department page, with the problem it answers."""

    response: Response
    problem_id: int
    problem_title: str
    problem_status: str
    problem_hidden: bool


def department_responses(
    department_id: int, *, viewer: Any = None, before: str | None = None, limit: int = DEPARTMENT_PAGE_SIZE
) -> Page:
    """A department's responses, newest first (hidden problems' only for moderators)."""
    query = (
        select(Response, Problem.id, Problem.title, Problem.status, Problem.hidden_at)
        .join(Problem, Problem.id == Response.problem_id)
        .where(Response.department_id == department_id)
        .order_by(Response.created_at.desc(), Response.id.desc())
    )
    query = query.where(visibility.listed(Problem, viewer))
    anchor = _decode(before, datetime, int)
    if anchor:
        created_at, response_id = anchor
        query = query.where(
            or_(
                Response.created_at < created_at,
                and_(Response.created_at == created_at, Response.id < response_id),
            )
        )
    rows = db.session.execute(query.limit(limit + 1)).all()
    items = [DepartmentResponse(r[0], r[1], r[2], r[3], r[4] is not None) for r in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = items[-1].response
        cursor = encode_cursor(last.created_at, last.id)
    return Page(items, cursor)


def responses_for_problem(problem_id: int) -> list[Response]:
    """A problem's official responses, oldest first, with author, department and the original a
    duplicate points to (only what visibility.original_of needs; one query)."""
    return list(
        db.session.execute(
            select(Response)
            .where(Response.problem_id == problem_id)
            .options(
                joinedload(Response.duplicate_of).options(
                    load_only(Problem.id, Problem.title, Problem.author_id, Problem.hidden_at), lazyload("*")
                )
            )
            .order_by(Response.created_at.asc(), Response.id.asc())
        )
        .unique()
        .scalars()
        .all()
    )


def evidence_for_problem(problem_id: int, *, include_removed: bool = False) -> list[Evidence]:
    """A problem's evidence, oldest first, with dataset and author (one query)."""
    query = select(Evidence).where(Evidence.problem_id == problem_id)
    if not include_removed:
        query = query.where(Evidence.removed_at.is_(None))
    return list(db.session.execute(query.order_by(Evidence.created_at.asc(), Evidence.id.asc())).scalars().all())


def duplicates_of(problem_id: int, viewer: Any = None) -> list[Problem]:
    """Problems marked duplicates of this one, oldest first; hidden ones only for moderators."""
    query = select(Problem).where(
        Problem.duplicate_of_id == problem_id, Problem.status == ProblemStatus.DUPLICATE.value
    )
    query = query.where(visibility.listed(Problem, viewer))
    return list(db.session.execute(query.order_by(Problem.created_at.asc(), Problem.id.asc())).scalars().all())


@dataclass
class EvidenceItem:
    """Evidence citing a dataset, with the problem it belongs to."""

    evidence: Evidence
    problem_id: int
    problem_title: str


def dataset_evidence(dataset_id: int, *, limit: int = 100) -> list[EvidenceItem]:
    """Evidence citing a dataset: not removed, on public problems, newest first (one query)."""
    rows = db.session.execute(
        select(Evidence, Problem.id, Problem.title)
        .join(Problem, Problem.id == Evidence.problem_id)
        .where(Evidence.dataset_id == dataset_id, Evidence.removed_at.is_(None), visibility.public(Problem))
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
        .limit(limit)
    ).all()
    return [EvidenceItem(evidence, problem_id, title) for evidence, problem_id, title in rows]


def latest_comments(problem_id: int, viewer: Any, *, limit: int = 5) -> list[Comment]:
    """A problem's newest comments this viewer may see, oldest of them first (one query, with
    their authors): what the respond page shows so staff answer with the discussion in view."""
    rows = db.session.execute(
        select(Comment)
        .where(Comment.problem_id == problem_id, Comment.deleted_at.is_(None), visibility.visible(Comment, viewer))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    ).scalars()
    return list(reversed(list(rows)))


def response_status_changes(response_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """Each response's status move (from, to), for notifications that name it (one query)."""
    ids = sorted(set(response_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Response.id, Response.status_from, Response.status_to).where(Response.id.in_(ids))
    ).all()
    return {row.id: (row.status_from, row.status_to) for row in rows}
