"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote

from babel import dates
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale, get_timezone, gettext

from civicboard import links, readable
from civicboard.fragments import fragment
from civicboard.pages import branding
from civicboard.permissions import Capability, has_capability
from civicboard.places.geo import city_bounds
from civicboard.problems import visibility
from civicboard.timeutil import format_local_time, isoformat_z, utcnow


def register(app: Flask) -> None:
    """Install filters and the context processor."""
    app.jinja_env.filters["isoz"] = isoformat_z
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["ago"] = time_ago
    app.jinja_env.filters["device_name"] = readable.device_name
    app.jinja_env.filters["audit_details"] = readable.details
    app.jinja_env.filters["audit_action"] = readable.action
    app.jinja_env.filters["audit_subject"] = readable.subject
    app.jinja_env.globals["can"] = has_capability
    app.jinja_env.globals["Capability"] = Capability
    app.jinja_env.globals["url_with"] = url_with
    # Absolute links (Open Graph) from CIVICBOARD_URL, never from the request's Host.
    app.jinja_env.globals["site_url"] = links.site_url
    app.jinja_env.globals["absolute_url"] = links.absolute_url
    app.jinja_env.globals["item_url"] = item_url
    app.jinja_env.globals["fragment"] = fragment
    app.jinja_env.globals["short_month_names"] = short_month_names
    # Who sees a hidden item, for templates: problems.visibility is the one owner of the rule.
    app.jinja_env.globals["visible_to"] = visibility.is_visible_to
    app.jinja_env.globals["original_of"] = visibility.original_of
    app.jinja_env.globals["map_settings"] = map_settings
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site() -> dict:
        look = branding.current()
        return {"site_name": look.site_name, "city_name": look.city_name, "branding": look}


def map_settings() -> dict:
    """What every map needs (places/_map.html): tile URL, attribution, the city's bounds (or None)."""
    bounds = city_bounds()
    return {
        "tile_url": current_app.config["MAP_TILE_URL"],
        "attribution": current_app.config["MAP_ATTRIBUTION"],
        "bounds": bounds.as_list() if bounds else None,
    }


def format_date(value: datetime | None) -> str:
    """A day in the reader's language: 26 Nov 2026, 26 nov 2026.

    Not moved into the city's time zone: many of these are days, not instants (a dataset's
    last update is a date the catalog gives), and a day must not shift across midnight.
    """
    return dates.format_date(value, "d MMM y", locale=get_locale()) if value else ""


def short_month_names() -> list[str]:
    """January to December, cut short as format_date writes them, for scripts that write dates."""
    names = dates.get_month_names("abbreviated", locale=get_locale())
    return [names[month] for month in range(1, 13)]


def format_month(value: date | datetime | None) -> str:
    """A calendar month in the reader's language: Mar 2026, mar 2026 (a day's month, never shifted)."""
    return dates.format_date(value, "LLL y", locale=get_locale()) if value else ""


def format_datetime(value: datetime | None) -> str:
    """An instant in the city's time zone and the reader's language: 26 Nov 2026, 09:05 EST."""
    if value is None:
        return ""
    zone = get_timezone()
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    return format_local_time(moment, "d MMM y, HH:mm", zone, get_locale())


_AGO: dict[tuple, str] = {}
_AGO_SIZE = 20_000


def time_ago(value: datetime | None) -> str:
    """A short relative time in the reader's language: '3 days ago', 'hace 3 días'.

    Babel takes a while to word it, and a list page asks for dozens: a wording is kept for
    the second (under an hour old) or the minute (older) it stays right for.
    """
    if value is None:
        return ""
    delta = utcnow() - value
    seconds = delta.total_seconds()
    if seconds < 60:
        return gettext("just now")
    locale = get_locale()
    key = (str(locale), value, int(seconds) if seconds < 3600 else int(seconds // 60))
    text = _AGO.get(key)
    if text is None:
        # threshold=1: 50 minutes stay "50 minutes ago" rather than rounding up to an hour.
        text = dates.format_timedelta(-delta, threshold=1, add_direction=True, locale=locale)
        if len(_AGO) >= _AGO_SIZE:
            _AGO.clear()
        _AGO[key] = text
    return text


def url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint or "problems.index", **(request.view_args or {}), **args)


# A number no real id reaches, marking where an argument goes in a cached URL pattern.
_MARK = 8_760_000_000_000_000_000
_PATTERNS_KEY = "civicboard.item_url"
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # as url_for quotes an anchor


def item_url(endpoint: str, _anchor: str | None = None, **values: object) -> str:
    """url_for for the links a list repeats on every item (a problem row, a comment).

    A board page links each of its rows to the problem, its author, its datasets and its vote
    routes: hundreds of url_for calls, each walking the routing map. The first call for an
    endpoint and set of argument names asks url_for once, with marker numbers, and keeps the
    URL as a pattern; later calls fill it in. Integer arguments only (ids): anything else goes
    to url_for itself. The pattern is kept per script root, as url_for would build it.
    """
    if not all(type(v) is int and v >= 0 for v in values.values()):
        url = url_for(endpoint, _anchor=_anchor, **values) if _anchor else url_for(endpoint, **values)
        return url
    names = tuple(sorted(values))
    patterns: dict = current_app.extensions.setdefault(_PATTERNS_KEY, {})
    key = (request.script_root, endpoint, names)
    pattern = patterns.get(key)
    if pattern is None:
        marks = {name: _MARK + i for i, name in enumerate(names)}
        built = url_for(endpoint, **marks)
        pieces = [built]
        for name in names:
            pieces = [part for piece in pieces for part in _split_keep(piece, str(marks[name]), name)]
        pattern = patterns[key] = tuple(pieces)
    url = "".join(str(values[p[1]]) if isinstance(p, tuple) else p for p in pattern)
    return f"{url}#{quote(_anchor, safe=_ANCHOR_SAFE)}" if _anchor else url


def _split_keep(piece: object, mark: str, name: str) -> list[object]:
    """Split a pattern's text piece at `mark`, putting a (slot, name) marker in its place."""
    if not isinstance(piece, str) or mark not in piece:
        return [piece]
    parts: list[object] = []
    for i, text in enumerate(piece.split(mark)):
        if i:
            parts.append(("slot", name))
        if text:
            parts.append(text)
    return parts
