"""Flask extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_address() -> str:
    """The client's address for rate limits (ProxyFix, when configured, sets remote_addr)."""
    return request.remote_addr or "unknown"


class LazyMigrate:
    """Flask-Migrate, attached to an app when something first uses it: `flask db ...`, a backup's
    restore, a test that migrates.

    Alembic, with the Mako and Pygments it brings, is about 9 MB that a web worker never needs
    (readiness reads the revisions without it: civicboard.ops.health). `app.extensions["migrate"]`
    is a stand-in that knows the migrations' directory and sets Flask-Migrate up on first use
    of anything else; `flask db` lists and runs Flask-Migrate's own commands.
    """

    def init_app(self, app: Flask, db: SQLAlchemy, *, directory: str, **options: Any) -> None:
        app.extensions["migrate"] = _MigrateStandIn(app, db, directory, options)
        app.cli.add_command(_MigrationCommands(name="db", help="Database migrations (Flask-Migrate)."))


class _MigrateStandIn:
    def __init__(self, app: Flask, db: SQLAlchemy, directory: str, options: dict[str, Any]) -> None:
        self.app, self.db, self.directory, self.options = app, db, directory, options

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        # Replaces this stand-in with Flask-Migrate's own configuration (and `flask db` group).
        Migrate().init_app(self.app, self.db, directory=self.directory, **self.options)
        return getattr(self.app.extensions["migrate"], name)


class _MigrationCommands(click.Group):
    """`flask db`: Flask-Migrate's own group (its options and commands), imported when used."""

    def _commands(self) -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any):
        return self._commands().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._commands().get_command(ctx, name)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)
