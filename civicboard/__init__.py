"""CivicBoard: residents, city staff and organizers working on problems around open data."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import Config, config_from_env


def create_app(config: type[Config] | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, handlers, commands."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    load_config(app, config or config_from_env(), overrides or {})
    register_logging(app)
    register_extensions(app)
    register_input_guards(app)
    register_blueprints(app)
    register_errors(app)
    register_security(app)
    register_templates(app)
    register_commands(app)
    register_operations(app)
    register_tasks(app)
    return app


def load_config(app: Flask, config: type[Config], overrides: dict[str, Any]) -> None:
    """Load a config class and overrides; refuse to run production without a secret key or public URL."""
    from config import _dev_secret_key, normalise_database_url, resolve_base_url

    app.config.from_object(config)
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set when CIVICBOARD_ENV=production")
        app.config["SECRET_KEY"] = _dev_secret_key()
    app.config["CIVICBOARD_URL"] = resolve_base_url(app.config)
    from civicboard.places.geo import parse_bounds

    try:
        parse_bounds(app.config.get("MAP_BOUNDS"))
    except ValueError as exc:
        raise RuntimeError(
            f"MAP_BOUNDS must be minLon,minLat,maxLon,maxLat (such as -71.13,42.37,-71.07,42.42): {exc}"
        ) from None
    if not app.config.get("MAIL_BACKEND"):
        app.config["MAIL_BACKEND"] = "smtp" if app.config.get("MAIL_SERVER") else "log"
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        # limits' memory:// starts a thread per counted request (civicboard.limitstorage says why not).
        from civicboard import limitstorage

        app.config["RATELIMIT_STORAGE_URI"] = redis_url or limitstorage.URI
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite: one connection per thread, waiting on the writer lock instead of failing.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 15})
        # A file on this machine: no server to restart or connection to drop, so no ping
        # before each request's first statement (PostgreSQL keeps pool_pre_ping).
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_logging(app: Flask) -> None:
    """Our own messages at INFO on stderr (JSON with LOG_FORMAT=json), a request id and log line per request."""
    from civicboard import requestlog

    requestlog.register(app)
    app.logger.setLevel(logging.INFO)


@event.listens_for(Engine, "savepoint")
def _sqlite_begin_before_savepoint(conn, name) -> None:
    """Open the transaction before a SAVEPOINT on SQLite.

    The sqlite3 driver begins a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT
    sent first would start one of its own, and releasing it would commit everything at once.
    """
    import sqlite3

    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, enforced foreign keys and a busy timeout on every SQLite connection."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def register_extensions(app: Flask) -> None:
    """Attach the unbound extensions to this app."""
    import civicboard.models  # noqa: F401  (every table on the metadata)
    from civicboard.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from civicboard.problems.fts import ignore_search_objects

    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        include_object=ignore_search_objects,  # the full-text index is not in the models
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Translated when flashed (the words are in the catalog; a lazy string cannot be kept in the session).
    login_manager.login_message = "Please log in to continue."
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are server-side rows, see auth.sessions

    from civicboard.auth import sessions
    from civicboard.outbox import worker

    sessions.register(app)
    worker.init_app(app)

    from civicboard import i18n

    i18n.register(app)


def register_input_guards(app: Flask) -> None:
    """Bounded ids in URLs, and NUL and list-length checks on every request (before the routes)."""
    from civicboard import validation

    validation.register(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from civicboard.admin.views import bp as admin_bp
    from civicboard.api.docs import bp as api_docs_bp
    from civicboard.api.views import bp as api_bp
    from civicboard.auth.views import bp as auth_bp
    from civicboard.challenges.views import bp as challenges_bp
    from civicboard.datasets.views import bp as datasets_bp
    from civicboard.i18n.views import bp as i18n_bp
    from civicboard.insights.views import bp as insights_bp
    from civicboard.interop.views import bp as interop_bp
    from civicboard.main.views import bp as main_bp
    from civicboard.moderation.views import bp as moderation_bp
    from civicboard.pages.views import bp as pages_bp
    from civicboard.places.views import bp as places_bp
    from civicboard.problems.views import bp as problems_bp
    from civicboard.staff.views import bp as staff_bp
    from civicboard.users.views import bp as users_bp

    for blueprint in (
        main_bp,
        i18n_bp,
        auth_bp,
        users_bp,
        admin_bp,
        problems_bp,
        datasets_bp,
        staff_bp,
        moderation_bp,
        challenges_bp,
        api_bp,
        api_docs_bp,
        interop_bp,
        insights_bp,
        pages_bp,
        places_bp,
    ):
        app.register_blueprint(blueprint)
    from civicboard.notify import views as notify_views
    from civicboard.outbox import views as outbox_views

    outbox_views.register(app)
    notify_views.register(app)


def register_tasks(app: Flask) -> None:
    """The features' background and periodic tasks, on the worker's queue (`flask worker` runs them)."""
    # Huey registers a task when its module is imported (catalog runs live in datasets.jobs).
    from civicboard.datasets import jobs  # noqa: F401
    from civicboard.insights import tasks as insights_tasks  # noqa: F401
    from civicboard.interop import tasks as interop_tasks  # noqa: F401
    from civicboard.notify import tasks as notify_tasks  # noqa: F401
    from civicboard.problems import tasks as problems_tasks  # noqa: F401


def register_errors(app: Flask) -> None:
    """HTML error pages, JSON errors under /api/."""
    from civicboard import errors

    errors.register(app)


def register_security(app: Flask) -> None:
    """Security headers on every response; the anonymous page cache and signed-in skeletons."""
    from civicboard import pagecache, security, skeletons

    security.register(app)
    pagecache.register(app)
    skeletons.register(app)


def register_templates(app: Flask) -> None:
    """Template globals and filters."""
    from civicboard import templating

    templating.register(app)


def register_commands(app: Flask) -> None:
    """flask users, flask demo, flask markdown, ..."""
    from civicboard import cli

    cli.register(app)


def register_operations(app: Flask) -> None:
    """/readyz, /metrics, `flask backup`, and the trusted proxy's headers (see ops/)."""
    from civicboard import ops

    ops.register(app)
