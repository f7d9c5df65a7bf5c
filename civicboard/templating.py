"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import UTC, datetime

from babel import dates
from flask import Flask, request, url_for
from flask_babel import get_locale, get_timezone, gettext

from civicboard import links
from civicboard.pages import branding
from civicboard.permissions import Capability, has_capability
from civicboard.problems import visibility
from civicboard.timeutil import isoformat_z, utcnow


def register(app: Flask) -> None:
    """Install filters and the context processor."""
    app.jinja_env.filters["isoz"] = isoformat_z
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["ago"] = time_ago
    app.jinja_env.globals["can"] = has_capability
    app.jinja_env.globals["Capability"] = Capability
    app.jinja_env.globals["url_with"] = url_with
    # Absolute links (Open Graph) from CIVICBOARD_URL, never from the request's Host.
    app.jinja_env.globals["site_url"] = links.site_url
    app.jinja_env.globals["absolute_url"] = links.absolute_url
    # Who sees a hidden item, for templates: problems.visibility is the one owner of the rule.
    app.jinja_env.globals["visible_to"] = visibility.is_visible_to
    app.jinja_env.globals["original_of"] = visibility.original_of
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site() -> dict:
        look = branding.current()
        return {"site_name": look.site_name, "city_name": look.city_name, "branding": look}


def format_date(value: datetime | None) -> str:
    """A day in the reader's language: 26 Nov 2026, 26 nov 2026.

    Not moved into the city's time zone: many of these are days, not instants (a dataset's
    last update is a date the catalog gives), and a day must not shift across midnight.
    """
    return dates.format_date(value, "d MMM y", locale=get_locale()) if value else ""


def format_datetime(value: datetime | None) -> str:
    """An instant in the city's time zone and the reader's language: 26 Nov 2026, 09:05 EST."""
    if value is None:
        return ""
    zone = get_timezone()
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    return dates.format_datetime(moment, "d MMM y, HH:mm zzz", tzinfo=zone, locale=get_locale())


def time_ago(value: datetime | None) -> str:
    """A short relative time in the reader's language: '3 days ago', 'hace 3 días'."""
    if value is None:
        return ""
    delta = utcnow() - value
    if delta.total_seconds() < 60:
        return gettext("just now")
    # threshold=1: 50 minutes stay "50 minutes ago" rather than rounding up to an hour.
    return dates.format_timedelta(-delta, threshold=1, add_direction=True, locale=get_locale())


def url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint or "problems.index", **(request.view_args or {}), **args)
