"""Command-line tools: flask users ..., flask demo ..., flask counters ..."""

from __future__ import annotations

import sys
from collections import Counter

import click
from flask import Flask
from flask.cli import AppGroup

from civicboard.auth import services as auth_services
from civicboard.datasets.cli import datasets_cli
from civicboard.extensions import db
from civicboard.insights.cli import insights_cli
from civicboard.interop.cli import exports_cli
from civicboard.moderation.counters import FLAG_COUNTERS
from civicboard.outbox.cli import mail_cli, worker_command
from civicboard.permissions import Role
from civicboard.places import services as places_services
from civicboard.problems import counters
from civicboard.problems import services as problem_services
from civicboard.problems.cli import markdown_cli
from civicboard.validation import ValidationError

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Load demonstration data.")
counters_cli = AppGroup("counters", help="Check stored counters against a recount of their rows.")
places_cli = AppGroup("places", help="The city's neighbourhood boundaries.")

# Drift lines printed in full; the summary still counts every one.
DRIFT_SHOWN = 50


def register(app: Flask) -> None:
    """Attach the command groups."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(markdown_cli)
    app.cli.add_command(datasets_cli)
    app.cli.add_command(counters_cli)
    app.cli.add_command(exports_cli)
    app.cli.add_command(insights_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(places_cli)


@places_cli.command("import-boundaries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--name-property",
    default=None,
    help="The feature property holding each neighbourhood's name (default: the first of name, NAME, Name...).",
)
def import_boundaries_command(file: str, name_property: str | None) -> None:
    """Load neighbourhood polygons from a GeoJSON FILE (WGS 84) and place every located problem in one."""
    with open(file, encoding="utf-8-sig") as handle:
        text = handle.read()
    try:
        result = places_services.import_boundaries(text, name_property=name_property)
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    moved = problem_services.assign_neighbourhoods()
    db.session.commit()
    for line in result.skipped:
        click.echo(f"skipped {line}", err=True)
    click.echo(
        f"Neighbourhoods: {result.created} new, {result.updated} updated, {result.removed} removed, "
        f"{len(result.skipped)} skipped; {moved} located problem(s) placed anew."
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    help="A role to grant; repeat for several.",
)
@click.option("--department", default=None, help="Department for staff (created if new).")
def create_user_command(email: str, name: str, roles: tuple[str, ...], department: str | None) -> None:
    """Create an account; the password is read from standard input (or prompted)."""
    password = _read_password()
    try:
        user = auth_services.create_user(email, name, password, list(roles), department)
    except ValidationError as exc:
        db.session.rollback()
        details = "; ".join(exc.fields.values()) or exc.message
        raise click.ClickException(details) from exc
    db.session.commit()
    held = ", ".join(sorted(r.value for r in user.role_set))
    click.echo(f"Created user {user.id} <{user.email}> with roles: {held}.")


@users_cli.command("token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
def token_command(email: str, label: str) -> None:
    """Print a new personal API token for EMAIL (shown once)."""
    user = auth_services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with email {email}.")
    try:
        _token, raw = auth_services.create_api_token(user, label or "command line")
    except ValidationError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(raw)


@demo_cli.command("seed")
@click.option("--scale", type=click.Choice(["demo", "city"]), default="demo", show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--seed", "random_seed", type=int, default=None, help="Random seed for --scale city (fixed by default).")
@click.option("--scale-factor", type=float, default=1.0, hidden=True, help="Shrink --scale city (tests).")
def seed_command(scale: str, if_empty: bool, random_seed: int | None, scale_factor: float) -> None:
    """Load a small demo city, or the city-scale benchmark data."""
    from civicboard import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo seed skipped.")
        return
    summary = demo.seed(scale, seed=random_seed, scale_factor=scale_factor, log=click.echo)
    db.session.commit()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@counters_cli.command("check")
@click.option("--fix", is_flag=True, help="Set every counter found wrong to its recount.")
def counters_check_command(fix: bool) -> None:
    """Recount every stored counter and report drift (exit status 1), or repair it with --fix."""
    drift = counters.recount(fix=fix, counters=FLAG_COUNTERS)
    for item in drift[:DRIFT_SHOWN]:
        click.echo(str(item))
    if len(drift) > DRIFT_SHOWN:
        click.echo(f"... and {len(drift) - DRIFT_SHOWN} more")
    by_column = Counter(f"{item.table}.{item.column}" for item in drift)
    for name, count in sorted(by_column.items()):
        click.echo(f"{name}: {count} wrong")
    if fix:
        db.session.commit()
        click.echo(f"Repaired {len(drift)} counters." if drift else "Every counter matches its recount.")
        return
    db.session.rollback()
    if drift:
        raise click.ClickException(f"{len(drift)} counters differ from a recount; run `flask counters check --fix`.")
    click.echo("Every counter matches its recount.")
