"""Read paths shared by the pages and the JSON API; each asks the database a fixed number of times.

- list_problems(): the board (`/`): sorts, filters, keyset pagination (never OFFSET).
- load_problem_page(): a problem with its datasets and whether the viewer votes for / follows
  it (its official responses and evidence come from staff.queries, its comments a page at a
  time from problems.threads; the page composes them).
- find_duplicates(): open problems on the same datasets with similar titles.
- dataset_problems(): the visible problems tied to a dataset (its page and feed).
- list_data_requests(): problems asking for unpublished data (/data-requests).
- user_problems(), user_comments(), notification_page(), suggest_datasets().

Who sees a hidden problem or comment is problems.visibility's rule; every query here uses it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, func, literal, or_, select, union_all
from sqlalchemy.orm import defer, joinedload, lazyload, load_only, selectinload

from civicboard.auth.models import User
from civicboard.datasets.models import Dataset, DatasetStatus
from civicboard.extensions import db
from civicboard.places.geo import Bounds
from civicboard.problems import visibility
from civicboard.problems.models import (
    CLOSED_STATUSES,
    Category,
    Comment,
    DataRequestStatus,
    Follow,
    Notification,
    Problem,
    ProblemDataset,
    ProblemStatus,
    Vote,
)
from civicboard.validation import MAX_ID

PAGE_SIZE = 20


def bounded_int(value: Any) -> int:
    """A count from a cursor, within what the databases' integer columns hold (ValueError otherwise)."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


SORTS = {
    # name: (column, how to turn a cursor value back into a column value)
    "hot": (Problem.hot, float),
    "top": (Problem.vote_count, bounded_int),
    "new": (Problem.created_at, datetime.fromisoformat),
    "discussed": (Problem.comment_count, bounded_int),
}


def sort_labels() -> dict[str, str]:
    """The board's orders and their names in the reader's language (a context of their own:
    "New" as an order is not the "New" of an unread notification)."""
    return {
        "hot": pgettext("sort", "Hot"),
        "top": pgettext("sort", "Top"),
        "new": pgettext("sort", "New"),
        "discussed": pgettext("sort", "Most discussed"),
    }


# Status filter values beyond the single statuses.
STATUS_GROUPS = {
    "active": [ProblemStatus.OPEN, ProblemStatus.ACKNOWLEDGED, ProblemStatus.IN_PROGRESS],
    "closed": sorted(CLOSED_STATUSES),
}


def original_loader() -> Any:
    """Loader option for a duplicate's original: only what visibility.original_of needs.

    A select-in load asks nothing when no problem on the page is a duplicate.
    """
    return selectinload(Problem.duplicate_of).options(
        load_only(Problem.id, Problem.title, Problem.author_id, Problem.hidden_at), lazyload("*")
    )


def status_values(status: str | None) -> list[str] | None:
    """The statuses a filter value stands for (None: no filter; unknown values: no filter)."""
    if not status:
        return None
    if status in STATUS_GROUPS:
        return [s.value for s in STATUS_GROUPS[status]]
    try:
        return [ProblemStatus(status).value]
    except ValueError:
        return None


# -- cursors -------------------------------------------------------------------------------------


def encode_cursor(sort: str, problem: Problem) -> str:
    """An opaque `after` value: the last item's sort key and id."""
    column = SORTS[sort][0]
    value = getattr(problem, column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, problem.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str | None) -> tuple[Any, int] | None:
    """The (key, id) a cursor encodes, or None when it is missing, malformed or for another sort."""
    if not cursor or len(cursor) > 512:  # ours are short; a long one may nest deep enough to crash json
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, problem_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(problem_id, int) or not 0 < problem_id <= MAX_ID:
            return None
        return SORTS[sort][1](value), problem_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, KeyError, RecursionError, OverflowError):
        return None


# -- the board -----------------------------------------------------------------------------------


@dataclass
class ProblemFilters:
    """What the board is filtered by; every field optional."""

    status: str | None = None
    dataset_id: int | None = None
    category: str | None = None  # a category slug
    voted_by_me: bool = False
    bbox: Bounds | None = None  # located problems inside this box only
    located: bool = False  # located problems only (the map)
    neighbourhood_id: int | None = None  # problems placed inside this neighbourhood only


@dataclass
class ProblemList:
    """A page of problems, which of them the viewer supports, and the cursor for the next page."""

    items: list[Problem]
    voted_ids: set[int]
    next_cursor: str | None
    sort: str
    filters: ProblemFilters


