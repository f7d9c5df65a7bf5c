"""Rate-limit counters in the process's memory (no REDIS_URL): the limits hold, and no thread is
started to keep them."""

from __future__ import annotations

import threading

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from civicboard import limitstorage
from civicboard.limitstorage import ProcessMemoryStorage


class Clock:
    def __init__(self, monkeypatch, now: float = 1_000_000.0) -> None:
        self.now = now
        monkeypatch.setattr(limitstorage.time, "time", lambda: self.now)


def test_the_scheme_names_this_storage():
    assert isinstance(storage_from_string("process-memory://"), ProcessMemoryStorage)


def test_a_window_counts_then_starts_again(monkeypatch):
    clock = Clock(monkeypatch)
    storage = ProcessMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    three = parse("3 per minute")
    assert [limiter.hit(three, "user:1") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(three, "user:2")  # another key has its own window
    assert storage.get_expiry(three.key_for("user:1")) == clock.now + 60
    clock.now += 59
    assert not limiter.hit(three, "user:1")
    clock.now += 1  # the window has passed: the count starts again
    assert storage.get(three.key_for("user:1")) == 0
    assert limiter.hit(three, "user:1")
    assert storage.get(three.key_for("user:1")) == 1


def test_decr_clear_and_reset(monkeypatch):
    Clock(monkeypatch)
    storage = ProcessMemoryStorage()
    assert storage.incr("k", 60, amount=2) == 2
    assert storage.decr("k") == 1
    assert storage.decr("k", 5) == 0
    assert storage.decr("missing") == 0
    assert storage.get("missing") == 0
    storage.incr("k", 60)
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2
    assert storage.get("a") == storage.get("b") == 0
    assert storage.check()


def test_expired_keys_are_swept_without_being_read(monkeypatch):
    clock = Clock(monkeypatch)
    storage = ProcessMemoryStorage()
    for number in range(100):
        storage.incr(f"addr:{number}", 60)
    clock.now += limitstorage.SWEEP_SECONDS + 61
    storage.incr("addr:new", 60)  # the next count sweeps the table
    assert set(storage._counts) == {"addr:new"}
    assert set(storage._expiries) == {"addr:new"}


def test_counted_requests_start_no_thread(app, client, monkeypatch):
    """limits' memory:// started a timer thread per counted request; a worker serving one
    request at a time then ran two threads."""
    assert app.config["RATELIMIT_STORAGE_URI"] == "process-memory://"
    started = []
    original = threading.Thread.start

    def start(thread):
        started.append(thread)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    for _ in range(3):
        assert client.form("/login", {"email": "a@example.org", "password": "wrong password"}).status_code == 422
    assert started == []
