"""Readiness: can this process serve? The database answers, Redis (when configured) answers,
and the database's schema is at the newest migration this code ships.

`/healthz` stays a cheap liveness check (one SELECT 1); `/readyz` runs these checks and a load
balancer takes a process out of rotation while any fails (a restore or an upgrade under way,
Redis down).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, text

from civicboard.extensions import db

HEADS_KEY = "civicboard.migration_heads"
CHECK_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    """One readiness check's outcome: ok, or the reason it failed."""

    name: str
    ok: bool
    detail: str


def migration_heads(app: Flask) -> set[str]:
    """The newest revisions this code ships (read once per process from migrations/versions).

    Read from the scripts' `revision` and `down_revision` lines rather than with Alembic,
    which would add some 9 MB to every web worker a load balancer asks (tests check both agree).
    """
    heads = app.extensions.get(HEADS_KEY)
    if heads is None:
        revisions, replaced = set(), set()
        for script in (Path(app.extensions["migrate"].directory) / "versions").glob("*.py"):
            source = script.read_text(encoding="utf-8")
            found = _REVISION.search(source)
            if found:
                revisions.add(found.group(1))
                down = _DOWN_REVISION.search(source)
                replaced.update(_QUOTED.findall(down.group(1)) if down else ())
        heads = app.extensions[HEADS_KEY] = revisions - replaced
    return heads


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def database_revisions() -> set[str]:
    """The revisions the database is at (empty when it was never migrated)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return Check("database", False, f"unreachable ({type(exc).__name__})")
    return Check("database", True, "ok")


def check_migrations() -> Check:
    try:
        current = database_revisions()
    except Exception as exc:
        return Check("migrations", False, f"could not read the schema version ({type(exc).__name__})")
    expected = migration_heads(current_app)
    if current == expected:
        return Check("migrations", True, "ok")
    shown = ", ".join(sorted(current)) or "none"
    return Check(
        "migrations", False, f"database at {shown}, code expects {', '.join(sorted(expected))}: run flask db upgrade"
    )


def check_redis() -> Check | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return Check("redis", False, f"unreachable ({type(exc).__name__})")
    return Check("redis", True, "ok")


def readiness() -> list[Check]:
    """Every check, in order; the migrations check only when the database answers."""
    checks = [check_database()]
    if checks[0].ok:
        checks.append(check_migrations())
    redis_check = check_redis()
    if redis_check is not None:
        checks.append(redis_check)
    return checks
