"""Shared machinery of the JSON API: request bodies, the acting user, cursors and list pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from flask import Response, abort, jsonify, request, url_for
from flask_login import current_user

from civicboard.auth.models import User

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 for anything else. Unknown fields are the caller's to ignore."""
    if not request.is_json:
        abort(400, "Send a JSON object with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "The request body must be a JSON object.")
    return data


def acting_user() -> User:
    """The authenticated user (bearer token or session); 401 otherwise."""
    if not current_user.is_authenticated:
        abort(401, "Authentication required: send 'Authorization: Bearer <token>'.")
    return current_user._get_current_object()


def optional_user() -> User | None:
    """The authenticated user, or None for anonymous requests."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def limit_arg() -> int:
    """The page size from ?limit= (1..100, default 20)."""
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        abort(400, "limit must be a whole number from 1 to 100.")
    if not 1 <= value <= MAX_LIMIT:
        abort(400, "limit must be a whole number from 1 to 100.")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for keyset pagination."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, length: int) -> list[Any] | None:
    """Decode a cursor made by encode_cursor; 400 when it was tampered with."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(400, "The cursor is not valid; start again from the first page.")
    if not isinstance(values, list) or len(values) != length:
        abort(400, "The cursor is not valid; start again from the first page.")
    return values


def page_url(endpoint: str, cursor: str | None, **view_args: Any) -> str | None:
    """The absolute URL of the next page, keeping the other query arguments."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    args.update(view_args)
    return url_for(endpoint, cursor=cursor, _external=True, **args)


def list_response(items: list[dict[str, Any]], total: int, next_url: str | None) -> Response:
    """The contract's list shape, with a Link header for the next page."""
    response = jsonify({"items": items, "total": total, "next": next_url})
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response
