"""Plain-dict views of the models for the JSON API (the contract's field names)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from civicboard.timeutil import isoformat_z


def user_ref(user: Any) -> dict[str, Any] | None:
    """{id, name} of a user."""
    if user is None:
        return None
    return {"id": user.id, "name": user.name}


def dataset_ref(dataset: Any) -> dict[str, Any]:
    """{id, title} of a dataset."""
    return {"id": dataset.id, "title": dataset.title}


def problem(problem: Any, datasets: list[Any]) -> dict[str, Any]:
    """A problem with its tied datasets."""
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
        "datasets": [dataset_ref(d) for d in datasets],
        "data_request": problem.data_request,
        "data_request_status": problem.data_request_status,
        "duplicate_of": problem.duplicate_of_id,
        "locked": problem.locked_at is not None,
        "author": user_ref(problem.author),
        "created_at": isoformat_z(problem.created_at),
        "updated_at": isoformat_z(problem.updated_at),
        "url": url_for("problems.show", problem_id=problem.id, _external=True),
    }


def comment(comment: Any) -> dict[str, Any]:
    """A comment; deleted ones keep their place with an empty body."""
    deleted = comment.deleted_at is not None
    return {
        "id": comment.id,
        "problem_id": comment.problem_id,
        "body": "" if deleted else comment.body,
        "body_html": "" if deleted else comment.body_html,
        "parent_id": comment.parent_id,
        "deleted": deleted,
        "author": None if deleted else user_ref(comment.author),
        "created_at": isoformat_z(comment.created_at),
        "edited_at": isoformat_z(comment.edited_at),
    }


def response(response: Any) -> dict[str, Any]:
    """An official response."""
    return {
        "id": response.id,
        "problem_id": response.problem_id,
        "body": response.body,
        "body_html": response.body_html,
        "status_from": response.status_from,
        "status_to": response.status_to,
        "duplicate_of": response.duplicate_of_id,
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
        "created_at": isoformat_z(evidence.created_at),
        "updated_at": isoformat_z(evidence.updated_at),
    }


def dataset(dataset: Any) -> dict[str, Any]:
    """A catalog dataset with its distributions."""
    return {
        "id": dataset.id,
        "source": dataset.source,
        "source_id": dataset.source_id,
        "title": dataset.title,
        "description": dataset.description,
        "publisher": dataset.publisher,
        "keywords": list(dataset.keywords or []),
        "theme": list(dataset.theme or []),
        "landing_page": dataset.landing_page,
        "license": dataset.license,
        "accrual_periodicity": dataset.accrual_periodicity,
        "modified": isoformat_z(dataset.modified),
        "issued": isoformat_z(dataset.issued),
        "status": dataset.status,
        "distributions": [
            {"title": d.title, "url": d.url, "format": d.format, "media_type": d.media_type}
            for d in dataset.distributions
        ],
        "problem_count": dataset.problem_count,
        "demand": dataset.demand,
        "url": url_for("datasets.show", dataset_id=dataset.id, _external=True),
    }
