"""Fixtures for the JSON API tests: bearer-token clients per role, content made through the
services, and a checker of bodies against the OpenAPI document's schemas."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jsonschema
import pytest

from civicboard.api.openapi import openapi_document
from civicboard.auth import services as auth_services
from civicboard.challenges import services as challenge_services
from civicboard.extensions import db
from civicboard.problems import services as problem_services
from civicboard.timeutil import utcnow

PREFIX = "/api/v1"


class Api:
    """A test client speaking to /api/v1 with a bearer token (or none): api.get("/problems")."""

    def __init__(self, client: Any, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://", PREFIX)) else PREFIX + path

    def request(self, method: str, path: str, **kwargs: Any):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.open(self.url(path), method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def token_for(app) -> Callable[[Any], str]:
    """A new personal API token for a user (committed)."""

    def make(user: Any) -> str:
        _token, raw = auth_services.create_api_token(user, "tests")
        db.session.commit()
        return raw

    return make


@pytest.fixture
def api_as(make_client, token_for) -> Callable[[Any], Api]:
    """api_as(user) -> an Api client with that user's token; api_as(None) -> anonymous."""

    def make(user: Any = None) -> Api:
        return Api(make_client(), token_for(user) if user is not None else None)

    return make


@pytest.fixture
def anonymous(api_as) -> Api:
    return api_as(None)


@pytest.fixture
def resident(user_factory):
    return user_factory(name="Rosa Resident")


@pytest.fixture
def staff(user_factory):
    return user_factory(roles=["staff"], department="Transportation", name="Sam Staff")


@pytest.fixture
def moderator(user_factory):
    return user_factory(roles=["moderator"], name="Mo Derator")


@pytest.fixture
def organizer(user_factory):
    return user_factory(roles=["organizer"], name="Olu Organizer")


@pytest.fixture
def as_resident(api_as, resident) -> Api:
    return api_as(resident)


@pytest.fixture
def as_staff(api_as, staff) -> Api:
    return api_as(staff)


@pytest.fixture
def as_moderator(api_as, moderator) -> Api:
    return api_as(moderator)


@pytest.fixture
def as_organizer(api_as, organizer) -> Api:
    return api_as(organizer)


@pytest.fixture
def make_problem(app, user_factory, dataset_factory) -> Callable[..., Any]:
    """A problem made through create_problem (committed): make_problem(author=u, datasets=[d])."""
    counter = {"n": 0}

    def factory(title: str | None = None, author: Any = None, datasets: list | None = None, **fields: Any):
        counter["n"] += 1
        if datasets is None and not fields.get("data_request"):
            datasets = [dataset_factory()]
        problem = problem_services.create_problem(
            author or user_factory(),
            title=title or f"Problem number {counter['n']}",
            description=fields.pop("description", "What is wrong, and where."),
            dataset_ids=[d.id for d in datasets or []],
            **fields,
        )
        db.session.commit()
        return problem

    return factory


@pytest.fixture
def make_comment(app, user_factory) -> Callable[..., Any]:
    """A comment made through add_comment (committed)."""

    def factory(problem: Any, author: Any = None, body: str = "A comment.", parent_id: int | None = None):
        comment = problem_services.add_comment(author or user_factory(), problem, body, parent_id=parent_id)
        db.session.commit()
        return comment

    return factory


@pytest.fixture
def make_challenge(app, organizer, problem_factory) -> Callable[..., Any]:
    """A challenge made through the services (committed); status draft, published or closed."""
    counter = {"n": 0}

    def factory(status: str = "published", problems: list | None = None, **fields: Any):
        counter["n"] += 1
        start = utcnow() + timedelta(days=7)
        values = {
            "title": f"Challenge number {counter['n']}",
            "summary": "Fix the streets with data.",
            "starts_at": start.isoformat() + "Z",
            "ends_at": (start + timedelta(days=2)).isoformat() + "Z",
            "timezone": "America/New_York",
            "place": "City Hall",
            "contact": "organizers@example.org",
            **fields,
        }
        challenge = challenge_services.create_challenge(organizer, **values)
        if problems is None and status != "draft":
            problems = [problem_factory()]
        for problem in problems or []:
            challenge_services.add_problem(organizer, challenge, problem.id)
        if status in ("published", "closed"):
            challenge_services.publish_challenge(organizer, challenge)
        if status == "closed":
            challenge_services.close_challenge(organizer, challenge)
        db.session.commit()
        return challenge

    return factory


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    """The OpenAPI document as the code builds it."""
    return openapi_document()


@pytest.fixture(scope="session")
def matches_schema(openapi) -> Callable[[Any, str], None]:
    """matches_schema(body, "Problem"): assert a body fits a component schema of the document."""
    components = openapi["components"]

    def check(body: Any, name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": components}
        jsonschema.Draft202012Validator(schema).validate(body)

    return check


def error_of(response) -> dict[str, Any]:
    """The `error` object of a JSON error response."""
    body = response.get_json()
    assert body is not None and "error" in body, response.get_data(as_text=True)[:300]
    assert body["error"]["status"] == response.status_code
    return body["error"]
