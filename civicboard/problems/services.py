"""Problem actions: propose and edit, vote, comment, follow, and the staff-managed categories.

Each takes the acting user, checks permission, validates, writes, and leaves the commit to the
caller (a view, the JSON API, the CLI). The HTML views and the JSON API call the same functions.

Stored counters (vote_count, comment_count, the hot score, dataset counters) change only through
problems.counters, in the same transaction as the rows they count: two requests voting at once
both add one, whatever either of them read before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Delete, Insert, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from civicboard import i18n, validation
from civicboard.audit.services import record
from civicboard.auth.models import Department, User
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.permissions import Capability, NotFound, PermissionDenied, require, require_active
from civicboard.places import geo
from civicboard.places import services as places_services
from civicboard.problems import counters, notifications, visibility
from civicboard.problems.models import (
    Category,
    CategoryDataset,
    Comment,
    CommentRevision,
    DataRequestStatus,
    NotificationKind,
    Problem,
    ProblemDataset,
    Vote,
    may_vote,
    status_label,
    takes_votes,
)
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_name, clean_text

TITLE_MIN_LENGTH = 5
TITLE_MAX_LENGTH = 140
DESCRIPTION_MAX_LENGTH = 20_000
DATA_REQUEST_MAX_LENGTH = 5_000
NEIGHBOURHOOD_MAX_LENGTH = 120
COMMENT_MAX_LENGTH = 10_000
MAX_DATASETS = 10
CATEGORY_NAME_MAX_LENGTH = 80


class Keep:
    """The type of KEEP: an edit's argument left out, so the stored value stays."""


KEEP = Keep()
# Control characters have no business in prose, and search highlighting uses two of them as
# markers (see search.py), so they are removed from everything a problem stores.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str | None) -> str | None:
    """Remove control characters (tabs and newlines stay)."""
    return None if value is None else _CONTROL.sub("", str(value))


# -- proposing and editing ---------------------------------------------------------------------


@dataclass
class ProblemInput:
    """A problem's fields after cleaning, ready to store (or to preview)."""

    title: str
    description: str
    dataset_ids: list[int]
    category_id: int | None
    neighbourhood: str | None
    data_request: str | None
    datasets: list[Dataset] = field(default_factory=list)
    category: Category | None = None
    location: tuple[float, float] | None = None
    address: str | None = None
    neighbourhood_id: int | None = None
    language: str | None = None

    @property
    def description_html(self) -> str:
        return render(self.description)


def parse_ids(values: Iterable | None) -> list[int]:
    """Integer ids from form or JSON values, in order, without duplicates or junk.

    Refuses (TooManyItems, a 400) a list longer than any form sends before looking at its items.
    """
    return validation.parse_ids(values)


def active_categories_exist() -> bool:
    """True when staff have set up at least one active category (then one is required)."""
    return db.session.execute(select(Category.id).where(Category.active.is_(True)).limit(1)).first() is not None


# Each cleaner checks one field and raises ValidationError naming it; clean_problem_input
# runs them all and reports every error at once.


def clean_title(title: str | None) -> str:
    """A problem's title: one line, visible, without control or bidi characters."""
    return clean_name(
        strip_controls(title), "title", label=_("Title"), min_length=TITLE_MIN_LENGTH, max_length=TITLE_MAX_LENGTH
    )


def clean_description(description: str | None) -> str:
    """A problem's Markdown description (required)."""
    return clean_text(
        strip_controls(description), "description", label=_("Description"), max_length=DESCRIPTION_MAX_LENGTH
    )


def clean_neighbourhood(neighbourhood: str | None) -> str | None:
    """The optional neighbourhood, one line."""
    value = clean_name(
        strip_controls(neighbourhood),
        "neighbourhood",
        label=_("Neighbourhood"),
        max_length=NEIGHBOURHOOD_MAX_LENGTH,
        required=False,
    )
    return value or None


