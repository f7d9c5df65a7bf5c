"""flask insights compute: store the figures /insights and /insights.csv serve."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from civicboard.insights import store

insights_cli = AppGroup("insights", help="Compute the stored outcome figures.")


@insights_cli.command("compute")
@click.option("--force", is_flag=True, help="Compute even if nothing changed since the last time.")
def compute_command(force: bool) -> None:
    """Compute the figures if the board changed or they are older than INSIGHTS_MAX_AGE (or --force)."""
    outcome = store.compute(current_app._get_current_object(), force=force)
    messages = {
        store.COMPUTED: "Figures computed.",
        store.UNCHANGED: "Nothing changed; figures left as they are.",
        store.BUSY: "Another computation is running; skipped.",
    }
    click.echo(messages[outcome])
