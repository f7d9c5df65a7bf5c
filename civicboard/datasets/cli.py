"""`flask datasets import SOURCE` and `flask datasets refresh`: loading the city's catalog."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from civicboard.datasets import jobs, services
from civicboard.datasets.models import CatalogSource
from civicboard.extensions import db
from civicboard.validation import ValidationError

datasets_cli = AppGroup("datasets", help="Import and refresh the open-data catalog.")

#: Skipped records listed one per line after the summary; the rest are counted.
SKIPPED_SHOWN = 50


def _on_terminal() -> bool:
    """True when a person is watching (not cron, not a pipe)."""
    return sys.stdout.isatty()


def _progress_factory():
    """click.progressbar on a terminal, nothing otherwise (so cron mail stays readable)."""
    if not _on_terminal():
        return None

    def factory(total: int) -> Any:
        return click.progressbar(length=total, label="Importing")

    return factory


def _echo_summary(summary: jobs.ImportSummary) -> None:
    click.echo(f"{summary.source}: {summary.line()}")
    if not summary.full:
        click.echo("  (part of a larger catalog: datasets missing from it were not withdrawn)")
    if summary.reactivated:
        click.echo(f"  {summary.reactivated} withdrawn dataset(s) are back in the catalog")
    for identifier, reason in summary.skipped[:SKIPPED_SHOWN]:
        click.echo(f"  skipped {identifier}: {reason}")
    if summary.skipped_count > SKIPPED_SHOWN:
        click.echo(f"  ... and {summary.skipped_count - SKIPPED_SHOWN} more skipped")


_ALLOW_MASS_WITHDRAWAL = click.option(
    "--allow-mass-withdrawal",
    is_flag=True,
    help="Withdraw datasets even when more than half of the source's active ones are missing.",
)


@datasets_cli.command("import")
@click.argument("source")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(services.SOURCE_FORMATS)),
    default=None,
    help="Catalog family; default: the configured source's, else detected.",
)
@click.option(
    "--source",
    "source_name",
    default=None,
    help="Catalog source name (default: a configured source with this URL, else the URL's host, "
    "else named from the catalog's own addresses or publisher).",
)
@click.option("--partial", is_flag=True, help="Do not withdraw datasets missing from this document.")
@_ALLOW_MASS_WITHDRAWAL
def import_command(
    source: str, fmt: str | None, source_name: str | None, partial: bool, allow_mass_withdrawal: bool
) -> None:
    """Import a catalog from SOURCE, a file path or an http(s) URL.

    Datasets are matched on their identifier within the source: new ones are added, changed
    ones updated, and (for a whole catalog) missing ones withdrawn. Nothing changes if the
    document cannot be read, or if it would withdraw more than half of the source's active
    datasets (unless --allow-mass-withdrawal).
    """
    configured = db.session.execute(select(CatalogSource).where(CatalogSource.url == source)).scalars().first()
    name = source_name or (configured.name if configured else None)
    fmt = fmt or (configured.format if configured else "auto")
    try:
        summary = jobs.run_import(
            name,
            source,
            format=fmt,
            full=False if partial else None,
            allow_files=True,
            allow_mass_withdrawal=allow_mass_withdrawal,
            progress_factory=_progress_factory(),
        )
    except jobs.ImportFailed as exc:
        label = name or (exc.run.source if exc.run is not None else source)
        raise click.ClickException(f"import of {label} failed, nothing was changed: {exc.message}") from exc
    except ValidationError as exc:
        raise click.ClickException(exc.message) from exc
    if name is None:
        click.echo(f"Imported into source {summary.source} (named from {summary.source_reason}; choose with --source).")
    _echo_summary(summary)


@datasets_cli.command("refresh")
@_ALLOW_MASS_WITHDRAWAL
def refresh_command(allow_mass_withdrawal: bool) -> None:
    """Re-import every enabled catalog source (for a nightly cron); exit 1 if any failed.

    Sources named in CATALOG_SOURCES (``name=url`` pairs) are added first if missing. A
    source whose import would withdraw more than half of its active datasets fails,
    unchanged, unless --allow-mass-withdrawal.
    """

    def report(name: str, summary: jobs.ImportSummary | None, error: str | None) -> None:
        if summary is None:
            click.echo(f"{name}: FAILED, nothing was changed: {error}", err=True)
        else:
            _echo_summary(summary)

    try:
        count, failed = jobs.refresh_all(
            allow_mass_withdrawal=allow_mass_withdrawal, progress_factory=_progress_factory(), report=report
        )
    except (ValueError, ValidationError) as exc:
        db.session.rollback()
        raise click.ClickException(f"CATALOG_SOURCES: {getattr(exc, 'message', exc)}") from exc
    if not count:
        click.echo("No enabled catalog sources; add one on /datasets/sources or in CATALOG_SOURCES.")
        return
    if failed:
        raise click.ClickException(f"{len(failed)} of {count} source(s) failed: {', '.join(failed)}")


@datasets_cli.command("run-queued")
def run_queued_command() -> None:
    """Run the refreshes staff queued on /datasets/sources (when CATALOG_RUNNER=off); exit 1 if any failed."""
    finished = jobs.run_queued()
    if not finished:
        click.echo("No queued catalog refreshes.")
        return
    for run in finished:
        if run.error:
            click.echo(f"{run.source}: FAILED, nothing was changed: {run.error}", err=True)
        else:
            click.echo(
                f"{run.source}: added {run.added}, updated {run.updated}, unchanged {run.unchanged}, "
                f"withdrawn {run.withdrawn}, skipped {run.skipped}"
            )
    failures = [run.source for run in finished if run.error]
    if failures:
        raise click.ClickException(f"{len(failures)} of {len(finished)} run(s) failed: {', '.join(failures)}")
