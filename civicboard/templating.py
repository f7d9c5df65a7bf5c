"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, request, url_for

from civicboard.permissions import Capability, has_capability
from civicboard.places.geo import city_bounds
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
    # Who sees a hidden item, for templates: problems.visibility is the one owner of the rule.
    app.jinja_env.globals["visible_to"] = visibility.is_visible_to
    app.jinja_env.globals["original_of"] = visibility.original_of
    app.jinja_env.globals["map_settings"] = map_settings
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site() -> dict:
        return {
            "site_name": current_app.config["SITE_NAME"],
            "city_name": current_app.config["CITY_NAME"],
        }


def map_settings() -> dict:
    """What every map needs (places/_map.html): tile URL, attribution, the city's bounds (or None)."""
    bounds = city_bounds()
    return {
        "tile_url": current_app.config["MAP_TILE_URL"],
        "attribution": current_app.config["MAP_ATTRIBUTION"],
        "bounds": bounds.as_list() if bounds else None,
    }


def format_date(value: datetime | None) -> str:
    """26 Nov 2026."""
    return value.strftime("%-d %b %Y") if value else ""


def format_datetime(value: datetime | None) -> str:
    """26 Nov 2026, 14:05 UTC."""
    return value.strftime("%-d %b %Y, %H:%M UTC") if value else ""


def time_ago(value: datetime | None) -> str:
    """A short relative time such as '3 days ago'."""
    if value is None:
        return ""
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (
        ("year", 31536000),
        ("month", 2592000),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint or "problems.index", **(request.view_args or {}), **args)
