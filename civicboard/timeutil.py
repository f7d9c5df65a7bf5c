"""UTC time helpers: the database stores naive UTC, the API speaks ISO 8601 with Z."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from babel import dates


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


def format_local_time(moment: datetime, pattern: str, zone: tzinfo, locale) -> str:
    """An aware moment in zone, worded by a Babel pattern, then the zone: "26 Nov 2026, 09:05 EST".

    The zone's short name where the language has one (EST in English); otherwise the localized
    GMT form, "GMT-05:00", rather than Babel's bare "-0500" that reads like a number.
    """
    name = dates.format_datetime(moment, "zzz", tzinfo=zone, locale=locale)
    if name[:1] in "+-":
        name = dates.get_timezone_gmt(moment, "long", locale=locale)
    return f"{dates.format_datetime(moment, pattern, tzinfo=zone, locale=locale)} {name}"
