"""Plain-dict views of the models for the JSON API (the contract's field names).

Each function reads only what its caller loaded already (joined or selectin-loaded
relationships), so a list costs the same number of queries whatever its length.
openapi.py describes these shapes; tests check real responses against it.
"""

from __future__ import annotations

from typing import Any

from civicboard.datasets.queries import dataset_as_dict
from civicboard.links import absolute_url
from civicboard.permissions import Role
from civicboard.problems import visibility
from civicboard.timeutil import isoformat_z


def user_ref(user: Any) -> dict[str, Any] | None:
    """{id, name} of a user."""
    if user is None:
        return None
    return {"id": user.id, "name": user.name}


def dataset_ref(dataset: Any) -> dict[str, Any]:
    """{id, title} of a dataset."""
    return {"id": dataset.id, "title": dataset.title}


def me(user: Any) -> dict[str, Any]:
    """The authenticated user: id, name, roles, department."""
    held = user.role_set
    return {
        "id": user.id,
        "name": user.name,
        "roles": [role.value for role in Role if role in held],  # resident first, as the site lists them
        "department": user.department.name if user.department else None,
    }


def problem(problem: Any, *, voted: bool = False, viewer: Any = None) -> dict[str, Any]:
    """A problem with its tied datasets (dataset_links must be loaded).

    ``duplicate_of`` names the original only when ``viewer`` may see it (visibility.original_of).
    """
    return {
        "id": problem.id,
        "title": problem.title,
        "description": problem.description,
        "description_html": problem.description_html,
        "status": problem.status,
        "vote_count": problem.vote_count,
        "comment_count": problem.comment_count,
        "hot": problem.hot,
        "category": problem.category.slug if problem.category else None,
        "neighbourhood": problem.neighbourhood,
        "language": problem.language,
        "datasets": [dataset_ref(link.dataset) for link in problem.dataset_links],
        "data_request": problem.data_request,
        "data_request_status": problem.data_request_status,
        "duplicate_of": visibility.original_id(problem, viewer),
        "locked": problem.locked_at is not None,
        "hidden": visibility.is_hidden(problem),
        "voted": bool(voted),
        "author": user_ref(problem.author),
        "created_at": isoformat_z(problem.created_at),
        "updated_at": isoformat_z(problem.updated_at),
        "url": absolute_url("problems.show", problem_id=problem.id),
        "location": {"lat": problem.latitude, "lon": problem.longitude} if problem.is_located else None,
        "address": problem.address,
        "photos": [photo(p) for p in problem.photos if visibility.is_visible_to(p, viewer)],
    }


def photo(photo: Any) -> dict[str, Any]:
    """A problem's photo: its file, its thumbnail, its alt text and size."""
    return {
        "id": photo.id,
        "url": absolute_url("problems.photo_file", key=photo.key),
        "thumbnail_url": absolute_url("problems.photo_thumbnail", key=photo.key),
        "alt": photo.alt,
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
        "hidden": visibility.is_hidden(photo),
    }


def comment(comment: Any) -> dict[str, Any]:
    """A comment; deleted ones keep their place with an empty body and no author."""
    deleted = comment.deleted_at is not None
    return {
        "id": comment.id,
        "problem_id": comment.problem_id,
        "body": "" if deleted else comment.body,
        "body_html": "" if deleted else comment.body_html,
        "language": None if deleted else comment.language,
        "parent_id": comment.parent_id,
        "deleted": deleted,
        "hidden": visibility.is_hidden(comment),
        "author": None if deleted else user_ref(comment.author),
        "created_at": isoformat_z(comment.created_at),
        "edited_at": isoformat_z(comment.edited_at),
        "url": absolute_url(
            "problems.show", problem_id=comment.problem_id, comment=comment.id, _anchor=f"comment-{comment.id}"
        ),
    }


def response(response: Any, *, viewer: Any = None) -> dict[str, Any]:
    """An official response (``duplicate_of`` only when ``viewer`` may see the original)."""
    return {
        "id": response.id,
        "problem_id": response.problem_id,
        "body": response.body,
        "body_html": response.body_html,
        "language": response.language,
        "status_from": response.status_from,
        "status_to": response.status_to,
        "duplicate_of": visibility.original_id(response, viewer),
        "department": response.department.name if response.department else None,
        "author": user_ref(response.author),
        "created_at": isoformat_z(response.created_at),
    }


def evidence(evidence: Any) -> dict[str, Any]:
    """Evidence linking a problem to data."""
    return {
        "id": evidence.id,
        "problem_id": evidence.problem_id,
        "dataset": dataset_ref(evidence.dataset),
        "url": evidence.url,
        "caption": evidence.caption,
        "stance": evidence.stance,
        "as_of": evidence.as_of.isoformat() if evidence.as_of else None,
        "author": user_ref(evidence.created_by),
        "created_at": isoformat_z(evidence.created_at),
        "updated_at": isoformat_z(evidence.updated_at),
    }


def dataset(dataset: Any) -> dict[str, Any]:
    """A catalog dataset with its distributions (loaded) and its page's URL."""
    return {
        **dataset_as_dict(dataset),
        "url": absolute_url("datasets.show", dataset_id=dataset.id),
    }


def flag(flag: Any) -> dict[str, Any]:
    """A report, as its author sees it."""
    return {
        "id": flag.id,
        "target_type": flag.target_type,
        "target_id": flag.target_id,
        "reason": flag.reason,
        "note": flag.note,
        "created_at": isoformat_z(flag.created_at),
    }


def reopen_request(request: Any) -> dict[str, Any]:
    """A resident's "still not fixed" request, as its author sees it."""
    return {
        "id": request.id,
        "problem_id": request.problem_id,
        "reason": request.reason,
        "status": request.status,
        "created_at": isoformat_z(request.created_at),
    }
