"""What every blueprint's views share: found-or-404, a button's CSRF check, the safe way back,
id query arguments, and a service's validation errors shown on a form.

Views stay thin with these: parse, call one service, commit, redirect or render. This module
knows no feature (the core's import rule), so every blueprint, auth's included, can use it.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort, flash, request

from civicboard.auth.forms import EmptyForm
from civicboard.security import safe_next
from civicboard.validation import ValidationError

# Ids are 32-bit integers in both databases; a larger number cannot name a row.
MAX_ID = 2**31 - 1

T = TypeVar("T")


def found_or_404(item: T | None) -> T:
    """The item a query found, or a 404 (a query answers None for what the viewer may not see)."""
    if item is None:
        abort(404)
    return item


def check_button(form=None) -> None:
    """A button's POST: 400 unless its form (by default the empty one) carries a valid CSRF token."""
    if not (form or EmptyForm()).validate_on_submit():
        abort(400)


def back_to(default: str) -> str:
    """Where to go after a button: the `next` the page sent, if it is a path on this site."""
    return safe_next(request.form.get("next") or request.args.get("next"), default)


def int_arg(name: str) -> int | None:
    """A positive id from the query string, or None for anything else (empty, junk, out of range)."""
    raw = (request.args.get(name) or "").strip()
    if not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def apply_errors(form, exc: ValidationError) -> None:
    """Show a service's validation errors on the matching form fields (or as a message)."""
    shown = False
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
            shown = True
    if not shown:
        flash(exc.message, "error")