def clean_address(address: str | None) -> str | None:
    """The optional address line ("12 Elm St, near the school"), one line."""
    value = clean_name(
        strip_controls(address), "address", label=_("Address"), max_length=geo.ADDRESS_MAX_LENGTH, required=False
    )
    return value or None


def clean_data_request(data_request: str | None) -> str | None:
    """The optional description of unpublished data the problem needs."""
    value = clean_text(
        strip_controls(data_request),
        "data_request",
        label=_("Data needed"),
        max_length=DATA_REQUEST_MAX_LENGTH,
        required=False,
    )
    return value or None


def clean_datasets(dataset_ids: Iterable | None, *, data_request: bool, existing: Problem | None) -> list[Dataset]:
    """The chosen datasets: at most MAX_DATASETS, existing, and active unless already tied.

    Counted before anything else, so a long list costs nothing. At least one is needed
    unless the problem is a data request.
    """
    ids = parse_ids(dataset_ids)
    if len(ids) > MAX_DATASETS:
        _field_error(
            "dataset_ids",
            ngettext("Choose at most %(num)d dataset.", "Choose at most %(num)d datasets.", MAX_DATASETS),
        )
    if not ids:
        if not data_request:
            _field_error(
                "dataset_ids",
                _("Choose at least one dataset, or describe the data you need if it is not published."),
            )
        return []
    found = {d.id: d for d in db.session.execute(select(Dataset).where(Dataset.id.in_(ids))).scalars()}
    if any(i not in found for i in ids):
        _field_error("dataset_ids", _("One of the chosen datasets does not exist. Choose again."))
    kept = {link.dataset_id for link in existing.dataset_links} if existing is not None else set()
    withdrawn = [found[i] for i in ids if found[i].is_withdrawn and i not in kept]
    if withdrawn:
        _field_error(
            "dataset_ids",
            _("“%(title)s” has been withdrawn from the catalog; choose another.", title=withdrawn[0].title),
        )
    return [found[i] for i in ids]


def clean_problem_category(category_id: int | str | None, *, existing: Problem | None) -> Category | None:
    """An active category (or the one the problem already has); required once staff made any."""
    numbers = parse_ids([category_id])
    if not numbers:
        if active_categories_exist():
            _field_error("category_id", _("Choose a category."))
        return None
    category = db.session.get(Category, numbers[0])
    still_ours = existing is not None and existing.category_id == numbers[0]
    if category is None or (not category.active and not still_ours):
        _field_error("category_id", _("Choose a category from the list."))
    return category


def _field_error(name: str, message: str):
    raise ValidationError(message, {name: message})


def clean_problem_input(
    *,
    title: str | None,
    description: str | None,
    dataset_ids: Iterable | None = None,
    category_id: int | str | None = None,
    neighbourhood: str | None = None,
    data_request: str | None = None,
    latitude=None,
    longitude=None,
    address: str | None = None,
    language: str | None = None,
    existing: Problem | None = None,
) -> ProblemInput:
    """Validate every field at once, so a form can show all its errors together.

    An ordinary problem needs at least one active dataset; a data request (the data is not
    published) needs a description of the data instead, and datasets are then optional.
    When editing, ties and a category the problem already has stay allowed even if the
    dataset was withdrawn or the category deactivated since. A list longer than any form
    sends is refused at once (TooManyItems), before the other fields are looked at.
    """
    validation.check_count(dataset_ids, "dataset_ids", validation.MAX_FIELD_VALUES, label=_("datasets"))
    errors: dict[str, str] = {}

    def check(func_, *args, **kwargs):
        try:
            return func_(*args, **kwargs)
        except validation.TooManyItems:
            raise
        except ValidationError as exc:
            errors.update(exc.fields)
            return None

    cleaned_title = check(clean_title, title)
    cleaned_description = check(clean_description, description)
    cleaned_neighbourhood = check(clean_neighbourhood, neighbourhood)
    location = check(geo.clean_location, latitude, longitude, bounds=geo.city_bounds())
    cleaned_address = check(clean_address, address)
    cleaned_language = check(i18n.content_language, language)
    cleaned_request = check(clean_data_request, data_request)
    wants_request = bool(cleaned_request)
    datasets = check(clean_datasets, dataset_ids, data_request=wants_request, existing=existing) or []
    category = check(clean_problem_category, category_id, existing=existing)

    if errors:
        first = next(iter(errors.values()))
        raise ValidationError(first if len(errors) == 1 else _("Please correct the highlighted fields."), errors)
    # A located problem takes its neighbourhood from the city's boundaries when one holds the point.
    place = geo.neighbourhood_for(*location) if location else None
    if place is not None:
        cleaned_neighbourhood = place.name
    return ProblemInput(
        title=cleaned_title or "",
        description=cleaned_description or "",
        dataset_ids=[d.id for d in datasets],
        category_id=category.id if category else None,
        neighbourhood=cleaned_neighbourhood,
        data_request=cleaned_request,
        datasets=datasets,
        category=category,
        location=location,
        address=cleaned_address,
        neighbourhood_id=place.id if place is not None else None,
        language=cleaned_language,
    )


