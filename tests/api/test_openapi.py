"""The OpenAPI document: valid 3.1, in step with the routes, and true to real responses.

The table below calls every operation (successes and the errors each documents) against a
small world made through the services, and checks each body against the schema the
document gives for that operation and status.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from civicboard.api.openapi import openapi_document
from civicboard.extensions import db
from civicboard.moderation import services as moderation_services
from civicboard.problems import photos
from civicboard.staff import services as staff_services
from civicboard.timeutil import utcnow
from tests import imagefiles
from tests.api.conftest import PREFIX

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_document_is_valid_openapi_3_1(openapi):
    assert openapi["openapi"].startswith("3.1")
    validate(openapi, cls=OpenAPIV31SpecValidator)


def test_document_is_served_at_openapi_json(anonymous, openapi):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == openapi


def _route_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for method in rule.methods - IGNORED_METHODS:
            operations.add((method.lower(), path))
    return operations


def _documented_operations(document: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item}


def test_every_route_is_documented_and_nothing_else(app, openapi):
    routes, documented = _route_operations(app), _documented_operations(openapi)
    assert routes - documented == set(), "routes missing from the document"
    assert documented - routes == set(), "documented operations with no route"


def test_operation_ids_are_unique(openapi):
    ids = [op["operationId"] for item in openapi["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_every_path_parameter_is_declared(openapi):
    for path, item in openapi["paths"].items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for op in item.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == wanted, (path, op["operationId"])


# -- real responses against the document ------------------------------------------------------


@dataclass
class World:
    """Users with tokens, and one of everything, made through the services."""

    api: Callable[[Any], Any]
    users: dict[str, Any]
    problem: Any
    closed_problem: Any
    locked_problem: Any
    other_problem: Any
    comment: Any
    dataset: Any
    challenge: Any
    draft: Any
    photo: Any

    def as_(self, role: str | None):
        return self.api(self.users[role] if role else None)


@pytest.fixture
def world(api_as, user_factory, make_problem, make_comment, dataset_factory, category_factory, make_challenge):
    users = {
        "resident": user_factory(name="Rosa Resident"),
        "other": user_factory(name="Otto Other"),
        "staff": user_factory(roles=["staff"], department="Transportation", name="Sam Staff"),
        "moderator": user_factory(roles=["moderator"], name="Mo Derator"),
        "organizer": user_factory(roles=["organizer"], name="Olu Organizer"),
    }
    category = category_factory("Streets")
    dataset = dataset_factory(title="Crash Data", keywords=["crashes"])
    problem = make_problem(author=users["resident"], datasets=[dataset], category_id=category.id)
    other_problem = make_problem(author=users["other"], category_id=category.id, data_request="Tree inventory.")
    closed = make_problem(category_id=category.id)
    locked = make_problem(category_id=category.id)
    comment = make_comment(problem, author=users["other"], body="Me too.")
    staff_services.respond(users["staff"], problem, "We will look.", status="acknowledged")
    staff_services.respond(users["staff"], closed, "Fixed.", status="resolved")
    staff_services.add_evidence(
        users["staff"], problem, dataset, "https://d.example.org/x", "Many.", "supports", "2025-01-01"
    )
    moderation_services.flag(users["resident"], "problem", other_problem.id, "spam")
    locked.locked_at = utcnow()
    db.session.commit()
    challenge = make_challenge(status="published", problems=[problem])
    draft = make_challenge(status="draft", problems=[other_problem])
    photo = photos.add_photo(users["resident"], problem, imagefiles.png(), "A green square.")
    db.session.commit()
    return World(api_as, users, problem, closed, locked, other_problem, comment, dataset, challenge, draft, photo)


def _new_problem(w: World) -> dict:
    return {"title": "A new problem here", "description": "Text.", "dataset_ids": [w.dataset.id], "category": "streets"}


def _new_challenge() -> dict:
    return {
        "title": "Night of Data",
        "starts_at": "2031-01-01T18:00",
        "ends_at": "2031-01-01T23:00",
        "online": True,
        "contact": "o@example.org",
    }


Call = Callable[[World], Any]
TABLE: list[tuple[str, int, Call]] = [
    ("GET /", 200, lambda w: w.as_(None).get("/")),
    ("GET /", 429, lambda w: w.as_(None).get("/")),  # the test spends the budget first
    ("GET /me", 200, lambda w: w.as_("staff").get("/me")),
    ("GET /me", 401, lambda w: w.as_(None).get("/me")),
    ("GET /me/export", 200, lambda w: w.as_("resident").get("/me/export")),
    ("GET /me/export", 401, lambda w: w.as_(None).get("/me/export")),
    ("GET /openapi.json", 200, lambda w: w.as_(None).get("/openapi.json")),
    ("GET /problems", 200, lambda w: w.as_("resident").get("/problems?limit=1")),
    ("GET /problems", 200, lambda w: w.as_("moderator").get("/problems?voted=1&status=active&sort=top")),
    ("GET /problems", 400, lambda w: w.as_(None).get("/problems?sort=random")),
    ("GET /problems", 401, lambda w: w.as_(None).get("/problems?voted=1")),
    ("POST /problems", 201, lambda w: w.as_("resident").post("/problems", json=_new_problem(w))),
    ("POST /problems", 400, lambda w: w.as_("resident").post("/problems", data="{", content_type="application/json")),
    ("POST /problems", 401, lambda w: w.as_(None).post("/problems", json=_new_problem(w))),
    ("POST /problems", 413, lambda w: w.as_("resident").post("/problems", json={"title": "x" * 3_000_000})),
    ("POST /problems", 422, lambda w: w.as_("resident").post("/problems", json={"description": "No title."})),
    ("GET /problems/{problem_id}", 200, lambda w: w.as_("resident").get(f"/problems/{w.problem.id}")),
    ("GET /problems/{problem_id}", 404, lambda w: w.as_(None).get("/problems/999999")),
    (
        "PATCH /problems/{problem_id}",
        200,
        lambda w: w.as_("resident").patch(f"/problems/{w.problem.id}", json={"title": "A clearer title"}),
    ),
    (
        "PATCH /problems/{problem_id}",
        403,
        lambda w: w.as_("other").patch(f"/problems/{w.problem.id}", json={"title": "Not mine at all"}),
    ),
    (
        "PATCH /problems/{problem_id}",
        422,
        lambda w: w.as_("resident").patch(f"/problems/{w.problem.id}", json={"title": 7}),
    ),
    (
        "POST /problems/{problem_id}/photos",
        201,
        lambda w: w.as_("resident").post(
            f"/problems/{w.problem.id}/photos",
            data={"file": (io.BytesIO(imagefiles.webp()), "x.webp"), "alt": "A blue square."},
        ),
    ),
    (
        "POST /problems/{problem_id}/photos",
        401,
        lambda w: w.as_(None).post(f"/problems/{w.problem.id}/photos", data={"alt": "No file."}),
    ),
    (
        "POST /problems/{problem_id}/photos",
        403,
        lambda w: w.as_("other").post(
            f"/problems/{w.problem.id}/photos", data={"file": (io.BytesIO(imagefiles.png()), "x.png"), "alt": "Mine?"}
        ),
    ),
    (
        "POST /problems/{problem_id}/photos",
        422,
        lambda w: w.as_("resident").post(
            f"/problems/{w.problem.id}/photos", data={"file": (io.BytesIO(b"not an image"), "x.jpg"), "alt": "Junk."}
        ),
    ),
    (
        "DELETE /problems/{problem_id}/photos/{photo_id}",
        200,
        lambda w: w.as_("resident").delete(f"/problems/{w.problem.id}/photos/{w.photo.id}"),
    ),
    (
        "DELETE /problems/{problem_id}/photos/{photo_id}",
        404,
        lambda w: w.as_("resident").delete(f"/problems/{w.problem.id}/photos/999999"),
    ),
    ("GET /problems/{problem_id}/comments", 200, lambda w: w.as_(None).get(f"/problems/{w.problem.id}/comments")),
    ("GET /problems/{problem_id}/comments", 404, lambda w: w.as_(None).get("/problems/999999/comments")),
    (
        "POST /problems/{problem_id}/comments",
        201,
        lambda w: w.as_("resident").post(
            f"/problems/{w.problem.id}/comments", json={"body": "Reply.", "parent_id": w.comment.id}
        ),
    ),
    (
        "POST /problems/{problem_id}/comments",
        409,
        lambda w: w.as_("resident").post(f"/problems/{w.locked_problem.id}/comments", json={"body": "Hi."}),
    ),
    (
        "POST /problems/{problem_id}/comments",
        422,
        lambda w: w.as_("resident").post(f"/problems/{w.problem.id}/comments", json={"body": ""}),
    ),
    ("PUT /problems/{problem_id}/vote", 200, lambda w: w.as_("other").put(f"/problems/{w.problem.id}/vote")),
    ("PUT /problems/{problem_id}/vote", 409, lambda w: w.as_("other").put(f"/problems/{w.closed_problem.id}/vote")),
    ("DELETE /problems/{problem_id}/vote", 200, lambda w: w.as_("other").delete(f"/problems/{w.problem.id}/vote")),
    ("DELETE /problems/{problem_id}/vote", 401, lambda w: w.as_(None).delete(f"/problems/{w.problem.id}/vote")),
    ("PUT /problems/{problem_id}/follow", 200, lambda w: w.as_("other").put(f"/problems/{w.problem.id}/follow")),
    ("PUT /problems/{problem_id}/follow", 401, lambda w: w.as_(None).put(f"/problems/{w.problem.id}/follow")),
    ("DELETE /problems/{problem_id}/follow", 200, lambda w: w.as_("other").delete(f"/problems/{w.problem.id}/follow")),
    ("DELETE /problems/{problem_id}/follow", 404, lambda w: w.as_("other").delete("/problems/999999/follow")),
    ("GET /problems/{problem_id}/responses", 200, lambda w: w.as_(None).get(f"/problems/{w.problem.id}/responses")),
    (
        "POST /problems/{problem_id}/responses",
        201,
        lambda w: w.as_("staff").post(
            f"/problems/{w.problem.id}/responses", json={"body": "Work starts Monday.", "status": "in_progress"}
        ),
    ),
    (
        "POST /problems/{problem_id}/responses",
        403,
        lambda w: w.as_("resident").post(f"/problems/{w.problem.id}/responses", json={"body": "Official!"}),
    ),
    ("GET /problems/{problem_id}/evidence", 200, lambda w: w.as_(None).get(f"/problems/{w.problem.id}/evidence")),
    (
        "POST /problems/{problem_id}/evidence",
        201,
        lambda w: w.as_("staff").post(
            f"/problems/{w.problem.id}/evidence",
            json={"dataset_id": w.dataset.id, "caption": "Context.", "stance": "context", "as_of": None},
        ),
    ),
    (
        "POST /problems/{problem_id}/evidence",
        422,
        lambda w: w.as_("staff").post(f"/problems/{w.problem.id}/evidence", json={"stance": "maybe"}),
    ),
    ("GET /datasets", 200, lambda w: w.as_(None).get("/datasets?q=crash&sort=title")),
    ("GET /datasets", 400, lambda w: w.as_(None).get("/datasets?page=zero")),
    (
        "POST /datasets",
        201,
        lambda w: w.as_("staff").post(
            "/datasets",
            json={"title": "Potholes", "landing_page": "https://d.example.org/p", "contact_email": "d@example.org"},
        ),
    ),
    ("POST /datasets", 403, lambda w: w.as_("resident").post("/datasets", json={"title": "Mine"})),
    ("GET /datasets/{dataset_id}", 200, lambda w: w.as_(None).get(f"/datasets/{w.dataset.id}")),
    ("GET /datasets/{dataset_id}", 404, lambda w: w.as_(None).get("/datasets/999999")),
    (
        "PATCH /datasets/{dataset_id}",
        200,
        lambda w: w.as_("staff").patch(f"/datasets/{w.dataset.id}", json={"status": "withdrawn"}),
    ),
    ("GET /challenges", 200, lambda w: w.as_("organizer").get("/challenges")),
    ("POST /challenges", 201, lambda w: w.as_("organizer").post("/challenges", json=_new_challenge())),
    ("POST /challenges", 403, lambda w: w.as_("resident").post("/challenges", json=_new_challenge())),
    ("GET /challenges/{slug}", 200, lambda w: w.as_(None).get(f"/challenges/{w.challenge.slug}")),
    ("GET /challenges/{slug}", 404, lambda w: w.as_(None).get(f"/challenges/{w.draft.slug}")),
    (
        "PATCH /challenges/{slug}",
        200,
        lambda w: w.as_("organizer").patch(f"/challenges/{w.draft.slug}", json={"status": "published"}),
    ),
    (
        "PATCH /challenges/{slug}",
        409,
        lambda w: w.as_("organizer").patch(f"/challenges/{w.challenge.slug}", json={"slug": "another-slug"}),
    ),
    (
        "POST /flags",
        201,
        lambda w: w.as_("resident").post(
            "/flags", json={"target_type": "comment", "target_id": w.comment.id, "reason": "abuse"}
        ),
    ),
    (
        "POST /flags",
        409,
        lambda w: w.as_("resident").post(
            "/flags", json={"target_type": "problem", "target_id": w.other_problem.id, "reason": "spam"}
        ),
    ),
    (
        "POST /problems/{problem_id}/reopen-requests",
        201,
        lambda w: w.as_("other").post(
            f"/problems/{w.closed_problem.id}/reopen-requests", json={"reason": "Still broken."}
        ),
    ),
    (
        "POST /problems/{problem_id}/reopen-requests",
        409,
        lambda w: w.as_("other").post(f"/problems/{w.problem.id}/reopen-requests", json={"reason": "Still broken."}),
    ),
]


def _documented_schema(document: dict, operation: str, status: int) -> dict:
    method, path = operation.split(" ", 1)
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{operation} does not document {status}"
    response = responses[str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("operation", "status", "call"), TABLE, ids=[f"{op} {status}" for op, status, _ in TABLE])
def test_real_responses_match_the_document(app, world, openapi, operation, status, call):
    if status == 429:
        app.config["RATELIMIT_API"] = "1 per minute"
        call(world)
    if status == 413:
        app.config["MAX_CONTENT_LENGTH"] = 1_000_000
    response = call(world)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    schema = {**_documented_schema(openapi, operation, status), "components": openapi["components"]}
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(response.get_json())


def test_the_table_calls_every_operation_successfully():
    succeeded = {op for op, status, _ in TABLE if status < 300}
    documented = {f"{method.upper()} {path}" for method, path in _documented_operations(openapi_document())}
    assert documented == succeeded
