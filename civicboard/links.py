"""Absolute URLs, built from the configured CIVICBOARD_URL and never from the request.

A link in an email, a feed, an export or an API body must be the same whoever asks: a
request's `Host` (or `X-Forwarded-Host`) is chosen by the client, so a reset link built from
it can be pointed at an attacker's server. Every absolute URL goes through this module.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter

EXTENSION_KEY = "civicboard.links"


def base_url(app: Flask | None = None) -> str:
    """The board's public base URL, e.g. https://board.example.gov (no trailing slash)."""
    return (app or current_app).config["CIVICBOARD_URL"]


def host(app: Flask | None = None) -> str:
    """The configured host name (for tag: URIs and the page cache)."""
    return urlsplit(base_url(app)).hostname or ""


def site_url(path: str) -> str:
    """An absolute URL for a site path starting with '/' (as url_for gives it, without a script root)."""
    return base_url() + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) as an absolute URL on the configured base.

    Takes the full endpoint name ("auth.reset_password") and url_for's `_anchor`; the
    request's host, port, scheme and script root play no part.
    """
    anchor = values.pop("_anchor", None)
    values.pop("_external", None)
    app = current_app._get_current_object()
    app.inject_url_defaults(endpoint, values)
    url = _adapter(app).build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="%!#$&'()*+,/:;=?@")
    return url


def _adapter(app: Flask) -> MapAdapter:
    """A URL adapter bound to the configured base, kept per app until the base changes."""
    base = base_url(app)
    cached = app.extensions.get(EXTENSION_KEY)
    if cached is not None and cached[0] == base:
        return cached[1]
    parts = urlsplit(base)
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    app.extensions[EXTENSION_KEY] = (base, adapter)
    return adapter
