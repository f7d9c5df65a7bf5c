"""Read paths the feeds, exports and Open311 share: visible problems and what hangs off them.

Every public interface here shows the same thing to everyone: hidden problems never appear,
whoever asks (moderators and authors see them on the site, not in open data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from civicboard.auth.models import Department, User
from civicboard.challenges.models import Challenge, ChallengeProblem, ChallengeStatus, Project
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems import visibility
from civicboard.problems.models import Category, Photo, Problem, ProblemDataset
from civicboard.staff.models import Response

FEED_LIMIT = 50
# Ids are 32-bit integers on PostgreSQL: larger numbers in a URL cannot name anything.
MAX_ID = 2**31 - 1

# Open data shows no hidden problem, whoever asks (problems.visibility's "public" rule).
VISIBLE: ColumnElement[bool] = visibility.public(Problem)


@dataclass
class LatestResponse:
    """The newest official response on a problem, as exports and Open311 show it."""

    created_at: datetime
    department: str | None
    status_to: str | None
    body_html: str


@dataclass
class ProblemRecord:
    """One visible problem, flattened for open data (no ORM object, so no lazy loads)."""

    id: int
    title: str
    description_html: str
    status: str
    category_name: str | None
    category_slug: str | None
    category_department: str | None
    neighbourhood: str | None
    data_request: str | None
    vote_count: int
    comment_count: int
    author_name: str
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime | None
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    datasets: list[tuple[int, str]] = field(default_factory=list)
    latest_response: LatestResponse | None = None
    cover_photo_key: str | None = None  # the first public photo (Open311's media_url)
    photo_keys: list[str] = field(default_factory=list)  # every public photo, in order (exports only)

    @property
    def last_changed_at(self) -> datetime:
        """The latest of the problem's own update, its status change and its newest response."""
        moments = [self.updated_at, self.status_changed_at]
        if self.latest_response is not None:
            moments.append(self.latest_response.created_at)
        return max(m for m in moments if m is not None)


def problem_records(
    page: Select, order_by: Sequence[ColumnElement], *, with_photos: bool = False
) -> list[ProblemRecord]:
    """Flatten the problems whose ids `page` selects, in one statement.

    `page` selects Problem.id (already filtered, ordered and limited); `order_by` repeats its
    order in terms of Problem columns, because a subquery's order is not kept by the outer query.
    Datasets come as extra rows per problem and are folded here; the latest response per problem
    is picked with ROW_NUMBER() among the page's problems only. `with_photos` fills every public
    photo's key too (the exports), with one more statement.
    """
    batch = page.subquery("batch")
    ranked = (
        select(
            Response.problem_id,
            Response.created_at,
            Response.body_html,
            Response.status_to,
            Response.department_id,
            func.row_number()
            .over(partition_by=Response.problem_id, order_by=(Response.created_at.desc(), Response.id.desc()))
            .label("rn"),
        )
        .where(Response.problem_id.in_(select(batch.c.id)))
        .subquery("ranked_responses")
    )
    category_department = aliased(Department, name="category_department")
    response_department = aliased(Department, name="response_department")
    stmt = (
        select(
            Problem.id,
            Problem.title,
            Problem.description_html,
            Problem.status,
            Problem.neighbourhood,
            Problem.data_request,
            Problem.vote_count,
            Problem.comment_count,
            Problem.created_at,
            Problem.updated_at,
            Problem.status_changed_at,
            Problem.latitude,
            Problem.longitude,
            Problem.address,
            Problem.cover_photo_key,
            User.name.label("author_name"),
            Category.name.label("category_name"),
            Category.slug.label("category_slug"),
            category_department.name.label("category_department"),
            ProblemDataset.dataset_id,
            Dataset.title.label("dataset_title"),
            ranked.c.created_at.label("response_created_at"),
            ranked.c.body_html.label("response_body_html"),
            ranked.c.status_to.label("response_status_to"),
            response_department.name.label("response_department"),
        )
        .select_from(batch)
        .join(Problem, Problem.id == batch.c.id)
        .join(User, User.id == Problem.author_id)
        .outerjoin(Category, Category.id == Problem.category_id)
        .outerjoin(category_department, category_department.id == Category.department_id)
        .outerjoin(ranked, and_(ranked.c.problem_id == Problem.id, ranked.c.rn == 1))
        .outerjoin(response_department, response_department.id == ranked.c.department_id)
        .outerjoin(ProblemDataset, ProblemDataset.problem_id == Problem.id)
        .outerjoin(Dataset, Dataset.id == ProblemDataset.dataset_id)
        .order_by(*order_by, ProblemDataset.position, ProblemDataset.dataset_id)
    )
    records: dict[int, ProblemRecord] = {}
    for row in db.session.execute(stmt):
        record = records.get(row.id)
        if record is None:
            latest = None
            if row.response_created_at is not None:
                latest = LatestResponse(
                    created_at=row.response_created_at,
                    department=row.response_department,
                    status_to=row.response_status_to,
                    body_html=row.response_body_html or "",
                )
            record = records[row.id] = ProblemRecord(
                id=row.id,
                title=row.title,
                description_html=row.description_html or "",
                status=row.status,
                category_name=row.category_name,
                category_slug=row.category_slug,
                category_department=row.category_department,
                neighbourhood=row.neighbourhood,
                data_request=row.data_request,
                vote_count=row.vote_count,
                comment_count=row.comment_count,
                author_name=row.author_name,
                created_at=row.created_at,
                updated_at=row.updated_at,
                status_changed_at=row.status_changed_at,
                latitude=row.latitude,
                longitude=row.longitude,
                address=row.address,
                cover_photo_key=row.cover_photo_key,
                latest_response=latest,
            )
        if row.dataset_id is not None:
            record.datasets.append((row.dataset_id, row.dataset_title))
    if with_photos and records:
        # The page's public photos: one more statement, whatever the page's size.
        shown = (
            select(Photo.problem_id, Photo.key)
            .where(Photo.problem_id.in_(list(records)), visibility.public(Photo))
            .order_by(Photo.problem_id, Photo.position, Photo.id)
        )
        for problem_id, key in db.session.execute(shown):
            records[problem_id].photo_keys.append(key)
    return list(records.values())


