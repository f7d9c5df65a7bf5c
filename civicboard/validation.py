"""Errors that services raise for bad input, the cleaning helpers they share, and the guards
every request passes before a view sees it.

The guards are the shared layer for hostile input: ids in URLs are bounded to what the
databases store (a larger one is a 404), NUL characters in query arguments and form fields
are a 400 (PostgreSQL cannot store or compare them), and a list arriving from a client is
counted before anything is done with its items (a 60,000-item list is refused at once).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest, TooManyRequests
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integers in both databases; anything larger cannot name a row.
MAX_ID = 2**31 - 1
# The most values one form field or query argument may carry (checkboxes, curated lists):
# far above any page's needs, low enough that handling each value stays cheap.
MAX_FIELD_VALUES = 200


class ValidationError(Exception):
    """Input the service refuses; `fields` maps a field name to its message."""

    status = 422
    code = "validation_error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ConflictError(ValidationError):
    """The request conflicts with the current state (a duplicate, a closed item)."""

    status = 409
    code = "conflict"


class TooManyItems(ValidationError):
    """A client sent a longer list than a field accepts; refused before any item is handled."""

    status = 400
    code = "bad_request"


# -- text --------------------------------------------------------------------------------------

# Bidirectional embedding, override and isolate controls: they can make a title read
# differently from what it stores ("Trojan Source"), so they are removed from titles and names.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Characters that show nothing: format controls (Cf: zero-width space and joiners, soft
# hyphen, BOM, ...), the Hangul and Braille blanks, and the variation selectors.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_invisible(char: str) -> bool:
    if char.isspace() or char in _INVISIBLE_EXTRA:
        return True
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp", "Cn"):
        return True
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def is_invisible(text: str) -> bool:
    """True when nothing in the text would show on a page (spaces, zero-width and format characters)."""
    return all(_is_invisible(char) for char in text)


def strip_bidi_controls(text: str) -> str:
    """Remove bidirectional override, embedding and isolate characters."""
    return _BIDI_CONTROLS.sub("", text)


def clean_text(
    value: Any,
    field: str,
    *,
    label: str | None = None,
    min_length: int = 1,
    max_length: int,
    required: bool = True,
) -> str:
    """Strip a text value and check its length; whitespace-only (or invisible-only) counts as empty.

    NUL characters are refused (no database column can hold them).
    """
    label = label or field.replace("_", " ").capitalize()
    text = "" if value is None else str(value)
    if "\x00" in text:
        message = f"{label} cannot contain NUL characters."
        raise ValidationError(message, {field: message})
    text = text.replace("\r\n", "\n").strip()
    if text and is_invisible(text):
        text = ""
    if not text:
        if required:
            raise ValidationError(f"{label} is required.", {field: f"{label} is required."})
        return ""
    if len(text) < min_length:
        message = f"{label} must be at least {min_length} characters."
        raise ValidationError(message, {field: message})
    if len(text) > max_length:
        message = f"{label} must be at most {max_length} characters (it has {len(text)})."
        raise ValidationError(message, {field: message})
    return text


def clean_name(
    value: Any,
    field: str,
    *,
    label: str | None = None,
    min_length: int = 1,
    max_length: int,
    required: bool = True,
) -> str:
    """A one-line title or name: bidi controls removed, runs of whitespace made one space,
    and refused when nothing in it would show."""
    text = "" if value is None else strip_bidi_controls(str(value))
    text = " ".join(text.split())
    return clean_text(text, field, label=label, min_length=min_length, max_length=max_length, required=required)


# -- lists and ids -----------------------------------------------------------------------------


def check_count(values: Any, field: str, maximum: int, *, label: str | None = None) -> None:
    """Refuse a list longer than `maximum` before any of its items is looked at."""
    countable = values is not None and not isinstance(values, str | bytes) and hasattr(values, "__len__")
    if countable and len(values) > maximum:
        label = label or field.replace("_", " ")
        message = f"At most {maximum} {label} at once (got {len(values)})."
        raise TooManyItems(message, {field: message})


def parse_ids(values: Iterable | None, *, field: str = "ids", maximum: int = MAX_FIELD_VALUES) -> list[int]:
    """Integer ids (1 to MAX_ID) from form or JSON values, in order, without duplicates or junk.

    The count is checked first (TooManyItems), and duplicates are found with a set, so even a
    long list costs linear time.
    """
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        values = list(values)
    check_count(values, field, maximum)
    ids: list[int] = []
    seen: set[int] = set()
    for value in values:
        if isinstance(value, bool):
            continue
        raw = str(value).strip()
        if not raw.isdigit() or len(raw) > 10:
            continue
        number = int(raw)
        if 0 < number <= MAX_ID and number not in seen:
            seen.add(number)
            ids.append(number)
    return ids


# -- the request guards ------------------------------------------------------------------------


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: 0 to 2**31 - 1, so a larger number is a 404, never a database error."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def check_request_input() -> None:
    """400 for NUL characters, or too many values for one name, in query arguments or form fields."""
    sources = [("query argument", request.args)]
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(("form field", request.form))
    for kind, values in sources:
        for name in values:
            items = values.getlist(name)
            if "\x00" in name or any("\x00" in item for item in items):
                raise BadRequest(f"The {kind} {_shown(name)!r} contains a NUL character.")
            if len(items) > MAX_FIELD_VALUES:
                raise BadRequest(f"Too many values for the {kind} {_shown(name)!r} (at most {MAX_FIELD_VALUES}).")


def _shown(name: str) -> str:
    return name.replace("\x00", "\\0")[:60]


# -- refused requests count ---------------------------------------------------------------------

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED_STATUSES = frozenset({400, 413})


def _refusal_keys() -> list[str]:
    """Whom a refused write is counted against: the address, and the account when signed in."""
    from flask_login import current_user

    from civicboard.extensions import client_address

    keys = [f"addr:{client_address()}"]
    if current_user.is_authenticated:
        keys.append(f"user:{current_user.id}")
    return keys


def _refusal_limits() -> list:
    from limits import parse_many

    return parse_many(current_app.config["RATELIMIT_REFUSED"])


def check_refusal_budget() -> None:
    """429 for writes from someone whose malformed or oversized writes used up RATELIMIT_REFUSED."""
    if request.method not in WRITE_METHODS or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    from civicboard.extensions import limiter

    for key in _refusal_keys():
        for item in _refusal_limits():
            if not limiter.limiter.test(item, "refused", key):
                raise TooManyRequests("Too many malformed requests; wait a moment before trying again.")


def count_refusal(response: Response) -> Response:
    """A write refused as malformed or oversized (400, 413) counts against RATELIMIT_REFUSED."""
    if (
        request.method in WRITE_METHODS
        and response.status_code in REFUSED_STATUSES
        and current_app.config.get("RATELIMIT_ENABLED", True)
    ):
        from civicboard.extensions import limiter

        for key in _refusal_keys():
            for item in _refusal_limits():
                limiter.limiter.hit(item, "refused", key)
    return response


# -- uploads -----------------------------------------------------------------------------------


def accepts_uploads(files: int):
    """Mark a view that takes up to `files` uploaded files: its body may reach that many
    UPLOAD_MAX_BYTES (plus room for the form) instead of MAX_CONTENT_LENGTH."""

    def decorate(view):
        view.accepts_uploads = files
        return view

    return decorate


def allow_uploads() -> None:
    """Raise this request's body limit for views marked with accepts_uploads (before the form is read)."""
    view = current_app.view_functions.get(request.endpoint or "")
    files = getattr(view, "accepts_uploads", 0)
    if files:
        extra = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        request.max_content_length = files * current_app.config["UPLOAD_MAX_BYTES"] + extra


def register(app: Flask) -> None:
    """Bound URL ids and check every request's arguments and fields before the views run."""
    app.config.setdefault("RATELIMIT_REFUSED", "30 per minute;300 per hour")
    app.url_map.converters["int"] = IdConverter
    app.before_request(allow_uploads)
    app.before_request(check_refusal_budget)
    app.before_request(check_request_input)
    app.after_request(count_refusal)
