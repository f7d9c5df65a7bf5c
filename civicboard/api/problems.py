"""/api/v1/problems: the board, a problem, proposing and editing, comments, votes and follows.

Reads use the pages' queries (problems.queries), writes the pages' services, so the API sees
and may do exactly what the site shows and allows. Writes share their rate-limit budgets
with the pages (same scopes, same keys): switching from the form to the API buys nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from civicboard.api import serializers
from civicboard.api.core import (
    IDS,
    LOCATION,
    OPTIONAL_ID,
    OPTIONAL_TEXT,
    TEXT,
    BadRequest,
    acting_user,
    bad_cursor,
    choice_arg,
    created_response,
    decode_cursor,
    encode_cursor,
    flag_arg,
    int_arg,
    is_id,
    json_body,
    limit_arg,
    list_response,
    optional_user,
    page_url,
    rename_fields,
    take,
    text_arg,
    unauthorized,
)
from civicboard.briefcache import remember
from civicboard.extensions import db
from civicboard.links import absolute_url
from civicboard.places import geo
from civicboard.problems import photos, queries, services, visibility
from civicboard.problems.models import Category, Comment, Photo, Problem, ProblemStatus
from civicboard.ratelimits import comments_limit, problems_limit, votes_limit
from civicboard.validation import ValidationError, accepts_uploads
from civicboard.writes import retry_when_locked

bp = Blueprint("problems", __name__, url_prefix="/problems")

STATUS_FILTERS = [s.value for s in ProblemStatus] + list(queries.STATUS_GROUPS)
PROBLEM_FIELDS = {
    "title": TEXT,
    "description": TEXT,
    "dataset_ids": IDS,
    "category": OPTIONAL_TEXT,
    "neighbourhood": OPTIONAL_TEXT,
    "data_request": OPTIONAL_TEXT,
    "location": LOCATION,
    "address": OPTIONAL_TEXT,
    "language": OPTIONAL_TEXT,
}
# The services name fields as the forms do; the API as the contract does.
FIELD_NAMES = {"category_id": "category", "latitude": "location", "longitude": "location"}
COMMENT_FIELDS = {"body": TEXT, "parent_id": OPTIONAL_ID, "language": OPTIONAL_TEXT}
# 64-bit keys are the most a cursor can carry into a comparison on either database.
MAX_KEY = 2**63 - 1


def problem_or_404(problem_id: int) -> Problem:
    """A problem the caller may see (hidden ones: moderators and the author), else 404."""
    problem = queries.get_problem(problem_id, optional_user())
    if problem is None:
        abort(404, _("There is no problem %(id)s.", id=problem_id))
    return problem


def problem_url(problem: Problem) -> str:
    """The problem's address in the API."""
    return absolute_url("api.problems.show", problem_id=problem.id)


# -- the board -----------------------------------------------------------------------------------


def _filters() -> queries.ProblemFilters:
    voted = flag_arg("voted")
    if voted and optional_user() is None:
        raise unauthorized(_("voted=1 lists the problems you vote for: send 'Authorization: Bearer <token>'."))
    return queries.ProblemFilters(
        status=choice_arg("status", STATUS_FILTERS, None),
        dataset_id=int_arg("dataset"),
        category=text_arg("category", 80) or None,
        voted_by_me=voted,
        bbox=_bbox(),
    )


def _bbox() -> geo.Bounds | None:
    """The `bbox` argument; 400 naming it when malformed."""
    try:
        return geo.parse_bbox(request.args.get("bbox"))
    except ValidationError as exc:
        raise BadRequest(exc.message, exc.fields) from None


def _checked_cursor(sort: str) -> str | None:
    cursor = request.args.get("cursor") or None
    if cursor is None:
        return None
    position = queries.decode_cursor(sort, cursor)
    if position is None:
        raise bad_cursor()
    key, last_id = position
    if not is_id(last_id) or (isinstance(key, int) and abs(key) > MAX_KEY):
        raise bad_cursor()
    return cursor


