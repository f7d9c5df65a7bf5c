"""Readiness: can this process serve? The database answers, Redis (when configured) answers,
and the database's schema is at the newest migration this code ships.

`/healthz` stays a cheap liveness check (one SELECT 1); `/readyz` runs these checks and a load
balancer takes a process out of rotation while any fails (a restore or an upgrade under way,
Redis down).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import text

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
    """The newest revisions this code ships (read once per process from migrations/)."""
    heads = app.extensions.get(HEADS_KEY)
    if heads is None:
        from alembic.script import ScriptDirectory

        heads = set(ScriptDirectory(app.extensions["migrate"].directory).get_heads())
        app.extensions[HEADS_KEY] = heads
    return heads


def database_revisions() -> set[str]:
    """The revisions the database is at (empty when it was never migrated)."""
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


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
