"""Shared machinery of the JSON API: request bodies, query arguments, the acting user, cursors
and list pages.

Everything a client sends is checked here for shape (types, id ranges, text the databases can
store) before a service sees it, so a malformed request is a 400 or a 422, never a 500: a
NUL character or an id past 2**31 would otherwise reach PostgreSQL or SQLite and fail there.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from civicboard.auth.models import User
from civicboard.links import absolute_url
from civicboard.validation import MAX_FIELD_VALUES, MAX_ID, TooManyItems, ValidationError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Our cursors are a few dozen characters; a longer one was not made here (and a deeply nested
# one would exhaust the JSON decoder's recursion).
MAX_CURSOR_LENGTH = 512


class BadRequest(ValidationError):
    """A malformed request (query argument, cursor, body): 400 with the offending names in `fields`."""

    status = 400
    code = "bad_request"


# -- the caller --------------------------------------------------------------------------------


def unauthorized(message: str | None = None) -> Unauthorized:
    """A 401 that names the scheme to use (WWW-Authenticate: Bearer)."""
    if message is None:
        message = _("Authentication required: send 'Authorization: Bearer <token>'.")
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer"))


def acting_user() -> User:
    """The authenticated user (bearer token or session); 401 otherwise."""
    if not current_user.is_authenticated:
        raise unauthorized()
    return current_user._get_current_object()


def optional_user() -> User | None:
    """The authenticated user, or None for anonymous requests."""
    return current_user._get_current_object() if current_user.is_authenticated else None


# -- text and ids ------------------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, or None: NUL characters and lone surrogates are refused."""
    if "\x00" in value:
        return _("Text cannot contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("Text must be valid Unicode.")
    return None


def is_id(value: Any) -> bool:
    """A JSON integer (not a boolean) that can be a row id."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


# -- request bodies ----------------------------------------------------------------------------


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 for anything else (413 past MAX_CONTENT_LENGTH)."""
    if not request.is_json:
        raise BadRequest(_("Send a JSON object with 'Content-Type: application/json'."))
    raw = request.get_data(cache=True)  # raises RequestEntityTooLarge (413) past the limit
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(_("The request body is not valid JSON (%(error)s).", error=exc.__class__.__name__)) from exc
    if not isinstance(data, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return data


@dataclass(frozen=True)
class Field:
    """What a body field may hold: text, id, ids, bool, terms (text or list of text), rows, datetime."""

    kind: str
    nullable: bool = False


TEXT = Field(kind="text")
OPTIONAL_TEXT = Field(kind="text", nullable=True)
ID = Field(kind="id")
OPTIONAL_ID = Field(kind="id", nullable=True)
IDS = Field(kind="ids")
BOOL = Field(kind="bool")
TERMS = Field(kind="terms", nullable=True)
ROWS = Field(kind="rows", nullable=True)
LOCATION = Field(kind="location", nullable=True)

# Lazy: each is put into words in the language of the request that reads it.
_KIND_MESSAGES = {
    "text": _l("Must be a string."),
    "id": _l("Must be a whole number from 1 to %(max)s.", max=MAX_ID),
    "ids": _l("Must be a list of whole numbers from 1 to %(max)s.", max=MAX_ID),
    "bool": _l("Must be true or false."),
    "terms": _l("Must be a list of strings (or one comma-separated string)."),
    "rows": _l("Must be a list of objects with string title, url and format."),
    "location": _l('Must be {"lat": <number>, "lon": <number>} in decimal degrees, or null.'),
}


def _check(kind: str, value: Any) -> str | None:
    """An error message for a value of the wrong shape, else None."""
    message = str(_KIND_MESSAGES[kind]) if kind in _KIND_MESSAGES else None
    if kind == "text":
        return message if not isinstance(value, str) else text_problem(value)
    if kind == "id":
        return None if is_id(value) else message
    if kind == "ids":
        ok = isinstance(value, list) and all(is_id(v) for v in value)
        return None if ok else message
    if kind == "bool":
        return None if isinstance(value, bool) else message
    if kind == "terms":
        if isinstance(value, str):
            return text_problem(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return message
        return next((p for p in map(text_problem, value) if p), None)
    if kind == "location":
        ok = (
            isinstance(value, dict)
            and set(value) <= {"lat", "lon"}
            and all(
                isinstance(value.get(k), int | float) and not isinstance(value.get(k), bool) for k in ("lat", "lon")
            )
        )
        return None if ok else message
    if kind == "rows":
        if not isinstance(value, list):
            return message
        for row in value:
            if not isinstance(row, dict):
                return message
            for name in ("title", "url", "format"):
                item = row.get(name)
                if item is not None and (not isinstance(item, str) or text_problem(item)):
                    return message
        return None
    raise KeyError(kind)


def take(
    data: Mapping[str, Any],
    spec: Mapping[str, Field],
    *,
    aliases: Mapping[str, str] | None = None,
    required: Sequence[str] = (),
) -> dict:
    """The fields of `spec` present in `data`, checked for shape; unknown fields are ignored.

    Raises ValidationError (422) naming every field of the wrong shape at once. `aliases`
    maps another accepted name to a field of `spec` (the canonical name wins when both are
    sent); `required` names fields that must be present (most are the services' to require).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for alias, name in (aliases or {}).items():
        if alias in data and name not in data:
            data = {**data, name: data[alias]}
    for name, field in spec.items():
        if name not in data:
            if name in required:
                errors[name] = _("Required.")
            continue
        value = data[name]
        if value is None:
            if field.nullable:
                values[name] = None
            else:
                errors[name] = _("Must not be null.")
            continue
        if isinstance(value, list) and len(value) > MAX_FIELD_VALUES:
            # Counted before any item is looked at: a huge list costs nothing to refuse.
            message = _("At most %(max)s items (got %(count)s).", max=MAX_FIELD_VALUES, count=len(value))
            raise TooManyItems(f"{name}: {message}", {name: message})
        problem = _check(field.kind, value)
        if problem:
            errors[name] = problem
        else:
            values[name] = value
    if errors:
        name, first = next(iter(errors.items()))
        message = f"{name}: {first}" if len(errors) == 1 else _("Please correct the highlighted fields.")
        raise ValidationError(message, errors)
    return values


def rename_fields(exc: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """A service's field names as the API calls them (category_id -> category, ...)."""
    exc.fields = {names.get(key, key): value for key, value in exc.fields.items()}
    return exc


# -- query arguments ---------------------------------------------------------------------------


def check_args() -> None:
    """400 for query arguments or path values the databases could not take (NUL characters)."""
    for name, value in request.args.items(multi=True):
        if "\x00" in value or "\x00" in name:
            raise BadRequest(
                _("The query argument %(name)s contains a NUL character.", name=repr(name)), {name: _("Invalid text.")}
            )
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and "\x00" in value:
            abort(404)


def limit_arg() -> int:
    """The page size from ?limit= (1..100, default 20)."""
    return int_arg("limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT) or DEFAULT_LIMIT


def int_arg(name: str, *, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """A positive whole number from the query string; 400 for anything else."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    message = _("%(name)s must be a whole number from 1 to %(max)s.", name=name, max=maximum)
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(message, {name: message}) from None
    if not 1 <= value <= maximum:
        raise BadRequest(message, {name: message})
    return value


def choice_arg(name: str, choices: Sequence[str], default: str | None) -> str | None:
    """One of `choices` from the query string (missing or empty: default); 400 otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        message = _("%(name)s must be one of: %(choices)s.", name=name, choices=", ".join(choices))
        raise BadRequest(message, {name: message})
    return raw


def flag_arg(name: str) -> bool:
    """A yes/no query argument: 1/true/yes or 0/false/no (missing: no)."""
    raw = (request.args.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    message = _("%(name)s must be 1 or 0.", name=name)
    raise BadRequest(message, {name: message})


def text_arg(name: str, max_length: int = 200) -> str:
    """A free-text query argument, stripped; 400 when longer than max_length."""
    value = (request.args.get(name) or "").strip()
    if len(value) > max_length:
        message = _("%(name)s must be at most %(max)s characters.", name=name, max=max_length)
        raise BadRequest(message, {name: message})
    return value


# -- cursors and list pages --------------------------------------------------------------------


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for keyset pagination."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, length: int) -> list[Any] | None:
    """Decode a cursor made by encode_cursor; 400 when it was tampered with."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise bad_cursor()
    return values


def bad_cursor() -> BadRequest:
    """The error for a cursor we did not make."""
    message = _("The cursor is not valid; start again from the first page.")
    return BadRequest(message, {"cursor": message})


def page_url(endpoint: str, cursor: str | None, *, name: str = "cursor", **view_args: Any) -> str | None:
    """The absolute URL of the next page, keeping the other query arguments."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k != name}
    args.update(view_args)
    args[name] = cursor
    return absolute_url(endpoint, **args)


def list_response(items: list[dict[str, Any]], total: int, next_url: str | None) -> Response:
    """The contract's list shape, with a Link header for the next page."""
    response = jsonify({"items": items, "total": total, "next": next_url})
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def created_response(body: dict[str, Any], location: str | None = None) -> Response:
    """201 with the new resource and, when it has its own URL, a Location header."""
    response = jsonify(body)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response