def create_problem(
    actor: User,
    *,
    title: str | None,
    description: str | None,
    dataset_ids: Iterable | None = None,
    category_id: int | str | None = None,
    neighbourhood: str | None = None,
    data_request: str | None = None,
    latitude=None,
    longitude=None,
    address: str | None = None,
    language: str | None = None,
) -> Problem:
    """Propose a problem (or a data request); the author follows it from the start.

    `language` is the one the author wrote it in (a code of CIVICBOARD_LANGUAGES; None: not stated).
    """
    require_active(actor)
    data = clean_problem_input(
        title=title,
        description=description,
        dataset_ids=dataset_ids,
        category_id=category_id,
        neighbourhood=neighbourhood,
        data_request=data_request,
        latitude=latitude,
        longitude=longitude,
        address=address,
        language=language,
    )
    now = utcnow()
    problem = Problem(
        title=data.title,
        description=data.description,
        description_html=data.description_html,
        category_id=data.category_id,
        neighbourhood=data.neighbourhood,
        latitude=data.location[0] if data.location else None,
        longitude=data.location[1] if data.location else None,
        address=data.address,
        neighbourhood_id=data.neighbourhood_id,
        language=data.language,
        author_id=actor.id,
        data_request=data.data_request,
        data_request_status=DataRequestStatus.REQUESTED.value if data.data_request else None,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        hot=counters.initial_hot(now),
    )
    for position, dataset_id in enumerate(data.dataset_ids):
        problem.dataset_links.append(ProblemDataset(dataset_id=dataset_id, position=position))
    db.session.add(problem)
    db.session.flush()
    counters.on_problem_created(problem, data.dataset_ids)
    notifications.follow(actor, problem_id=problem.id)
    notifications.alert_area_followers(problem, actor)
    return problem


