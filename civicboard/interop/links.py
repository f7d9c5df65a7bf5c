"""Absolute links and identifiers for open data, built from the request's own address.

Links to pages are built from endpoint names (site_url_for), so a route is spelled once,
in its blueprint; the paths are part of the public contract and tests pin them.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import request, url_for


def site_url(path: str) -> str:
    """An absolute URL on this site for a path starting with '/' (keeps a script root)."""
    return request.url_root.rstrip("/") + path


def site_url_for(endpoint: str, **values: object) -> str:
    """The absolute URL of an endpoint, with the same base as site_url (one rule sets the host)."""
    path = url_for(endpoint, **values)
    # url_for includes the script root, which site_url's base already ends with.
    return site_url(path.removeprefix(request.script_root))


def problem_url(problem_id: int, anchor: str | None = None) -> str:
    """The absolute URL of a problem's page."""
    return site_url_for("problems.show", problem_id=problem_id, _anchor=anchor)


def tag_uri(created_at: datetime, specific: str) -> str:
    """A tag: URI (RFC 4151) for an item: this host, the day it was created, and its path.

    The date is the item's own creation day, so the id never changes once the item exists.
    """
    authority = urlsplit(request.url_root).hostname or "localhost"
    return f"tag:{authority},{created_at.date().isoformat()}:{specific}"
