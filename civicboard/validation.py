"""Errors that services raise for bad input, and small cleaning helpers they share."""

from __future__ import annotations

from typing import Any


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


def clean_text(
    value: Any,
    field: str,
    *,
    label: str | None = None,
    min_length: int = 1,
    max_length: int,
    required: bool = True,
) -> str:
    """Strip a text value and check its length; whitespace-only counts as empty."""
    label = label or field.replace("_", " ").capitalize()
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").strip()
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
