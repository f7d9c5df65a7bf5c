"""A small cache for the insights figures: in-process, or in Redis when REDIS_URL is set.

The figures are the same for every reader and change slowly, so /insights and /insights.csv
may serve them up to INSIGHTS_CACHE_SECONDS old (60 by default; 0 turns caching off). With
Redis, every worker and host shares one computation. A cache that cannot be reached is
skipped, not fatal: the figures are computed afresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from flask_caching import Cache

cache = Cache()
KEY_PREFIX = "civicboard:cache:"
log = logging.getLogger(__name__)
T = TypeVar("T")


def init_app(app: Flask) -> None:
    """Attach the cache to an app once (called when the insights blueprint is registered)."""
    if cache in app.extensions.get("cache", {}):
        return
    redis_url = app.config.get("REDIS_URL")
    settings = {
        "CACHE_KEY_PREFIX": KEY_PREFIX,
        "CACHE_DEFAULT_TIMEOUT": app.config.get("INSIGHTS_CACHE_SECONDS", 60),
    }
    if redis_url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    else:
        settings.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=64)
    cache.init_app(app, config=settings)


def cached(key: str, compute: Callable[[], T]) -> T:
    """The value under `key` if it is fresh, else `compute()` stored for INSIGHTS_CACHE_SECONDS."""
    timeout = int(current_app.config.get("INSIGHTS_CACHE_SECONDS", 60))
    if timeout <= 0:
        return compute()
    try:
        value = cache.get(key)
    except Exception:  # the cache is an optimisation: an unreachable Redis must not break the page
        log.warning("insights cache unavailable; computing the figures", exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.warning("insights cache unavailable; figures not stored", exc_info=True)
    return value


def clear() -> None:
    """Forget every cached figure (tests, and after bulk changes such as a demo seed)."""
    cache.clear()
