"""Figures that are the same for every reader of a list, kept for a few seconds in this process.

A list's total or its facet counts scan every matching row; they change slowly and are the
same for everyone who may see the same rows, so a busy list should not count its whole table
on every request. `remember(key, compute)` keeps a computed value for BRIEF_CACHE_SECONDS
(default 30; 0 turns it off, as the tests do): the key must name everything the value depends
on, the viewer's visibility included. Values are plain data (numbers, tuples, dataclasses of
them), never database objects, which would outlive their session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
EXTENSION_KEY = "civicboard.briefcache"
MAX_ENTRIES = 1000  # a bound on memory: past it, expired entries go, then everything
_lock = threading.Lock()


def remember(key: str, compute: Callable[[], T]) -> T:
    """The value kept under `key` if still fresh, else `compute()` kept for the next readers."""
    seconds = float(current_app.config.get("BRIEF_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return compute()
    store: dict[str, tuple[float, object]] = current_app.extensions.setdefault(EXTENSION_KEY, {})
    now = time.monotonic()
    entry = store.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]  # type: ignore[return-value]
    value = compute()
    with _lock:
        if len(store) >= MAX_ENTRIES:
            for stale in [k for k, (expires, _v) in store.items() if expires <= now]:
                del store[stale]
            if len(store) >= MAX_ENTRIES:
                store.clear()
        store[key] = (now + seconds, value)
    return value
