"""A short-lived cache of public pages for visitors without a session.

Most readers of a city's board are anonymous (residents following a link, journalists,
crawlers), and for them a list or problem page is the same for everyone. Such a page is kept
for PAGE_CACHE_SECONDS (default 10; 0 turns the cache off) in this process, or in Redis when
REDIS_URL is set so every worker shares it. Anyone with a session or remember cookie, or an
Authorization header, never gets these pages: theirs carry their votes, CSRF tokens and
flash messages (signed-in readers get pages built from a skeleton kept in the same store:
civicboard.skeletons). A response is stored only if it is a 200 that sets no cookie. Entries are
keyed by the language served and the path: no page is built from the request's Host (see
civicboard.links).

A commit that changes what a public page shows (a write to any table but the private ones
below) empties the cache at once, in every process sharing it: it stores a new random
generation, and an entry counts only if it was built under the current one. Without Redis
each process has its own cache, and the others serve their copy until it expires.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from itertools import chain
from typing import Any

from cachelib import BaseCache, RedisCache, SimpleCache
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request, request_finished
from flask import session as flask_session
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

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
        # Rendered from the stored figures, yet its charts cost a page's worth of work each time.
        "insights.index",
        # The API's problem list, for callers without a token: the same for every one of them,
        # and what scripts poll.
        "api.problems.list_problems",
    }
)
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "Link")
EXTENSION_KEY = "civicboard.pagecache"
GENERATION_KEY = "generation"
CHANGED_FLAG = "civicboard.pagecache.changed"
# Tables no cached page shows: writing them (a login, a notification, an email) keeps the cache.
PRIVATE_TABLES = frozenset(
    {
        "user_sessions",
        "api_tokens",
        "notifications",
        "notification_settings",
        "notification_fanouts",
        "area_follows",
        "outbox_messages",
        "audit_entries",
        "import_runs",
        "catalog_sources",
        "project_invitations",
    }
)


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
        megabytes = int(app.config.get("PAGE_CACHE_MEMORY_MB", 16) or 16)
        store = BoundedCache(max_bytes=megabytes * 1024 * 1024, threshold=2000, default_timeout=seconds)
    app.extensions[EXTENSION_KEY] = store
    app.before_request(_serve_from_cache)
    # Not an after_request function: those run before the session is saved, so a page that
    # started a session would look cookie-free to them and be served to everyone with that
    # visitor's session cookie. request_finished comes after the session's Set-Cookie.
    request_finished.connect(_store_in_cache, app)


class BoundedCache(SimpleCache):
    """A process's own cache, bounded by the bytes of the pages it holds as well as by their number.

    Pages run from 2 KB to 80 KB, so a bound on entries alone let a worker grow by tens of
    megabytes on a board read in many ways (searches, filters, pages); the oldest entries go
    first. The generation is never dropped (an entry's validity depends on it).
    """

    def __init__(self, *, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_bytes = max_bytes

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool | None:
        stored = super().set(key, value, timeout)
        with self._lock:
            total = sum(len(entry[1]) for entry in self._cache.values())
            for oldest in [k for k in self._cache if k != GENERATION_KEY]:
                if total <= self.max_bytes:
                    break
                total -= len(self._cache.pop(oldest)[1])
        return stored


def lifetime() -> int:
    """How long to keep a page or skeleton built now: PAGE_CACHE_SECONDS, less up to a quarter
    at random. Pages built together (after a change, or a worker's first requests) then expire
    apart, so one process does not rebuild ten of them in a row while its readers wait."""
    seconds = int(current_app.config["PAGE_CACHE_SECONDS"])
    return max(1, round(seconds * random.uniform(0.75, 1.0)))


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
        # One round trip: the current generation and the entry.
        generation, entry = current_app.extensions[EXTENSION_KEY].get_many(GENERATION_KEY, _key())
    except Exception:  # an unreachable cache must not take the page down
        log.warning("page cache unavailable", exc_info=True)
        return None
    # The page about to be built belongs to the generation read before building it: a commit
    # meanwhile makes it stale at once.
    g.pagecache_generation = generation
    if entry is None or entry[0] != generation:
        metrics.page_cache("miss")
        return None
    metrics.page_cache("hit")
    _generation, body, headers = entry
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
        entry = (g.get("pagecache_generation"), response.get_data(), headers)
        current_app.extensions[EXTENSION_KEY].set(_key(), entry, timeout=lifetime())
    except Exception:
        log.warning("page cache unavailable; page not stored", exc_info=True)
    response.headers["X-Cache"] = "miss"


def invalidate() -> None:
    """Make every cached page stale, in every process that shares this app's cache."""
    store = current_app.extensions.get(EXTENSION_KEY) if has_app_context() else None
    if store is None:
        return
    try:
        # A random generation, stored without expiry: an old entry can never match again.
        store.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
    except Exception:
        log.warning("page cache unavailable; cached pages expire on their own", exc_info=True)


def _public(table_name: str | None) -> bool:
    return table_name not in PRIVATE_TABLES


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context: Any) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(_public(getattr(obj, "__tablename__", None)) for obj in changed):
        session.info[CHANGED_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if _public(getattr(table, "name", None)):
            state.session.info[CHANGED_FLAG] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    if session.info.pop(CHANGED_FLAG, False):
        invalidate()
        _note_reader_change()


# In a signed-in reader's session: when their own request last changed something public.
READER_CHANGED_KEY = "changed_at"


def _note_reader_change() -> None:
    """Remember in a signed-in reader's session that they changed something public just now.

    Without Redis, another process keeps serving its copy of a page (civicboard.skeletons)
    until it expires; the reader who voted or commented must see their change at once,
    whichever process answers next. Token-authenticated API calls have no session to note it in.
    """
    if has_request_context() and "_user_id" in flask_session and "Authorization" not in request.headers:
        flask_session[READER_CHANGED_KEY] = time.time()


def changed_by_reader_at() -> float:
    """When this request's reader last changed something public (0: never, in this session)."""
    return float(flask_session.get(READER_CHANGED_KEY, 0) or 0)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(CHANGED_FLAG, None)
