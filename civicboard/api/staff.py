"""/api/v1/problems/<id>/responses, /evidence and /reopen-requests: staff's official responses,
open-data evidence, and residents' requests to reopen a resolved problem.

Anyone who may see the problem reads them (they are public on its page); only staff write,
through the staff services (which check the capability, validate and audit).
"""

from __future__ import annotations

from flask import Blueprint

from civicboard.api import serializers
from civicboard.api.core import (
    ID,
    OPTIONAL_ID,
    OPTIONAL_TEXT,
    TEXT,
    acting_user,
    created_response,
    json_body,
    list_response,
    optional_user,
    take,
)
from civicboard.api.problems import problem_or_404
from civicboard.extensions import db
from civicboard.staff import queries, reopen, services

bp = Blueprint("staff", __name__, url_prefix="/problems")

RESPONSE_FIELDS = {"body": TEXT, "status": OPTIONAL_TEXT, "duplicate_of": OPTIONAL_ID, "language": OPTIONAL_TEXT}
EVIDENCE_FIELDS = {
    "dataset_id": ID,
    "url": OPTIONAL_TEXT,
    "caption": TEXT,
    "stance": TEXT,
    "as_of": OPTIONAL_TEXT,
}


@bp.get("/<id:problem_id>/responses")
def responses(problem_id: int):
    """A problem's official responses, oldest first (all of them: `next` is always null)."""
    problem = problem_or_404(problem_id)
    viewer = optional_user()
    items = [serializers.response(r, viewer=viewer) for r in queries.responses_for_problem(problem.id)]
    return list_response(items, len(items), None)


@bp.post("/<id:problem_id>/responses")
def respond(problem_id: int):
    """Post an official response, optionally moving the problem's status (staff)."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    fields = take(json_body(), RESPONSE_FIELDS)
    response = services.respond(
        user,
        problem,
        fields.get("body"),
        status=fields.get("status"),
        duplicate_of=fields.get("duplicate_of"),
        language=fields.get("language"),
    )
    db.session.commit()
    return created_response(serializers.response(response, viewer=user))


@bp.get("/<id:problem_id>/evidence")
def evidence(problem_id: int):
    """A problem's evidence, oldest first (removed evidence left out; `next` is always null)."""
    problem = problem_or_404(problem_id)
    items = [serializers.evidence(e) for e in queries.evidence_for_problem(problem.id)]
    return list_response(items, len(items), None)


@bp.post("/<id:problem_id>/evidence")
def add_evidence(problem_id: int):
    """Link the problem to data: a dataset, a URL in it, a caption, a stance, a date (staff)."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    fields = take(json_body(), EVIDENCE_FIELDS)
    item = services.add_evidence(
        user,
        problem,
        fields.get("dataset_id"),
        fields.get("url"),
        fields.get("caption"),
        fields.get("stance"),
        fields.get("as_of"),
    )
    db.session.commit()
    return created_response(serializers.evidence(item))


@bp.post("/<id:problem_id>/reopen-requests")
def request_reopen(problem_id: int):
    """Say a resolved problem is still not fixed (once per person); staff see it in their queue."""
    user = acting_user()
    problem = problem_or_404(problem_id)
    fields = take(json_body(), {"reason": TEXT})
    item = reopen.request_reopen(user, problem, fields.get("reason"))
    db.session.commit()
    return created_response(serializers.reopen_request(item))
