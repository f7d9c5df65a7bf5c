"""A bounded property-based run of schemathesis against the API, from its own OpenAPI document.

Every GET operation and the residents' writes (propose, comment, vote, flag) get generated
requests: valid ones, invalid ones, and valid ones aimed at rows that exist; each response must
not be a server error and must match the schema the document gives for its status. Fixed
seed (derandomize), a few examples per operation, no example database: the run is the same
every time and takes well under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask.globals import _cv_app
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from civicboard.challenges import services as challenge_services
from civicboard.extensions import db

EXAMPLES = 12
WRITES = {
    ("POST", "/problems"),
    ("POST", "/problems/{problem_id}/comments"),
    ("PUT", "/problems/{problem_id}/vote"),
    ("DELETE", "/problems/{problem_id}/vote"),
    ("POST", "/flags"),
}
CHECKS = [not_a_server_error, response_schema_conformance]


def isolated(app):
    """The app as a WSGI callable whose requests each get their own app context (as in production)."""

    def wsgi(environ, start_response):
        token = _cv_app.set(None)
        try:
            return app(environ, start_response)
        finally:
            _cv_app.reset(token)

    return wsgi


@pytest.fixture
def known_rows(app, make_problem, make_comment, make_challenge, dataset_factory, user_factory, category_factory):
    """Rows the generated requests can hit: path values to use half of the time."""
    problem = make_problem(datasets=[dataset_factory(title="Crash Data")])
    make_comment(problem, body="First!")
    challenge = make_challenge(status="published", problems=[problem])
    challenge_services.add_dataset(challenge.created_by, challenge, dataset_factory().id)
    db.session.commit()
    return {"problem_id": problem.id, "dataset_id": problem.dataset_links[0].dataset_id, "slug": challenge.slug}


def test_generated_requests_never_fail_the_server_or_the_schema(app, known_rows, token_for, resident):
    for name in ("RATELIMIT_API", "RATELIMIT_PROBLEMS", "RATELIMIT_COMMENTS", "RATELIMIT_VOTES"):
        app.config[name] = "1000000 per minute"
    headers = {"Authorization": f"Bearer {token_for(resident)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    chosen = [op for op in operations if op.method.upper() == "GET" or (op.method.upper(), op.path) in WRITES]
    assert len(chosen) >= 15

    for operation in chosen:
        wanted = {name: value for name, value in known_rows.items() if f"{{{name}}}" in operation.path}
        run(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), headers, EXAMPLES)
        try:
            run(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), headers, EXAMPLES // 2)
        except Unsatisfiable:
            # Nothing of this operation can be made invalid (no parameters, or only free text).
            print(f"no negative cases for {operation.method.upper()} {operation.path}")
        if wanted:
            existing = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=wanted)
            run(existing, headers, EXAMPLES)


def run(strategy: Any, headers: dict[str, str], examples: int) -> None:
    """Call and check generated cases (shrinking a failure to its simplest form)."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
