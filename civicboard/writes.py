"""Short writes that wait their turn instead of failing when SQLite's single writer is busy.

SQLite lets one connection write at a time. A request that waits for the lock is fine (the
busy timeout), but one whose transaction read first and then tries to write after another
writer committed cannot wait: SQLite answers "database is locked" at once, because its view
of the data is stale. Under a burst of votes that was an error answer for a vote the resident
meant. `retry_when_locked(work)` rolls the transaction back and runs `work` again (it must
load what it needs itself, write and commit), a few times over about a second, before giving up.
PostgreSQL waits for row locks itself, so there the first attempt is normally the only one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from civicboard.extensions import db

T = TypeVar("T")
ATTEMPTS = 6
FIRST_WAIT = 0.01  # seconds; doubles each time (with jitter): about a second in all


def is_lock_error(exc: OperationalError) -> bool:
    """SQLite's "database is locked" / "database table is locked" (SQLITE_BUSY, SQLITE_LOCKED)."""
    message = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in message or "database table is locked" in message


def retry_when_locked(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """work(), run again after a rollback and a short wait while the database is locked."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if attempt == attempts - 1 or not is_lock_error(exc):
                raise
            db.session.rollback()
            time.sleep(FIRST_WAIT * 2**attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")
