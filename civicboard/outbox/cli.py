"""flask worker (the background consumer) and flask mail deliver (one delivery pass)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from civicboard.outbox import services, worker

mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads executing tasks in this process.")
@click.option(
    "--max-delay",
    default=2.0,
    show_default=True,
    help="Longest pause, in seconds, between two looks at an idle queue (SQLite; Redis wakes at once).",
)
@with_appcontext
def worker_command(workers: int, max_delay: float) -> None:
    """Run the background worker: mail, notifications, digests, catalog and snapshot refreshes, until Ctrl-C."""
    worker.run_consumer(workers, max_delay=max_delay)


@mail_cli.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Send every message due now, once, and print the counts (no worker needed)."""
    report = services.deliver_due()
    click.echo(
        f"sent {report.sent}, retried later {report.retried}, failed {report.failed}, interrupted {report.interrupted}"
    )