def export_batch(after_id: int, size: int) -> list[ProblemRecord]:
    """The next `size` visible problems with id above `after_id` (keyset paging on id)."""
    page = select(Problem.id).where(VISIBLE, Problem.id > after_id).order_by(Problem.id).limit(size)
    return problem_records(page, [Problem.id], with_photos=True)


# -- Atom feeds ------------------------------------------------------------------------------


def newest_problems(limit: int = FEED_LIMIT) -> list[Problem]:
    """The newest visible problems, author and category loaded with them (one query)."""
    stmt = select(Problem).where(VISIBLE).order_by(Problem.created_at.desc(), Problem.id.desc()).limit(limit)
    return list(db.session.execute(stmt).unique().scalars())


def dataset_problems(dataset_id: int, limit: int = FEED_LIMIT) -> list[Problem]:
    """The newest visible problems tied to a dataset."""
    stmt = (
        select(Problem)
        .join(ProblemDataset, ProblemDataset.problem_id == Problem.id)
        .where(ProblemDataset.dataset_id == dataset_id, VISIBLE)
        .order_by(Problem.created_at.desc(), Problem.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).unique().scalars())


def dataset_responses(dataset_id: int, limit: int = FEED_LIMIT) -> list[tuple[Response, str]]:
    """The newest official responses on visible problems tied to a dataset, with the problem's title."""
    stmt = (
        select(Response, Problem.title)
        .join(Problem, Problem.id == Response.problem_id)
        .join(ProblemDataset, ProblemDataset.problem_id == Problem.id)
        .where(ProblemDataset.dataset_id == dataset_id, VISIBLE)
        .order_by(Response.created_at.desc(), Response.id.desc())
        .limit(limit)
    )
    return [(response, title) for response, title in db.session.execute(stmt).unique()]


def public_challenge(slug: str) -> Challenge | None:
    """A challenge by slug, unless it is still a draft."""
    stmt = select(Challenge).where(Challenge.slug == slug, Challenge.status != ChallengeStatus.DRAFT.value)
    return db.session.execute(stmt).unique().scalar_one_or_none()


def challenge_problems(challenge_id: int, limit: int = FEED_LIMIT) -> list[ChallengeProblem]:
    """The newest curated, visible problems of a challenge (problem and author loaded)."""
    stmt = (
        select(ChallengeProblem)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge_id, VISIBLE)
        .order_by(ChallengeProblem.added_at.desc(), ChallengeProblem.problem_id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).unique().scalars())


def challenge_projects(challenge_id: int, limit: int = FEED_LIMIT) -> list[tuple[Project, str]]:
    """The newest visible projects of a challenge, with their submitter's name."""
    stmt = (
        select(Project, User.name)
        .join(User, User.id == Project.created_by_id)
        .where(Project.challenge_id == challenge_id, visibility.public(Project))
        .order_by(Project.created_at.desc(), Project.id.desc())
        .limit(limit)
    )
    return [(project, name) for project, name in db.session.execute(stmt)]


def last_problem_change() -> datetime | None:
    """When visible problems last changed (for /data.json's `modified`)."""
    return db.session.execute(select(func.max(Problem.updated_at)).where(VISIBLE)).scalar_one_or_none()


def export_marker() -> list[str]:
    """A cheap fingerprint of what the exports show; when it is unchanged, so is the export.

    Four aggregate statements (no row is loaded): the visible set (count and sum of ids, so
    hiding or restoring a problem moves it), the counters and edit times on it, the latest
    status change, official responses, dataset links and dataset edits. What it cannot see (a
    user renaming themselves, a category renamed) reaches the export with the next change or
    a forced build.
    """
    visible = select(
        func.count(Problem.id),
        func.coalesce(func.sum(Problem.id), 0),
        func.coalesce(func.sum(Problem.vote_count), 0),
        func.coalesce(func.sum(Problem.comment_count), 0),
        func.max(Problem.updated_at),
        func.max(Problem.status_changed_at),
    ).where(VISIBLE)
    responses = select(func.count(Response.id), func.max(Response.id))
    # Photos added, removed, hidden or restored move this (ids only grow; hiding changes the sum).
    pictures = select(
        func.count(Photo.id), func.coalesce(func.max(Photo.id), 0), func.coalesce(func.sum(Photo.id), 0)
    ).where(visibility.public(Photo))
    links = select(func.count(ProblemDataset.problem_id), func.coalesce(func.sum(ProblemDataset.dataset_id), 0))
    datasets = select(func.max(Dataset.updated_at))
    values: list[object] = []
    for statement in (visible, responses, links, datasets, pictures):
        values.extend(db.session.execute(statement).one())
    return [str(value) for value in values]


def visible_problem_count() -> int:
    """How many problems open data shows (decides whether a first export may be built inline)."""
    return db.session.execute(select(func.count(Problem.id)).where(VISIBLE)).scalar_one()