def edit_problem(
    actor: User,
    problem: Problem,
    *,
    title: str | None,
    description: str | None,
    dataset_ids: Iterable | None = None,
    category_id: int | str | None = None,
    neighbourhood: str | None = None,
    data_request: str | None = None,
    latitude=None,
    longitude=None,
    address: str | None = None,
    language: str | Keep | None = KEEP,
) -> Problem:
    """Change a problem's text, datasets, category, place, data request or language (its author, or a moderator).

    `language` left out keeps the one stored.
    """
    refusal = problem.edit_refusal(actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    data = clean_problem_input(
        title=title,
        description=description,
        dataset_ids=dataset_ids,
        category_id=category_id,
        neighbourhood=neighbourhood,
        data_request=data_request,
        latitude=latitude,
        longitude=longitude,
        address=address,
        language=problem.language if isinstance(language, Keep) else language,
        existing=problem,
    )
    location = (problem.latitude, problem.longitude) if problem.is_located else None
    before = {link.dataset_id for link in problem.dataset_links}
    after = set(data.dataset_ids)
    changed = sorted(
        name
        for name, old, new in (
            ("title", problem.title, data.title),
            ("description", problem.description, data.description),
            ("category", problem.category_id, data.category_id),
            ("neighbourhood", problem.neighbourhood, data.neighbourhood),
            ("data_request", problem.data_request, data.data_request),
            ("datasets", sorted(before), sorted(after)),
            ("location", location, data.location),
            ("address", problem.address, data.address),
            ("language", problem.language, data.language),
        )
        if old != new
    )
    if not changed:
        return problem
    problem.title = data.title
    if problem.description != data.description:
        problem.description = data.description
        problem.description_html = data.description_html
    problem.category_id = data.category_id
    problem.neighbourhood = data.neighbourhood
    problem.latitude, problem.longitude = data.location or (None, None)
    problem.address = data.address
    problem.language = data.language
    problem.neighbourhood_id = data.neighbourhood_id
    if data.data_request is None:
        problem.data_request = None
        problem.data_request_status = None
    else:
        if problem.data_request is None:
            problem.data_request_status = DataRequestStatus.REQUESTED.value
        problem.data_request = data.data_request
    if before != after:
        links = {link.dataset_id: link for link in problem.dataset_links}
        for dataset_id in before - after:
            problem.dataset_links.remove(links[dataset_id])
        for position, dataset_id in enumerate(data.dataset_ids):
            if dataset_id in links:
                links[dataset_id].position = position
            else:
                problem.dataset_links.append(ProblemDataset(dataset_id=dataset_id, position=position))
        db.session.flush()
        counters.on_datasets_changed(problem, sorted(after - before), sorted(before - after))
    problem.updated_at = utcnow()
    if actor.id != problem.author_id:
        record(actor, "problem.edit", "problem", problem.id, fields=changed)
    return problem


def assign_neighbourhoods(batch_size: int = 1000) -> int:
    """Give every located problem the neighbourhood whose polygon holds it (after boundaries change).

    A problem outside every polygon keeps its typed neighbourhood and loses its link. Walks the
    located problems by id in batches; Shapely's STRtree finds the candidates. Returns how many
    problems changed. Their `updated_at` is left alone: their text did not change.
    """
    from shapely import STRtree  # not in every web worker (places.services)
    from shapely.geometry import Point

    shapes = places_services.all_shapes()
    tree = STRtree([geometry for _, _, geometry in shapes]) if shapes else None
    changed = 0
    after = 0
    while True:
        rows = db.session.execute(
            select(Problem.id, Problem.latitude, Problem.longitude, Problem.neighbourhood_id)
            .where(Problem.latitude.is_not(None), Problem.id > after)
            .order_by(Problem.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return changed
        for row in rows:
            found = None
            if tree is not None:
                point = Point(row.longitude, row.latitude)
                hits = sorted(int(i) for i in tree.query(point, predicate="covered_by"))
                found = shapes[hits[0]] if hits else None
            new_id = found[0] if found else None
            if new_id != row.neighbourhood_id:
                values = {"neighbourhood_id": new_id}
                if found:
                    values["neighbourhood"] = found[1]
                db.session.execute(update(Problem).where(Problem.id == row.id).values(**values))
                changed += 1
        after = rows[-1].id


# -- votes ---------------------------------------------------------------------------------------


def _locked_for_vote(actor: User, problem_id: int) -> counters.LockedProblem:
    """Take the problem's row lock for a vote or its withdrawal, after checking they may.

    The lock comes first and the checks read the locked row: a vote that waited for a
    moderator's hide or a status change sees the problem as they left it, and nothing loaded
    earlier is trusted. A problem the actor may not see is not found.
    """
    require_active(actor)
    row = counters.lock_if_any(problem_id)
    if row is None or not visibility.is_visible_to(row, actor):
        raise NotFound(_("There is no problem %(id)s.", id=problem_id))
    if not may_vote(actor, takes_votes(row)):
        status = status_label(row.status).lower()
        raise ConflictError(_("Voting is closed on this problem (%(status)s).", status=status))
    return row


def _insert_vote(user_id: int, problem_id: int) -> bool:
    """Insert the vote row; False when it already exists (now or by a concurrent request).

    INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite: a duplicate is not an error,
    so nothing is rolled back and no savepoint is needed. Other databases fall back to a
    SAVEPOINT around a plain INSERT and catch the IntegrityError.
    """
    values = {"user_id": user_id, "problem_id": problem_id, "created_at": utcnow()}
    statement = _vote_insert(db.session.get_bind().dialect.name)
    if statement is not None:
        # RETURNING names the row actually inserted (rowcount is not reliable for INSERT).
        return db.session.execute(statement, values).first() is not None
    try:
        with db.session.begin_nested():
            db.session.execute(insert(Vote.__table__), values)
    except IntegrityError:
        return False
    return True


@cache
def _vote_insert(dialect: str) -> Insert | None:
    """The vote's INSERT ... ON CONFLICT DO NOTHING for this dialect (built once), or None."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    table = Vote.__table__
    return dialect_insert(table).on_conflict_do_nothing().returning(table.c.user_id)


@cache
def _vote_delete() -> Delete:
    """A voter's vote on a problem, withdrawn (built once)."""
    table = Vote.__table__
    return delete(table).where(table.c.user_id == bindparam("voter_id"), table.c.problem_id == bindparam("voted_id"))


def vote(actor: User, problem_id: int) -> tuple[bool, int]:
    """Support a problem; returns (voted, vote_count). Voting twice changes nothing."""
    row = _locked_for_vote(actor, problem_id)
    vote_count = counters.add_votes(row, 1) if _insert_vote(actor.id, problem_id) else row.vote_count
    return True, vote_count


def withdraw_vote(actor: User, problem_id: int) -> tuple[bool, int]:
    """Withdraw support; returns (voted, vote_count). Withdrawing twice changes nothing.

    Allowed while voting is: once a problem is closed its votes are its record.
    """
    row = _locked_for_vote(actor, problem_id)
    result = db.session.execute(_vote_delete(), {"voter_id": actor.id, "voted_id": problem_id})
    vote_count = counters.add_votes(row, -1) if result.rowcount else row.vote_count
    return False, vote_count


def has_voted(user: User, problem_id: int) -> bool:
    """True when the user supports the problem."""
    if user is None or not user.is_authenticated:
        return False
    found = db.session.execute(select(Vote.user_id).where(Vote.user_id == user.id, Vote.problem_id == problem_id))
    return found.first() is not None


# -- comments ------------------------------------------------------------------------------------


def add_comment(
    actor: User, problem: Problem, body: str | None, parent_id: int | None = None, *, language: str | None = None
) -> Comment:
    """Comment on a problem, or reply to a comment (a reply to a reply joins its thread).

    `language` is the one the author wrote it in (a code of CIVICBOARD_LANGUAGES; None: not stated).

    The replied-to comment's author hears of it ("reply"); the problem's other followers get
    "comment".
    """
    require_active(actor)
    if not problem.visible_to(actor):
        raise PermissionDenied(_("This problem is not available."))
    if not problem.can_comment(actor):
        raise ConflictError(_("Comments are closed on this problem."))
    body = clean_text(strip_controls(body), "body", label=_("Comment"), max_length=COMMENT_MAX_LENGTH)
    language = i18n.content_language(language)
    replied_to = None
    thread_id = None
    if parent_id is not None:
        replied_to = db.session.get(Comment, parse_ids([parent_id])[0]) if parse_ids([parent_id]) else None
        if replied_to is None or replied_to.problem_id != problem.id:
            raise ValidationError(_("The comment you replied to does not exist."), {"parent_id": _("Unknown comment.")})
        if replied_to.is_deleted or not visibility.takes_contributions(replied_to):
            raise ConflictError(_("That comment is no longer available; reply to the problem instead."))
        thread_id = replied_to.parent_id or replied_to.id
    comment = Comment(
        problem_id=problem.id,
        author_id=actor.id,
        parent_id=thread_id,
        body=body,
        body_html=render(body),
        language=language,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    counters.add_comments(problem.id, 1)
    told: list[int] = []
    if replied_to is not None and notifications.notify_user(
        replied_to.author_id,
        NotificationKind.REPLY.value,
        actor=actor,
        problem_id=problem.id,
        comment_id=comment.id,
    ):
        told.append(replied_to.author_id)
    notifications.notify_followers(
        NotificationKind.COMMENT.value,
        actor=actor,
        problem_id=problem.id,
        comment_id=comment.id,
        exclude_user_ids=told,
    )
    return comment


def edit_comment(actor: User, comment: Comment, body: str | None) -> Comment:
    """Change your own comment; the earlier text is kept as a revision for moderators."""
    if not comment.can_edit(actor):
        raise PermissionDenied(_("You cannot edit this comment."))
    problem = comment.problem
    if problem.is_locked or not visibility.takes_contributions(problem):
        raise ConflictError(_("Comments are closed on this problem."))
    body = clean_text(strip_controls(body), "body", label=_("Comment"), max_length=COMMENT_MAX_LENGTH)
    if body == comment.body:
        return comment
    now = utcnow()
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body, created_at=now))
    comment.body = body
    comment.body_html = render(body)
    comment.edited_at = now
    return comment


def delete_comment(actor: User, comment: Comment) -> bool:
    """Delete your own comment: a placeholder keeps the thread's shape; returns False if already gone.

    The text is cleared from the comment (so no page, feed or export can show it) and kept as a
    revision for moderators. One conditional UPDATE decides, so two deletes count once.
    """
    if actor is None or not actor.is_authenticated or actor.id != comment.author_id:
        raise PermissionDenied(_("You can only delete your own comments."))
    old_body = comment.body
    table = Comment.__table__
    row = db.session.execute(
        update(table)
        .where(table.c.id == comment.id, table.c.deleted_at.is_(None))
        .values(deleted_at=utcnow(), body="", body_html="")
        .returning(table.c.deleted_at, table.c.hidden_at)
    ).first()
    if row is None:
        return False
    for name, value in (("deleted_at", row.deleted_at), ("body", ""), ("body_html", "")):
        set_committed_value(comment, name, value)
    if old_body:
        db.session.add(CommentRevision(comment_id=comment.id, body=old_body, created_at=row.deleted_at))
    if row.hidden_at is None:
        counters.add_comments(comment.problem_id, -1)
    return True


# -- following -----------------------------------------------------------------------------------


def follow_problem(actor: User, problem: Problem) -> bool:
    """Hear about new comments, responses and status changes; False if already following."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Please log in to continue."))
    if not problem.visible_to(actor):
        raise PermissionDenied(_("This problem is not available."))
    return notifications.follow(actor, problem_id=problem.id)


def unfollow_problem(actor: User, problem: Problem) -> bool:
    """Stop hearing about a problem; False if not following."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Please log in to continue."))
    return notifications.unfollow(actor, problem_id=problem.id)


