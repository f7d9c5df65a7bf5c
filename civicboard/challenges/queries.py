"""Read paths for challenges, shared by the pages, the briefs, feeds and the JSON API.

Every function asks the database a fixed number of questions whatever the number of problems,
datasets or projects. Visibility rules live here: drafts only for organizers and admins; hidden
problems (and hidden projects) only for moderators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import has_request_context, render_template, request, url_for
from sqlalchemy import and_, case, exists, func, select, union
from sqlalchemy.orm import contains_eager, selectinload

from civicboard.challenges.models import (
    PUBLIC_STATUSES,
    Challenge,
    ChallengeDataset,
    ChallengeProblem,
    ChallengeStatus,
    Project,
    ProjectProblem,
    can_manage_challenges,
)
from civicboard.datasets.models import Dataset, DatasetStatus
from civicboard.extensions import db
from civicboard.links import absolute_url, site_url
from civicboard.problems import visibility
from civicboard.problems.models import Category, Problem, ProblemDataset
from civicboard.staff.models import Evidence
from civicboard.timeutil import isoformat_z, utcnow


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with the wildcards in it taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def absolute(path: str) -> str:
    """An absolute URL on the configured CIVICBOARD_URL for a site path as url_for gives it."""
    if has_request_context():
        # url_for's path starts with the script root, which the configured base already ends with.
        path = path.removeprefix(request.script_root)
    return site_url(path)


# -- one challenge -----------------------------------------------------------------------------


def get_challenge(slug: str, user: Any) -> Challenge | None:
    """The challenge with that slug if the user may see it (drafts: organizers only), else None."""
    challenge = db.session.execute(select(Challenge).where(Challenge.slug == slug)).scalar_one_or_none()
    if challenge is None or not challenge.visible_to(user):
        return None
    return challenge


def get_challenge_for_organizer(slug: str) -> Challenge | None:
    """Any challenge, drafts included (callers have checked manage_challenges)."""
    return db.session.execute(select(Challenge).where(Challenge.slug == slug)).scalar_one_or_none()


@dataclass
class CuratedProblem:
    """A problem as it stands in a challenge: its place, the organizer's note, staff evidence."""

    link: ChallengeProblem
    problem: Problem
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def note(self) -> str:
        return self.link.note

    @property
    def position(self) -> int:
        return self.link.position

    @property
    def datasets(self) -> list[Dataset]:
        return [link.dataset for link in self.problem.dataset_links]


@dataclass
class ChallengeDatasetItem:
    """A dataset of the challenge: from a curated problem, an extra one, or both."""

    dataset: Dataset
    extra: bool
    note: str


@dataclass
class ChallengeDetail:
    """Everything a challenge page or brief shows, loaded in a fixed number of queries."""

    challenge: Challenge
    problems: list[CuratedProblem]
    datasets: list[ChallengeDatasetItem]
    projects: list[Project]

    @property
    def problem_ids(self) -> set[int]:
        return {item.problem.id for item in self.problems}

    def problem_titles(self, project: Project) -> list[tuple[int, str]]:
        """The (id, title) of the curated problems a project addresses, in challenge order."""
        wanted = {link.problem_id for link in project.problem_links}
        return [(p.problem.id, p.problem.title) for p in self.problems if p.problem.id in wanted]


def curated_problems(challenge: Challenge, user: Any) -> list[CuratedProblem]:
    """The curated problems in order, with their datasets and live evidence (three queries)."""
    query = (
        select(ChallengeProblem)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge.id)
        .options(contains_eager(ChallengeProblem.problem).selectinload(Problem.dataset_links))
        .order_by(ChallengeProblem.position, ChallengeProblem.added_at, ChallengeProblem.problem_id)
    )
    query = query.where(visibility.listed(Problem, user))
    links = db.session.execute(query).unique().scalars().all()
    items = [CuratedProblem(link=link, problem=link.problem) for link in links]
    if items:
        by_problem = {item.problem.id: item for item in items}
        evidence = db.session.execute(
            select(Evidence)
            .where(Evidence.problem_id.in_(list(by_problem)), Evidence.removed_at.is_(None))
            .order_by(Evidence.problem_id, Evidence.created_at, Evidence.id)
        ).scalars()
        for row in evidence:
            by_problem[row.problem_id].evidence.append(row)
    return items