@bp.get("")
def list_problems():
    """Problems in the board's order and filters; keyset pages (`cursor`), total of all matches."""
    viewer = optional_user()
    sort = choice_arg("sort", list(queries.SORTS), "hot")
    filters = _filters()
    limit = limit_arg()
    page = queries.list_problems(
        viewer,
        sort=sort,
        filters=filters,
        after=_checked_cursor(sort),
        limit=limit,
        with_originals=True,
        with_photos=True,
    )

    def count() -> int:
        return db.session.execute(
            select(func.count()).select_from(Problem).where(*queries.filter_clauses(viewer, filters))
        ).scalar_one()

    # Counting every match is a scan of the board: kept briefly for readers who see the same
    # rows (civicboard.briefcache), keyed by the filters and the viewer (visibility differs);
    # "the problems I vote for" changes with the caller's own clicks, so it is always counted.
    if filters.voted_by_me:
        total = count()
    else:
        total = remember(f"api.problems.total:{visibility.viewer_id(viewer)}:{filters!r}", count)
    items = [serializers.problem(p, voted=p.id in page.voted_ids, viewer=viewer) for p in page.items]
    return list_response(items, total, page_url("api.problems.list_problems", page.next_cursor))


@bp.get("/<id:problem_id>")
def show(problem_id: int):
    """One problem, with whether the caller votes for it."""
    problem = problem_or_404(problem_id)
    user = optional_user()
    voted = services.has_voted(user, problem.id) if user is not None else False
    return serializers.problem(problem, voted=voted, viewer=user)


# -- proposing and editing -------------------------------------------------------------------------


def _category_id(slug: Any) -> int | None:
    """The id of the category with that slug (None clears it); 422 for an unknown slug."""
    if slug is None or not slug.strip():
        return None
    found = db.session.execute(select(Category.id).where(Category.slug == slug.strip())).scalar()
    if found is None:
        message = _("Unknown category; use a category's slug.")
        raise ValidationError(message, {"category": message})
    return found


def _location(value: dict | None) -> dict[str, Any]:
    """The service's latitude/longitude from the API's `location` object (None clears it)."""
    if value is None:
        return {"latitude": None, "longitude": None}
    return {"latitude": value.get("lat"), "longitude": value.get("lon")}


@bp.post("")
@problems_limit
def create():
    """Propose a problem (or a data request); 201 with its Location."""
    user = acting_user()
    fields = take(json_body(), PROBLEM_FIELDS)
    try:
        problem = services.create_problem(
            user,
            title=fields.get("title"),
            description=fields.get("description"),
            dataset_ids=fields.get("dataset_ids"),
            category_id=_category_id(fields.get("category")),
            neighbourhood=fields.get("neighbourhood"),
            data_request=fields.get("data_request"),
            address=fields.get("address"),
            language=fields.get("language"),
            **_location(fields.get("location")),
        )
    except ValidationError as exc:
        raise rename_fields(exc, FIELD_NAMES) from None
    db.session.commit()
    problem = problem_or_404(problem.id)
    return created_response(serializers.problem(problem, viewer=user), problem_url(problem))


@bp.patch("/<id:problem_id>")
def update(problem_id: int):
    """Change some of a problem's fields (its author while open, or a moderator)."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    fields = take(json_body(), PROBLEM_FIELDS)
    category_id = _category_id(fields["category"]) if "category" in fields else problem.category_id
    current_ids = [link.dataset_id for link in problem.dataset_links]
    try:
        services.edit_problem(
            user,
            problem,
            title=fields.get("title", problem.title),
            description=fields.get("description", problem.description),
            dataset_ids=fields.get("dataset_ids", current_ids),
            category_id=category_id,
            neighbourhood=fields.get("neighbourhood", problem.neighbourhood),
            data_request=fields.get("data_request", problem.data_request),
            address=fields.get("address", problem.address),
            language=fields.get("language", problem.language),
            **(
                _location(fields["location"])
                if "location" in fields
                else {"latitude": problem.latitude, "longitude": problem.longitude}
            ),
        )
    except ValidationError as exc:
        raise rename_fields(exc, FIELD_NAMES) from None
    db.session.commit()
    problem = problem_or_404(problem.id)
    return serializers.problem(problem, voted=services.has_voted(user, problem.id), viewer=user)


# -- photos ----------------------------------------------------------------------------------------


@bp.post("/<id:problem_id>/photos")
@accepts_uploads(1)
@problems_limit
def add_photo(problem_id: int):
    """Add a photo (multipart: `file`, `alt`) to a problem you may edit; 201 with the photo."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    try:
        photo = photos.add_photo(user, problem, data, request.form.get("alt"), field="file")
    except ValidationError as exc:
        raise rename_fields(exc, {"file_alt": "alt"}) from None
    db.session.commit()
    return created_response(serializers.photo(photo), absolute_url("problems.photo_file", key=photo.key))


