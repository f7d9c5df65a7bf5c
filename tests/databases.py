"""Temporary databases for tests that need one of their own (migrations, live servers, seeds)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url


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