def filter_clauses(viewer: Any, filters: ProblemFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses for the board's filters (shared with search and the API)."""
    clauses: list[ColumnElement[bool]] = [visibility.visible(Problem, viewer)]
    statuses = status_values(filters.status)
    if statuses:
        clauses.append(Problem.status.in_(statuses))
    if filters.dataset_id:
        clauses.append(
            exists().where(ProblemDataset.problem_id == Problem.id, ProblemDataset.dataset_id == filters.dataset_id)
        )
    if filters.category:
        clauses.append(Problem.category_id.in_(select(Category.id).where(Category.slug == filters.category)))
    if filters.neighbourhood_id:
        clauses.append(Problem.neighbourhood_id == filters.neighbourhood_id)
    if filters.located or filters.bbox is not None:
        clauses.append(Problem.latitude.is_not(None))
    if filters.bbox is not None:
        box = filters.bbox
        clauses.append(Problem.latitude.between(box.min_lat, box.max_lat))
        clauses.append(Problem.longitude.between(box.min_lon, box.max_lon))
    if filters.voted_by_me:
        viewer_id = visibility.viewer_id(viewer)
        if viewer_id is None:
            clauses.append(false())
        else:
            clauses.append(exists().where(Vote.problem_id == Problem.id, Vote.user_id == viewer_id))
    return clauses


def voted_column(viewer: Any):
    """A boolean column: does the viewer vote for this problem (False for anonymous viewers)."""
    viewer_id = visibility.viewer_id(viewer)
    if viewer_id is None:
        return literal(False).label("voted")
    return exists().where(Vote.problem_id == Problem.id, Vote.user_id == viewer_id).label("voted")


def voted_among(viewer: Any, problem_ids: Sequence[int]) -> set[int]:
    """Which of these problems the viewer votes for: one query (none for anonymous viewers)."""
    return _own_rows_among(Vote, viewer, problem_ids)


def followed_among(viewer: Any, problem_ids: Sequence[int]) -> set[int]:
    """Which of these problems the viewer follows: one query (none for anonymous viewers)."""
    return _own_rows_among(Follow, viewer, problem_ids)


def _own_rows_among(model: Any, viewer: Any, problem_ids: Sequence[int]) -> set[int]:
    viewer_id = visibility.viewer_id(viewer)
    if viewer_id is None or not problem_ids:
        return set()
    return set(db.session.scalars(_own_rows_query(model), {"viewer_id": viewer_id, "problem_ids": list(problem_ids)}))


@cache
def _own_rows_query(model: Any) -> Select:
    """Built once per model: every signed-in page with vote or follow buttons runs it."""
    return select(model.problem_id).where(
        model.user_id == bindparam("viewer_id"), model.problem_id.in_(bindparam("problem_ids", expanding=True))
    )


def has_own_hidden_problems(viewer: Any) -> bool:
    """Does the board show this viewer a hidden problem nobody else but moderators sees (their own)?"""
    viewer_id = visibility.viewer_id(viewer)
    if viewer_id is None or visibility.is_moderator(viewer):
        return False
    own_hidden = select(Problem.id).where(Problem.author_id == viewer_id, visibility.hidden(Problem))
    return db.session.execute(own_hidden.limit(1)).first() is not None


MAP_LIMIT = 500


@dataclass
class MapPage:
    """The located problems a map shows (the hottest first, at most MAP_LIMIT) and how many match."""

    items: list[Problem]
    total: int


def map_problems(viewer: Any, filters: ProblemFilters, limit: int = MAP_LIMIT) -> MapPage:
    """Located problems the viewer may see, hottest first: two queries (the page, the count).

    Authors and categories come joined with the problems; nothing else is loaded, since a
    marker shows the title, status, votes and the cover thumbnail (a column of the problem).
    """
    located = ProblemFilters(**{**filters.__dict__, "located": True})
    clauses = filter_clauses(viewer, located)
    stmt = select(Problem).where(*clauses).order_by(Problem.hot.desc(), Problem.id.desc()).limit(limit)
    items = list(db.session.execute(stmt).unique().scalars())
    total = len(items)
    if total >= limit:
        total = db.session.execute(select(func.count()).select_from(Problem).where(*clauses)).scalar_one()
    return MapPage(items=items, total=total)


def list_problems(
    viewer: Any,
    *,
    sort: str = "hot",
    filters: ProblemFilters | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
    with_originals: bool = False,
    with_photos: bool = False,
    with_text: bool = True,
) -> ProblemList:
    """One page of the board: two queries (problems with authors, categories and the viewer's
    votes; then their datasets), whatever the page size.

    Keyset pagination: `after` carries the last item's (sort key, id), and the next page is
    the rows strictly after it in (key DESC, id DESC) order, an index range scan on
    ix_problems_<key> however deep the reader goes. `with_originals` also loads what a
    duplicate needs to name its original (the API's `duplicate_of`): one more query, only when
    the page holds a duplicate. `with_text=False` leaves the descriptions out (the board's
    rows do not show them; they are most of a row's bytes).
    """
    sort = sort if sort in SORTS else "hot"
    filters = filters or ProblemFilters()
    column = SORTS[sort][0]
    query = (
        select(Problem, voted_column(viewer))
        .where(*filter_clauses(viewer, filters))
        .options(
            # A row names its author: their id and name, not the whole account and department.
            joinedload(Problem.author).options(load_only(User.id, User.name), lazyload(User.department)),
            selectinload(Problem.dataset_links),
            *([original_loader()] if with_originals else []),
            *([selectinload(Problem.photos)] if with_photos else []),
            *([] if with_text else [defer(Problem.description), defer(Problem.description_html)]),
        )
        .order_by(column.desc(), Problem.id.desc())
        .limit(limit + 1)
    )
    position = decode_cursor(sort, after)
    if position is not None:
        key, last_id = position
        query = query.where(or_(column < key, and_(column == key, Problem.id < last_id)))
    rows = db.session.execute(query).unique().all()
    items = [row[0] for row in rows[:limit]]
    voted = {row[0].id for row in rows[:limit] if row[1]}
    next_cursor = encode_cursor(sort, items[-1]) if len(rows) > limit else None
    return ProblemList(items=items, voted_ids=voted, next_cursor=next_cursor, sort=sort, filters=filters)


def active_categories() -> list[Category]:
    """The categories residents choose from, in staff's order."""
    return list(
        db.session.execute(
            select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.name)
        ).scalars()
    )