def challenge_datasets(challenge: Challenge, user: Any) -> list[ChallengeDatasetItem]:
    """The union of the curated problems' datasets and the extras, in one query (+ distributions)."""
    from_problems = (
        select(ProblemDataset.dataset_id)
        .join(ChallengeProblem, ChallengeProblem.problem_id == ProblemDataset.problem_id)
        .join(Problem, Problem.id == ProblemDataset.problem_id)
        .where(ChallengeProblem.challenge_id == challenge.id)
    )
    from_problems = from_problems.where(visibility.listed(Problem, user))
    extras = select(ChallengeDataset.dataset_id).where(ChallengeDataset.challenge_id == challenge.id)
    ids = union(from_problems, extras).subquery()
    rows = db.session.execute(
        select(Dataset, ChallengeDataset.added_at, ChallengeDataset.note)
        .outerjoin(
            ChallengeDataset,
            and_(ChallengeDataset.dataset_id == Dataset.id, ChallengeDataset.challenge_id == challenge.id),
        )
        .where(Dataset.id.in_(select(ids.c.dataset_id)))
        .options(selectinload(Dataset.distributions))
        .order_by(func.lower(Dataset.title), Dataset.id)
    ).all()
    return [ChallengeDatasetItem(dataset=ds, extra=added is not None, note=note or "") for ds, added, note in rows]


def challenge_projects(challenge: Challenge, user: Any) -> list[Project]:
    """Projects, featured first (then winners, then oldest), with members and problems loaded."""
    query = (
        select(Project)
        .where(Project.challenge_id == challenge.id)
        .options(selectinload(Project.members), selectinload(Project.problem_links))
        .order_by(Project.featured.desc(), case((Project.award != "", 0), else_=1), Project.created_at, Project.id)
    )
    query = query.where(visibility.listed(Project, user))
    return list(db.session.execute(query).scalars().all())


def challenge_detail(challenge: Challenge, user: Any, *, with_projects: bool = True) -> ChallengeDetail:
    """Problems (with evidence), datasets and projects of a challenge the user may see."""
    return ChallengeDetail(
        challenge=challenge,
        problems=curated_problems(challenge, user),
        datasets=challenge_datasets(challenge, user),
        projects=challenge_projects(challenge, user) if with_projects else [],
    )


# -- lists -----------------------------------------------------------------------------------


@dataclass
class ChallengeListItem:
    """A challenge in a list, with how many visible problems and projects it has."""

    challenge: Challenge
    problem_count: int
    project_count: int


def _counted(statuses: tuple[str, ...] | None) -> Any:
    problem_count = (
        select(func.count())
        .select_from(ChallengeProblem)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == Challenge.id, visibility.public(Problem))
        .correlate(Challenge)
        .scalar_subquery()
    )
    project_count = (
        select(func.count())
        .select_from(Project)
        .where(Project.challenge_id == Challenge.id, visibility.public(Project))
        .correlate(Challenge)
        .scalar_subquery()
    )
    query = select(Challenge, problem_count.label("problems"), project_count.label("projects"))
    if statuses is not None:
        query = query.where(Challenge.status.in_(statuses))
    return query


def list_public_challenges(now: datetime | None = None) -> list[ChallengeListItem]:
    """Published and closed challenges: running and upcoming ones first (soonest first), then past."""
    now = now or utcnow()
    upcoming = and_(Challenge.status == ChallengeStatus.PUBLISHED.value, Challenge.ends_at >= now)
    query = _counted(PUBLIC_STATUSES).order_by(
        case((upcoming, 0), else_=1),
        case((upcoming, Challenge.starts_at), else_=None).asc(),
        Challenge.starts_at.desc(),
        Challenge.id.desc(),
    )
    return [ChallengeListItem(c, p, j) for c, p, j in db.session.execute(query).all()]


def list_all_challenges() -> list[ChallengeListItem]:
    """Every challenge, drafts first, then by start (the organizers' dashboard)."""
    query = _counted(None).order_by(
        case(
            (Challenge.status == ChallengeStatus.DRAFT.value, 0),
            (Challenge.status == ChallengeStatus.PUBLISHED.value, 1),
            else_=2,
        ),
        Challenge.starts_at.desc(),
        Challenge.id.desc(),
    )
    return [ChallengeListItem(c, p, j) for c, p, j in db.session.execute(query).all()]


def list_challenges(user: Any) -> list[ChallengeListItem]:
    """What a user may list: everything for organizers, published and closed for others."""
    return list_all_challenges() if can_manage_challenges(user) else list_public_challenges()


# -- badges on a problem page ------------------------------------------------------------------


@dataclass
class BadgeChallenge:
    """A challenge that contains the problem."""

    slug: str
    title: str
    status: str

    @property
    def url(self) -> str:
        return url_for("challenges.show", slug=self.slug)


@dataclass
class BadgeProject:
    """A project that addresses the problem."""

    id: int
    name: str
    award: str
    featured: bool
    challenge_slug: str

    @property
    def url(self) -> str:
        return url_for("challenges.show", slug=self.challenge_slug, _anchor=f"project-{self.id}")


