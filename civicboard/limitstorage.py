"""Rate-limit counters in the process's memory, for when no REDIS_URL is set.

limits' own `memory://` storage starts a timer thread on every counted request, to drop the
keys that expired 10 ms later. In a gunicorn worker that serves one request at a time, that
means a thread started per vote, login or API write (about half a millisecond each), and a
second thread running beside the request. This storage keeps the same fixed-window counters
without threads: a key past its window reads as zero and is dropped when read, and the whole
table is swept on the calling thread at most once every SWEEP_SECONDS.

Registered under the `process-memory://` scheme; `create_app` uses it in place of `memory://`.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage

SWEEP_SECONDS = 10.0
URI = "process-memory://"


class ProcessMemoryStorage(Storage):
    """Fixed-window counters in a dict, expired lazily and swept inline."""

    STORAGE_SCHEME = ["process-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        self._counts: dict[str, int] = {}
        self._expiries: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _live(self, key: str, now: float) -> int:
        """The key's count, or 0 (and the key forgotten) once its window has passed. Lock held."""
        if self._expiries.get(key, 0.0) <= now:
            self._counts.pop(key, None)
            self._expiries.pop(key, None)
            return 0
        return self._counts[key]

    def _sweep(self, now: float) -> None:
        """Forget every key whose window has passed, at most once every SWEEP_SECONDS. Lock held."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_SECONDS
        for key in [key for key, expiry in self._expiries.items() if expiry <= now]:
            self._counts.pop(key, None)
            self._expiries.pop(key, None)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            self._sweep(now)
            count = self._live(key, now) + amount
            if key not in self._expiries:
                self._expiries[key] = now + expiry
            self._counts[key] = count
            return count

    def decr(self, key: str, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            count = self._live(key, now)
            if key in self._counts:
                count = self._counts[key] = max(count - amount, 0)
            return count

    def get(self, key: str) -> int:
        with self._lock:
            return self._live(key, time.time())

    def get_expiry(self, key: str) -> float:
        with self._lock:
            return self._expiries.get(key, time.time())

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            count = len(self._counts)
            self._counts.clear()
            self._expiries.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
            self._expiries.pop(key, None)
