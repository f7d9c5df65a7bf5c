"""The JSON API, /api/v1: the index, /me, the OpenAPI document, and one nested blueprint per resource.

Rules every API request follows, set up here:
- ids in paths are 32-bit (`<id:...>`): a larger number is a 404, not a database error;
- query arguments with NUL characters are a 400 (the databases cannot compare them);
- an anonymous write is a 401 before the CSRF check could call it a 400 (no cookie, no
  CSRF risk); a cookie-authenticated write still needs its CSRF token (civicboard.security);
- every request counts against RATELIMIT_API per account (per address when anonymous);
  writes also count against their own budgets (problems, comments, votes).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from civicboard.api import challenges, datasets, flags, problems, serializers, staff
from civicboard.api.core import MAX_ID, acting_user, check_args, unauthorized
from civicboard.api.openapi import openapi_document
from civicboard.links import absolute_url
from civicboard.ratelimits import api_limit
from civicboard.users import ownership

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class IdConverter(IntegerConverter):
    """A row id in a path: 1 to 2**31 - 1 (larger numbers cannot name a row)."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("id", IdConverter)


# Before any route below is added, so `<id:...>` is known when the rules are built.
bp.record_once(_add_converter)


@bp.before_app_request
def _anonymous_writes_are_unauthorized() -> None:
    """401 for a write to an API route with neither a token nor a logged-in session.

    Registered with the blueprints, before civicboard.security's CSRF check (which would
    answer 400 for the missing token): a request without credentials has no session to
    forge, so the honest answer is "authenticate".
    """
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return
    if not request.path.startswith(bp.url_prefix + "/") or "Authorization" in request.headers:
        return
    if not current_user.is_authenticated:
        raise unauthorized()


bp.before_request(check_args)
api_limit(bp)

for resource in (problems, staff, datasets, challenges, flags):
    bp.register_blueprint(resource.bp)


@bp.get("/")
def index():
    """Where things are: the resources, the OpenAPI document, who you are."""
    return jsonify(
        {
            "name": "CivicBoard API",
            "version": "v1",
            "openapi": absolute_url("api.openapi"),
            "links": {
                "problems": absolute_url("api.problems.list_problems"),
                "datasets": absolute_url("api.datasets.list_datasets"),
                "challenges": absolute_url("api.challenges.list_challenges"),
                "flags": absolute_url("api.flags.create"),
                "me": absolute_url("api.me"),
            },
        }
    )


@bp.get("/me")
def me():
    """The authenticated user: a cheap way to check a token."""
    return serializers.me(acting_user())


@bp.get("/me/export")
def me_export():
    """Everything the board holds about the caller (as /account/export downloads it)."""
    response = jsonify(ownership.export_account(acting_user()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing every endpoint."""
    return jsonify(openapi_document())