@dataclass
class ChallengeBadges:
    """What the problem page shows: the challenges a problem is part of and the projects on it."""

    challenges: list[BadgeChallenge] = field(default_factory=list)
    projects: list[BadgeProject] = field(default_factory=list)

    @property
    def project_count(self) -> int:
        return len(self.projects)

    def __bool__(self) -> bool:
        return bool(self.challenges)


def badges_for_problem(problem_id: int, user: Any) -> ChallengeBadges:
    """The visible challenges containing the problem and the projects addressing it, in ONE query.

    Visible: published and closed challenges, drafts too for organizers. A hidden problem has
    no badges except for moderators; hidden projects are left out except for moderators.
    """
    projects = select(Project.id, Project.challenge_id, Project.name, Project.award, Project.featured).join(
        ProjectProblem, and_(ProjectProblem.project_id == Project.id, ProjectProblem.problem_id == problem_id)
    )
    projects = projects.where(visibility.listed(Project, user))
    projects = projects.subquery()
    query = (
        select(
            Challenge.slug,
            Challenge.title,
            Challenge.status,
            projects.c.id,
            projects.c.name,
            projects.c.award,
            projects.c.featured,
        )
        .join(
            ChallengeProblem,
            and_(ChallengeProblem.challenge_id == Challenge.id, ChallengeProblem.problem_id == problem_id),
        )
        .outerjoin(projects, projects.c.challenge_id == Challenge.id)
        .order_by(Challenge.starts_at.desc(), Challenge.id, projects.c.featured.desc(), projects.c.id)
    )
    if not can_manage_challenges(user):
        query = query.where(Challenge.status.in_(PUBLIC_STATUSES))
    if not visibility.is_moderator(user):
        query = query.where(exists().where(Problem.id == problem_id, visibility.public(Problem)))
    badges = ChallengeBadges()
    seen: set[str] = set()
    for slug, title, status, project_id, name, award, featured in db.session.execute(query).all():
        if slug not in seen:
            seen.add(slug)
            badges.challenges.append(BadgeChallenge(slug=slug, title=title, status=status))
        if project_id is not None:
            badges.projects.append(
                BadgeProject(id=project_id, name=name, award=award or "", featured=bool(featured), challenge_slug=slug)
            )
    return badges


# -- curation search ---------------------------------------------------------------------------


def search_problems(
    *,
    q: str = "",
    dataset: str = "",
    dataset_id: int | None = None,
    category_id: int | None = None,
    min_votes: int | None = None,
    limit: int = 50,
) -> list[Problem]:
    """Visible problems for organizers to curate: title text, dataset, category, minimum votes."""
    query = select(Problem).where(visibility.public(Problem))
    if q:
        query = query.where(func.lower(Problem.title).like(_like(q), escape="\\"))
    if dataset or dataset_id:
        tied = (
            select(ProblemDataset.problem_id)
            .join(Dataset, Dataset.id == ProblemDataset.dataset_id)
            .where(ProblemDataset.problem_id == Problem.id)
        )
        if dataset:
            tied = tied.where(func.lower(Dataset.title).like(_like(dataset), escape="\\"))
        if dataset_id:
            tied = tied.where(Dataset.id == dataset_id)
        query = query.where(tied.exists())
    if category_id:
        query = query.where(Problem.category_id == category_id)
    if min_votes:
        query = query.where(Problem.vote_count >= min_votes)
    query = query.order_by(Problem.vote_count.desc(), Problem.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars().all())


def search_datasets(q: str, limit: int = 20) -> list[Dataset]:
    """Catalog datasets whose title contains the text (active ones first)."""
    if not q:
        return []
    query = (
        select(Dataset)
        .where(func.lower(Dataset.title).like(_like(q), escape="\\"))
        .order_by(case((Dataset.status == DatasetStatus.ACTIVE.value, 0), else_=1), func.lower(Dataset.title))
        .limit(limit)
    )
    return list(db.session.execute(query).scalars().all())


def active_categories() -> list[Category]:
    """Categories to filter by."""
    return list(
        db.session.execute(select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.name))
        .scalars()
        .all()
    )


# -- documents: the JSON form and the Markdown brief ---------------------------------------------


def challenge_summary(challenge: Challenge) -> dict[str, Any]:
    """A challenge's own fields as JSON (lists and the API's list endpoint)."""
    return {
        "slug": challenge.slug,
        "title": challenge.title,
        "summary": challenge.summary,
        "summary_html": challenge.summary_html,
        "status": challenge.status,
        "starts_at": isoformat_z(challenge.starts_at),
        "ends_at": isoformat_z(challenge.ends_at),
        "timezone": challenge.timezone,
        "place": challenge.place,
        "online": challenge.is_online,
        "contact": challenge.contact,
        "published_at": isoformat_z(challenge.published_at),
        "closed_at": isoformat_z(challenge.closed_at),
        "url": absolute_url("challenges.show", slug=challenge.slug),
        "brief": {
            "markdown": absolute_url("challenges.brief_markdown", slug=challenge.slug),
            "json": absolute_url("challenges.brief_json", slug=challenge.slug),
        },
    }


