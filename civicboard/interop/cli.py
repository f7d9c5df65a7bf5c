"""flask exports build: write the stored export snapshots (CSV and JSON, each with a gzip copy)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from civicboard import snapshots
from civicboard.interop import exports

exports_cli = AppGroup("exports", help="Build the stored open-data exports.")


@exports_cli.command("build")
@click.option("--force", is_flag=True, help="Build even if nothing changed since the last build.")
def build_command(force: bool) -> None:
    """Build the exports now if the board changed since the last build (or with --force).

    Another builder holding the lock (a worker, a web thread) makes this one skip, exit status 0.
    """
    app = current_app._get_current_object()
    outcome = exports.build(app, force=force)
    messages = {
        exports.BUILT: f"Exports built in {snapshots.folder(app)}.",
        exports.UNCHANGED: "Nothing changed since the last build; exports left as they are.",
        exports.BUSY: "Another build is running; skipped.",
    }
    click.echo(messages[outcome])