def all_categories() -> list[Category]:
    """Every category, active or not, in staff's order (the management page)."""
    stmt = select(Category).options(selectinload(Category.default_links)).order_by(Category.position, Category.name)
    return list(db.session.execute(stmt).scalars())


# -- a problem's page ----------------------------------------------------------------------------


@dataclass
class ProblemPage:
    """Everything a problem's page shows; the page adds staff's responses and evidence."""

    problem: Problem
    voted: bool
    following: bool
    responses: list[Any] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    marks: set[tuple[str, int]] = field(default_factory=set)

    @property
    def datasets(self) -> list[Dataset]:
        return [link.dataset for link in self.problem.dataset_links]


def get_problem(problem_id: int, viewer: Any) -> Problem | None:
    """A problem with its datasets (one query), or None when missing or hidden from the viewer."""
    problem = (
        db.session.execute(
            select(Problem)
            .where(Problem.id == problem_id)
            .options(joinedload(Problem.dataset_links), joinedload(Problem.duplicate_of).options(lazyload("*")))
        )
        .unique()
        .scalar_one_or_none()
    )
    if problem is None or not visibility.is_visible_to(problem, viewer):
        return None
    return problem


def load_problem_page(problem: Problem, viewer: Any, *, marks: Sequence[Select] = ()) -> ProblemPage:
    """The viewer's vote/follow state: one more query (none for anonymous readers).

    `marks` are SELECTs of (kind, id) rows about the viewer that higher layers add to the
    page (what they have reported on it, asked to reopen); they ride in the same statement and its rows land in
    `page.marks`, so the page's number of queries does not grow.

    Its comments are paged apart (problems.threads): a thread of any size is a page of fixed size.
    """
    page = ProblemPage(problem=problem, voted=False, following=False)
    viewer_id = visibility.viewer_id(viewer)
    if viewer_id is None:
        return page
    # One statement for every question about the viewer.
    statement = union_all(
        select(literal("vote").label("kind"), Vote.problem_id.label("id")).where(
            Vote.problem_id == problem.id, Vote.user_id == viewer_id
        ),
        select(literal("follow"), Follow.problem_id).where(
            Follow.problem_id == problem.id, Follow.user_id == viewer_id
        ),
        *marks,
    )
    for kind, item_id in db.session.execute(statement):
        if kind == "vote":
            page.voted = True
        elif kind == "follow":
            page.following = True
        else:
            page.marks.add((kind, item_id))
    return page


# -- likely duplicates ---------------------------------------------------------------------------