def _dataset_ref(dataset: Dataset) -> dict[str, Any]:
    return {"id": dataset.id, "title": dataset.title, "url": absolute(url_for("datasets.show", dataset_id=dataset.id))}


def _problem_document(item: CuratedProblem) -> dict[str, Any]:
    problem = item.problem
    return {
        "id": problem.id,
        "position": item.position,
        "title": problem.title,
        "description": problem.description,
        "status": problem.status,
        "vote_count": problem.vote_count,
        "note": item.note,
        "category": problem.category.name if problem.category else None,
        "data_request": problem.data_request,
        "url": absolute(url_for("problems.show", problem_id=problem.id)),
        "datasets": [_dataset_ref(d) for d in item.datasets],
        "evidence": [
            {
                "id": e.id,
                "dataset": _dataset_ref(e.dataset),
                "url": e.url,
                "caption": e.caption,
                "stance": e.stance,
                "as_of": e.as_of.isoformat() if e.as_of else None,
                "created_at": isoformat_z(e.created_at),
            }
            for e in item.evidence
        ],
    }


def _dataset_document(item: ChallengeDatasetItem) -> dict[str, Any]:
    ds = item.dataset
    return {
        **_dataset_ref(ds),
        "publisher": ds.publisher,
        "license": ds.license,
        "landing_page": ds.landing_page,
        "status": ds.status,
        "modified": isoformat_z(ds.modified),
        "extra": item.extra,
        "note": item.note,
        "distributions": [{"title": d.title, "url": d.url, "format": d.format} for d in ds.distributions],
    }


def _project_document(project: Project, detail: ChallengeDetail) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "description_html": project.description_html,
        "repository_url": project.repository_url,
        "demo_url": project.demo_url,
        "members": [{"id": m.user.id, "name": m.user.name} for m in project.members],
        "team_names": [n for n in project.team_names.splitlines() if n.strip()],
        "problems": [{"id": pid, "title": title} for pid, title in detail.problem_titles(project)],
        "featured": project.featured,
        "award": project.award or None,
        "created_at": isoformat_z(project.created_at),
        "updated_at": isoformat_z(project.updated_at),
    }


def challenge_document(detail: ChallengeDetail, *, with_projects: bool = True) -> dict[str, Any]:
    """A challenge with its problems, datasets (and projects) as JSON; times ISO 8601 with Z."""
    document = {
        **challenge_summary(detail.challenge),
        "problems": [_problem_document(item) for item in detail.problems],
        "datasets": [_dataset_document(item) for item in detail.datasets],
    }
    if with_projects:
        document["projects"] = [_project_document(p, detail) for p in detail.projects]
    return document


def brief_document(detail: ChallengeDetail) -> dict[str, Any]:
    """The brief as JSON: the same content as the Markdown brief."""
    return {**challenge_document(detail, with_projects=False), "generated_at": isoformat_z(utcnow())}


def md_escape(text: str | None) -> str:
    """Plain text made safe inside Markdown link text and headings (brackets, angle brackets)."""
    text = " ".join((text or "").split())
    for ch in "\\[]<>":
        text = text.replace(ch, "\\" + ch)
    return text


_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})(\s)")


def demote_headings(markdown_text: str | None, levels: int = 3) -> str:
    """Push a user's Markdown headings down `levels` (to at most h6), so a description's
    "# Title" cannot break the brief's own outline. Code blocks are left alone."""
    lines, fenced = [], False
    for line in (markdown_text or "").replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            line = _HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + levels) + m.group(2), line)
        lines.append(line)
    return "\n".join(lines).strip()


def brief_markdown(detail: ChallengeDetail) -> str:
    """The brief as a Markdown document (rendered from templates/challenges/brief.md)."""
    text = render_template(
        "challenges/brief.md",
        detail=detail,
        c=detail.challenge,
        absolute=absolute,
        esc=md_escape,
        demote=demote_headings,
        generated_at=isoformat_z(utcnow()),
    )
    # Collapse the blank-line runs the template's conditionals leave behind.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def challenge_names(challenge_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(slug, title) of each public challenge, for notifications (one query); drafts are left
    out, their pages being for organizers only."""
    ids = sorted(set(challenge_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Challenge.id, Challenge.slug, Challenge.title).where(
            Challenge.id.in_(ids), Challenge.status.in_(PUBLIC_STATUSES)
        )
    ).all()
    return {row.id: (row.slug, row.title) for row in rows}