@bp.delete("/<id:problem_id>/photos/<id:photo_id>")
def delete_photo(problem_id: int, photo_id: int):
    """Remove a photo, and its files, from a problem you may edit."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.problem_id != problem.id or not visibility.is_visible_to(photo, user):
        abort(404, _("There is no photo %(photo)s on problem %(problem)s.", photo=photo_id, problem=problem.id))
    photos.delete_photo(user, problem, photo)
    db.session.commit()
    return {"deleted": True, "id": photo_id}


# -- comments --------------------------------------------------------------------------------------


def _comment_conditions(problem: Problem, viewer: Any) -> list[Any]:
    """A problem's comments the viewer may see: hidden ones only for moderators and their author."""
    return [Comment.problem_id == problem.id, visibility.visible(Comment, viewer)]


@bp.get("/<id:problem_id>/comments")
def comments(problem_id: int):
    """A problem's comments, oldest first; deleted ones keep their place with an empty body."""
    problem = problem_or_404(problem_id)
    viewer = optional_user()
    limit = limit_arg()
    conditions = _comment_conditions(problem, viewer)
    query = select(Comment).where(*conditions).order_by(Comment.id).limit(limit + 1)
    position = decode_cursor(request.args.get("cursor"), 1)
    if position is not None:
        if not is_id(position[0]):
            raise bad_cursor()
        query = query.where(Comment.id > position[0])
    rows = list(db.session.execute(query).scalars())
    total = db.session.execute(select(func.count()).select_from(Comment).where(*conditions)).scalar_one()
    page = rows[:limit]
    cursor = encode_cursor([page[-1].id]) if len(rows) > limit else None
    next_url = page_url("api.problems.comments", cursor, problem_id=problem.id)
    return list_response([serializers.comment(c) for c in page], total, next_url)


@bp.post("/<id:problem_id>/comments")
@comments_limit
def add_comment(problem_id: int):
    """Comment on a problem, or reply to a comment (`parent_id`)."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    fields = take(json_body(), COMMENT_FIELDS)
    comment = services.add_comment(
        user, problem, fields.get("body"), parent_id=fields.get("parent_id"), language=fields.get("language")
    )
    db.session.commit()
    return created_response(serializers.comment(comment))


# -- votes -----------------------------------------------------------------------------------------


def _vote(problem_id: int, action):
    user = acting_user()

    def cast() -> dict:
        voted, vote_count = action(user, problem_id)
        db.session.commit()
        return {"voted": voted, "vote_count": vote_count}

    # SQLite's single writer: a vote waits its turn rather than being answered with an error.
    return retry_when_locked(cast)


@bp.put("/<id:problem_id>/vote")
@votes_limit
def vote(problem_id: int):
    """Vote for a problem; voting again changes nothing."""
    return _vote(problem_id, services.vote)


@bp.delete("/<id:problem_id>/vote")
@votes_limit
def unvote(problem_id: int):
    """Withdraw your vote; withdrawing again changes nothing."""
    return _vote(problem_id, services.withdraw_vote)


# -- follows ---------------------------------------------------------------------------------------


@bp.put("/<id:problem_id>/follow")
def follow(problem_id: int):
    """Hear about a problem's new comments, official responses and status changes; again: no change."""
    user = acting_user()
    services.follow_problem(user, problem_or_404(problem_id))
    db.session.commit()
    return {"following": True}


@bp.delete("/<id:problem_id>/follow")
def unfollow(problem_id: int):
    """Stop hearing about a problem; again: no change."""
    user = acting_user()
    services.unfollow_problem(user, problem_or_404(problem_id))
    db.session.commit()
    return {"following": False}
