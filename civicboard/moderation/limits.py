"""Rate limits on reports: per person and per address, shared by the page and the API.

Both decorators use the same scopes wherever a report arrives, so one budget covers the
form at /flags and POST /api/v1/flags. Every attempt counts, refused ones included.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from civicboard.extensions import client_address, limiter

FLAGS_BY_PERSON = "flags.person"
FLAGS_BY_ADDRESS = "flags.address"


def _limit() -> str:
    return current_app.config["RATELIMIT_FLAGS"]


def _person_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{client_address()}"


def _address_key() -> str:
    return f"addr:{client_address()}"


by_person = limiter.shared_limit(_limit, scope=FLAGS_BY_PERSON, key_func=_person_key, methods=["POST"])
by_address = limiter.shared_limit(_limit, scope=FLAGS_BY_ADDRESS, key_func=_address_key, methods=["POST"])


def limit_flags(view):
    """Apply both report limits to a view."""
    return by_person(by_address(view))
