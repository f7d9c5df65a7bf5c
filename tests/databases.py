"""The databases tests run on: temporary ones for tests that need their own (migrations, live
servers, seeds), and the Redis database of this test process.

Under pytest-xdist (`make test` runs the suite in one process per core) each process is a
worker named gw0, gw1...; everything a test may empty or fill has its own copy per worker.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url


def worker_number() -> int:
    """0 for gw0 or a run without workers, 1 for gw1..."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def redis_url() -> str:
    """The Redis database tests may flush: TEST_REDIS_URL (default db 15), one lower per worker."""
    url = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    number = int(url.path.strip("/") or 0) - worker_number()
    if number < 0:
        raise RuntimeError("TEST_REDIS_URL's database number must be at least the number of test workers")
    return urlunsplit(url._replace(path=f"/{number}"))


def worker_database(url: str) -> str:
    """The PostgreSQL database of this test worker: url's own for gw0, url_gw1 (created once) for gw1..."""
    number = worker_number()
    if not number:
        return url
    base = make_url(url)
    name = f"{base.database}_gw{number}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def temporary_database(base_url: str | None, directory: Path, label: str) -> Iterator[str]:
    """A new, empty database of the same kind as base_url, dropped afterwards.

    SQLite (base_url None or sqlite): a file in `directory`. PostgreSQL: a database created
    next to base_url's, on the same server.
    """
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{directory / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
        return
    url = make_url(normalise_database_url(base_url))
    name = f"{url.database}_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
