"""What the challenge, curation and project actions share: UNSET for PATCH-style keyword
arguments, and cleaners for URLs, ids and lists typed as text."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext

from civicboard.validation import MAX_ID, ValidationError, check_count


class _Unset:
    """Marks a keyword argument that was not given (PATCH: leave the field as it is)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

URL_SCHEMES = ("http", "https")
# The most items a list typed as text (emails, ids) may hold before it is even split further.
MAX_LIST_ITEMS = 200


def clean_url(value: Any, field: str, *, label: str, required: bool = False) -> str | None:
    """An absolute http or https URL with a host; None when empty and not required."""
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            message = gettext("%(label)s is required.", label=label)
            raise ValidationError(message, {field: message})
        return None
    message = gettext("%(label)s must be a web address starting with http:// or https://.", label=label)
    if len(text) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise ValidationError(message, {field: message})
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise ValidationError(message, {field: message}) from exc
    if parts.scheme.lower() not in URL_SCHEMES or not host:
        raise ValidationError(message, {field: message})
    return text


def parse_int(value: Any, field: str) -> int:
    """An id chosen from a list: a whole number from 1 to MAX_ID."""
    message = gettext("Choose an item from the list.")
    try:
        number = int(str(value).strip()[:12])
    except (TypeError, ValueError) as exc:
        raise ValidationError(message, {field: message}) from exc
    if not 1 <= number <= MAX_ID:
        raise ValidationError(message, {field: message})
    return number


def split_list(value: Any, field: str) -> list[str]:
    """A list of strings from a list, or from text separated by commas, semicolons or lines."""
    if value is None:
        return []
    # Counted before anything is done with the items (a 60,000-item list costs nothing).
    items = value if isinstance(value, list | tuple | set) else re.split(r"[,;\n]", str(value), maxsplit=MAX_LIST_ITEMS)
    check_count(items, field, MAX_LIST_ITEMS, label=gettext("items"))
    return [str(item).strip() for item in items if str(item).strip()]