# -- categories (staff) --------------------------------------------------------------------------


def _slugify(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:80] or "category"


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    base = _slugify(name)
    slug, n = base, 2
    while True:
        query = select(Category.id).where(Category.slug == slug)
        if exclude_id is not None:
            query = query.where(Category.id != exclude_id)
        if db.session.execute(query).first() is None:
            return slug
        slug, n = f"{base[:75]}-{n}", n + 1


def _clean_category(name: str | None, description: str | None, department_id, exclude_id: int | None = None):
    name = clean_name(name, "name", label=_("Name"), max_length=CATEGORY_NAME_MAX_LENGTH)
    description = clean_text(description, "description", label=_("Description"), max_length=500, required=False)
    query = select(Category.id).where(func.lower(Category.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Category.id != exclude_id)
    if db.session.execute(query).first() is not None:
        message = _("A category with this name already exists.")
        raise ConflictError(message, {"name": message})
    department = None
    department_ids = parse_ids([department_id])
    if department_ids:
        department = db.session.get(Department, department_ids[0])
        if department is None:
            raise ValidationError(_("Choose a department from the list."), {"department_id": _("Unknown department.")})
    return name, description, department


def create_category(
    actor: User, name: str | None, *, description: str | None = "", department_id: int | str | None = None
) -> Category:
    """Add a category at the end of the list."""
    require(actor, Capability.MANAGE_CATEGORIES)
    name, description, department = _clean_category(name, description, department_id)
    last = db.session.execute(select(func.max(Category.position))).scalar()
    category = Category(
        name=name,
        slug=_unique_slug(name),
        description=description,
        department_id=department.id if department else None,
        position=(last or 0) + 1,
        active=True,
    )
    db.session.add(category)
    db.session.flush()
    record(actor, "category.create", "category", category.id, name=name, department=getattr(department, "name", None))
    return category


def update_category(
    actor: User,
    category: Category,
    *,
    name: str | None,
    description: str | None = "",
    department_id: int | str | None = None,
    active: bool = True,
    default_dataset_ids: Iterable | None = None,
) -> Category:
    """Rename a category, link it to a department, (de)activate it, or name its default datasets
    (None leaves them). The slug stays stable."""
    require(actor, Capability.MANAGE_CATEGORIES)
    name, description, department = _clean_category(name, description, department_id, exclude_id=category.id)
    if default_dataset_ids is not None:
        set_default_datasets(actor, category, default_dataset_ids)
    before = {
        "name": category.name,
        "department_id": category.department_id,
        "active": category.active,
        "description": category.description,
    }
    category.name = name
    category.description = description
    category.department_id = department.id if department else None
    category.department = department
    category.active = bool(active)
    after = {
        "name": category.name,
        "department_id": category.department_id,
        "active": category.active,
        "description": category.description,
    }
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        record(actor, "category.update", "category", category.id, changes=changes)
    return category


def set_default_datasets(actor: User, category: Category, dataset_ids: Iterable) -> None:
    """The datasets an Open311 report in this category is tied to (existing, active, at most MAX_DATASETS)."""
    require(actor, Capability.MANAGE_CATEGORIES)
    ids = parse_ids(dataset_ids)
    if len(ids) > MAX_DATASETS:
        _field_error(
            "default_dataset_ids",
            ngettext("Name at most %(num)d dataset.", "Name at most %(num)d datasets.", MAX_DATASETS),
        )
    found = {d.id: d for d in db.session.execute(select(Dataset).where(Dataset.id.in_(ids))).scalars()} if ids else {}
    missing = [i for i in ids if i not in found or found[i].is_withdrawn]
    if missing:
        _field_error("default_dataset_ids", _("No active dataset has the id %(id)s.", id=missing[0]))
    before = category.default_dataset_ids
    if before == ids:
        return
    category.default_links.clear()
    db.session.flush()
    for position, dataset_id in enumerate(ids):
        category.default_links.append(CategoryDataset(dataset_id=dataset_id, position=position))
    record(actor, "category.datasets", "category", category.id, changes={"datasets": [before, ids]})


def move_category(actor: User, category: Category, direction: int) -> bool:
    """Swap a category with its neighbour above (-1) or below (+1); False at either end."""
    require(actor, Capability.MANAGE_CATEGORIES)
    ordered = list(db.session.execute(select(Category).order_by(Category.position, Category.id)).scalars())
    for position, item in enumerate(ordered):
        item.position = position  # normalise, so equal positions cannot make a swap a no-op
    index = ordered.index(category)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(ordered):
        return False
    neighbour = ordered[other]
    category.position, neighbour.position = neighbour.position, category.position
    record(actor, "category.move", "category", category.id, direction="down" if direction > 0 else "up")
    return True
