"""UTC time helpers: the database stores naive UTC, the API speaks ISO 8601 with Z."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as a naive UTC datetime, the form every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime | None) -> datetime | None:
    """Convert an aware datetime to naive UTC; a naive one is taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def isoformat_z(value: datetime | None) -> str | None:
    """Render a stored (naive UTC) datetime as ISO 8601 with a Z suffix."""
    if value is None:
        return None
    value = to_naive_utc(value)
    return value.replace(microsecond=0).isoformat() + "Z"
