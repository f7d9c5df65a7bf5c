"""Absolute links and identifiers for open data, built from the configured CIVICBOARD_URL.

Pages such as /problems/<id> belong to other blueprints; their paths are part of the public
contract, so they are written as paths here rather than looked up by endpoint name.
"""

from __future__ import annotations

from datetime import datetime

from civicboard import links
from civicboard.links import site_url

__all__ = ["problem_url", "site_url", "tag_uri"]


def problem_url(problem_id: int, anchor: str | None = None) -> str:
    """The absolute URL of a problem's page."""
    return site_url(f"/problems/{problem_id}" + (f"#{anchor}" if anchor else ""))


def tag_uri(created_at: datetime, specific: str) -> str:
    """A tag: URI (RFC 4151) for an item: the board's host, the day it was created, and its path.

    The date is the item's own creation day, so the id never changes once the item exists.
    """
    authority = links.host() or "localhost"
    return f"tag:{authority},{created_at.date().isoformat()}:{specific}"