# Words too common to tell two titles (or a search) apart.
STOPWORDS = frozenset(
    """
    a an and are as at be by for from has have in is it its of on or our the their there this to was
    we were with no not too very can cannot should would could does do why how what when where which
    who more less need needs please
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def title_tokens(title: str | None) -> set[str]:
    """Lower-cased words of a title without stopwords, with a naive plural strip."""
    tokens = set()
    for word in _WORD.findall((title or "").lower()):
        if word in STOPWORDS or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        tokens.add(word)
    return tokens


def title_similarity(a: set[str], b: set[str]) -> float:
    """Jaccard overlap of two token sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


DUPLICATE_THRESHOLD = 0.25
DUPLICATE_CANDIDATES = 200


def find_duplicates(
    title: str | None, dataset_ids: list[int], *, exclude_id: int | None = None, limit: int = 5
) -> list[Problem]:
    """Open, visible problems tied to any of the datasets whose titles overlap this one.

    Token overlap (Jaccard >= 0.25, or three shared words) over the 200 most-voted candidates
    on those datasets: cheap, and good enough to say "maybe vote for this instead".
    """
    tokens = title_tokens(title)
    if not tokens or not dataset_ids:
        return []
    query = (
        select(Problem)
        .where(
            visibility.public(Problem),
            Problem.status.not_in([s.value for s in CLOSED_STATUSES]),
            Problem.id.in_(select(ProblemDataset.problem_id).where(ProblemDataset.dataset_id.in_(dataset_ids))),
        )
        .order_by(Problem.vote_count.desc(), Problem.id.desc())
        .limit(DUPLICATE_CANDIDATES)
    )
    if exclude_id is not None:
        query = query.where(Problem.id != exclude_id)
    scored = []
    for problem in db.session.execute(query).scalars():
        other = title_tokens(problem.title)
        score = title_similarity(tokens, other)
        if score >= DUPLICATE_THRESHOLD or len(tokens & other) >= 3:
            scored.append((score, problem.vote_count, problem))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [problem for _, _, problem in scored[:limit]]


# -- datasets to choose from ---------------------------------------------------------------------


def suggest_datasets(q: str | None, limit: int = 10) -> list[Dataset]:
    """Active datasets whose title contains every word typed (most problems first)."""
    words = [w for w in (q or "").lower().split() if w][:6]
    if not words:
        return []
    query = select(Dataset).where(Dataset.status == DatasetStatus.ACTIVE.value)
    for word in words:
        query = query.where(Dataset.title.icontains(word, autoescape=True))
    query = query.order_by(Dataset.problem_count.desc(), Dataset.title, Dataset.id).limit(limit)
    return list(db.session.execute(query).scalars())


def datasets_by_ids(ids: list[int]) -> list[Dataset]:
    """Datasets in the order of the ids given (unknown ids are skipped)."""
    if not ids:
        return []
    found = {d.id: d for d in db.session.execute(select(Dataset).where(Dataset.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


# -- profiles --------------------------------------------------------------------------------------


@dataclass
class Slice:
    """A page of rows and the id to continue before (keyset on id, newest first)."""

    items: list[Any]
    next_before: int | None


def _before_id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def user_problems(viewer: Any, user: User, *, before: Any = None, limit: int = PAGE_SIZE) -> Slice:
    """A user's problems the viewer may see, newest first (datasets loaded in one more query)."""
    query = (
        select(Problem)
        .where(Problem.author_id == user.id, visibility.visible(Problem, viewer))
        .order_by(Problem.id.desc())
        .limit(limit + 1)
    )
    before_id = _before_id(before)
    if before_id:
        query = query.where(Problem.id < before_id)
    rows = list(db.session.execute(query).scalars())
    items = rows[:limit]
    return Slice(items, items[-1].id if len(rows) > limit else None)


def user_comments(viewer: Any, user: User, *, before: Any = None, limit: int = PAGE_SIZE) -> Slice:
    """A user's live comments on problems the viewer may see, newest first, with problem titles.

    Items are (comment, problem_id, problem_title) tuples from one query.
    """
    conditions = [
        Comment.author_id == user.id,
        Comment.deleted_at.is_(None),
        visibility.visible(Problem, viewer),
        visibility.visible(Comment, viewer),
    ]
    query = (
        select(Comment, Problem.id, Problem.title)
        .join(Problem, Problem.id == Comment.problem_id)
        .where(*conditions)
        .options(lazyload(Comment.author))
        .order_by(Comment.id.desc())
        .limit(limit + 1)
    )
    before_id = _before_id(before)
    if before_id:
        query = query.where(Comment.id < before_id)
    rows = [tuple(row) for row in db.session.execute(query).all()]
    items = rows[:limit]
    return Slice(items, items[-1][0].id if len(rows) > limit else None)


# -- notifications ---------------------------------------------------------------------------------

NOTIFICATIONS_PAGE_SIZE = 30


def notification_page(user: User, *, before: Any = None, limit: int = NOTIFICATIONS_PAGE_SIZE) -> Slice:
    """A user's notifications, newest first, with actor and problem (one query)."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(
            joinedload(Notification.actor).options(lazyload("*")),
            joinedload(Notification.problem).options(lazyload("*")),
        )
        .order_by(Notification.id.desc())
        .limit(limit + 1)
    )
    before_id = _before_id(before)
    if before_id:
        query = query.where(Notification.id < before_id)
    rows = list(db.session.execute(query).scalars())
    items = rows[:limit]
    return Slice(items, items[-1].id if len(rows) > limit else None)


# -- a dataset's problems --------------------------------------------------------------------------

# Above this many tied problems, walking the problems by votes beats sorting the ties.
WALK_BY_VOTES_ABOVE = 1000


def dataset_problems(dataset_id: int, *, limit: int = 50, problem_count: int | None = None) -> list[Problem]:
    """Public problems tied to a dataset, most votes first (author and category joined).

    Two plans with the same answer, chosen by the dataset's stored problem count: a dataset
    tied to few problems sorts them; one tied to thousands (a city's 311 data) walks the
    problems' (vote_count, id) index and stops at `limit`, instead of sorting 20,000 rows.
    """
    shown = visibility.public(Problem)
    order = (Problem.vote_count.desc(), Problem.id.desc())
    if problem_count is not None and problem_count > WALK_BY_VOTES_ABOVE:
        tied = (
            select(ProblemDataset.problem_id)
            .where(ProblemDataset.problem_id == Problem.id, ProblemDataset.dataset_id == dataset_id)
            .exists()
        )
        query = select(Problem).where(tied, shown)
    else:
        query = (
            select(Problem)
            .join(ProblemDataset, ProblemDataset.problem_id == Problem.id)
            .where(ProblemDataset.dataset_id == dataset_id, shown)
        )
    return list(db.session.execute(query.order_by(*order).limit(limit)).unique().scalars().all())


# -- data requests ---------------------------------------------------------------------------------

DATA_REQUEST_SORTS = {"votes": _l("Most votes"), "new": _l("Newest")}
DATA_REQUEST_STATUSES = [s.value for s in DataRequestStatus]
DATA_REQUESTS_PER_PAGE = 20
DATA_REQUESTS_MAX_PER_PAGE = 100
DATA_REQUESTS_MAX_PAGE = 10_000


@dataclass
class DataRequestPage:
    """A page of data requests, and which of them the viewer has voted for."""

    items: list[Problem]
    total: int
    page: int
    per_page: int
    sort: str
    status: str
    voted: set[int] = field(default_factory=set)

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def _data_request_status(status: str) -> Any:
    if status == DataRequestStatus.REQUESTED:
        # A request nobody has answered yet may have no status at all.
        return or_(Problem.data_request_status.is_(None), Problem.data_request_status == status)
    return Problem.data_request_status == status


def list_data_requests(
    *,
    sort: str = "votes",
    status: str = "",
    page: int = 1,
    per_page: int = DATA_REQUESTS_PER_PAGE,
    viewer: Any = None,
) -> DataRequestPage:
    """Public problems asking for unpublished data, by votes (or newest), with linked datasets.

    Queries: the page, its dataset links (with datasets), a count, and the viewer's votes.
    """
    sort = sort if sort in DATA_REQUEST_SORTS else "votes"
    status = status if status in DATA_REQUEST_STATUSES else ""
    page = min(max(page, 1), DATA_REQUESTS_MAX_PAGE)
    per_page = min(max(per_page, 1), DATA_REQUESTS_MAX_PER_PAGE)
    conditions = [Problem.data_request.is_not(None), visibility.public(Problem)]
    if status:
        conditions.append(_data_request_status(status))
    order = (
        (Problem.vote_count.desc(), Problem.created_at.desc(), Problem.id.desc())
        if sort == "votes"
        else (Problem.created_at.desc(), Problem.id.desc())
    )
    items = list(
        db.session.execute(
            select(Problem)
            .where(*conditions)
            .order_by(*order)
            .options(selectinload(Problem.dataset_links))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .scalars()
        .all()
    )
    total = db.session.execute(select(func.count()).select_from(Problem).where(*conditions)).scalar_one()
    result = DataRequestPage(items=items, total=total, page=page, per_page=per_page, sort=sort, status=status)
    result.voted = voted_among(viewer, [p.id for p in items])
    return result
