"""Absolute links and identifiers for open data, built from the configured CIVICBOARD_URL.

Links to pages are built from endpoint names (site_url_for), so a route is spelled once,
in its blueprint; the paths are part of the public contract and tests pin them.
"""

from __future__ import annotations

from datetime import datetime

from civicboard import links
from civicboard.links import absolute_url, site_url

__all__ = ["problem_url", "site_url", "site_url_for", "tag_uri"]


def site_url_for(endpoint: str, **values: object) -> str:
    """The absolute URL of an endpoint on the configured base (never the request's host)."""
    return absolute_url(endpoint, **values)


def problem_url(problem_id: int, anchor: str | None = None) -> str:
    """The absolute URL of a problem's page."""
    return site_url_for("problems.show", problem_id=problem_id, _anchor=anchor)


def tag_uri(created_at: datetime, specific: str) -> str:
    """A tag: URI (RFC 4151) for an item: the board's host, the day it was created, and its path.

    The date is the item's own creation day, so the id never changes once the item exists.
    """
    authority = links.host() or "localhost"
    return f"tag:{authority},{created_at.date().isoformat()}:{specific}"
