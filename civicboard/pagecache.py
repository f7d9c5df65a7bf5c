"""A short-lived cache of public pages for visitors without a session.

Most readers of a city's board are anonymous (residents following a link, journalists,
crawlers), and for them a list or problem page is the same for everyone. Such a page is kept
for PAGE_CACHE_SECONDS (default 10; 0 turns the cache off) in this process, or in Redis when
REDIS_URL is set so every worker shares it. Anyone with a session or remember cookie, or an
Authorization header, always gets a fresh page: their pages carry their votes, CSRF tokens
and flash messages. A response is stored only if it is a 200 that sets no cookie. Entries are
keyed by the language served and the path: no page is built from the request's Host (see
civicboard.links).
"""

from __future__ import annotations

import logging
from typing import Any

from cachelib import BaseCache, RedisCache, SimpleCache
from flask import Flask, Response, current_app, request, request_finished

from civicboard import metrics
from civicboard.i18n import anonymous_language

log = logging.getLogger(__name__)

# Pages that are the same for every anonymous reader.
CACHEABLE_ENDPOINTS = frozenset(
    {
        "problems.index",
        "problems.show",
        "problems.search_page",
        "datasets.index",
        "datasets.show",
        "datasets.data_requests",
        "challenges.index",
        "challenges.show",
    }
)
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary")
EXTENSION_KEY = "civicboard.pagecache"


def register(app: Flask) -> None:
    """Attach the cache (if PAGE_CACHE_SECONDS > 0) as a before/after request pair."""
    seconds = int(app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return
    redis_url = app.config.get("REDIS_URL")
    store: BaseCache
    if redis_url:
        import redis

        store = RedisCache(host=redis.Redis.from_url(redis_url), key_prefix="civicboard:page:", default_timeout=seconds)
    else:
        store = SimpleCache(threshold=2000, default_timeout=seconds)
    app.extensions[EXTENSION_KEY] = store
    app.before_request(_serve_from_cache)
    # Not an after_request function: those run before the session is saved, so a page that
    # started a session would look cookie-free to them and be served to everyone with that
    # visitor's session cookie. request_finished comes after the session's Set-Cookie.
    request_finished.connect(_store_in_cache, app)


def _cacheable_request() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHEABLE_ENDPOINTS:
        return False
    config = current_app.config
    cookie_names = (config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if any(name in request.cookies for name in cookie_names):
        return False
    return "Authorization" not in request.headers


def _key() -> str:
    # The language served and the path: pages build their absolute links from CIVICBOARD_URL,
    # never from the client's Host or X-Forwarded-* headers, so those must not split (or fill)
    # the cache. The language is one of the few offered, not the raw Accept-Language header.
    return f"{anonymous_language()}:{request.full_path}"


def _serve_from_cache() -> Response | None:
    if not _cacheable_request():
        return None
    try:
        entry: Any = current_app.extensions[EXTENSION_KEY].get(_key())
    except Exception:  # an unreachable cache must not take the page down
        log.warning("page cache unavailable", exc_info=True)
        return None
    if entry is None:
        metrics.page_cache("miss")
        return None
    metrics.page_cache("hit")
    body, headers = entry
    response = Response(body, status=200, headers=headers)
    response.headers["X-Cache"] = "hit"
    return response


def _store_in_cache(sender: Flask, response: Response, **extra: Any) -> None:
    """Keep a finished public page, unless it sets a cookie (its session's included)."""
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "X-Cache" in response.headers
        or response.headers.getlist("Set-Cookie")
        or not _cacheable_request()
    ):
        return
    headers = [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers]
    try:
        current_app.extensions[EXTENSION_KEY].set(_key(), (response.get_data(), headers))
    except Exception:
        log.warning("page cache unavailable; page not stored", exc_info=True)
    response.headers["X-Cache"] = "miss"
