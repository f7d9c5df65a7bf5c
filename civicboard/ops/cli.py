"""`flask backup create DEST` and `flask backup restore SRC`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from civicboard.extensions import db
from civicboard.moderation.counters import FLAG_COUNTERS
from civicboard.ops import backup
from civicboard.problems import counters

backup_cli = AppGroup("backup", help="Back the board up, and restore a backup.")


@backup_cli.command("create")
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--pg-dump", default="pg_dump", show_default=True, help="The pg_dump to run (PostgreSQL).")
def create_command(destination: Path, pg_dump: str) -> None:
    """Write a consistent snapshot of the database and uploads to DESTINATION (a file, or a folder)."""
    try:
        path = backup.create(current_app._get_current_object(), destination, pg_dump=pg_dump, log=click.echo)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {path}")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database (and add to an upload folder) that is not empty.")
@click.option("--pg-restore", default="pg_restore", show_default=True, help="The pg_restore to run (PostgreSQL).")
def restore_command(source: Path, force: bool, pg_restore: str) -> None:
    """Restore SOURCE into the configured database, check it, then check every counter."""
    try:
        backup.restore(current_app._get_current_object(), source, force=force, pg_restore=pg_restore, log=click.echo)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    # The same check as `flask counters check`: every stored counter against a recount.
    drift = counters.recount(counters=FLAG_COUNTERS)
    db.session.rollback()
    for item in drift[:20]:
        click.echo(str(item))
    if drift:
        raise click.ClickException(
            f"{len(drift)} counters differ from a recount; run `flask counters check --fix` to repair them."
        )
    click.echo("Every counter matches its recount.")
