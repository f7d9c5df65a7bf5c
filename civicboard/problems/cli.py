"""`flask markdown rerender`: re-render every stored Markdown HTML column with the current rules.

Run it after changing civicboard/markup.py (an allowlist tightened, an extension added):
stored HTML is rendered on write, so old rows keep the old rendering until re-rendered.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import bindparam, select, update

from civicboard.extensions import db
from civicboard.markup import render

markdown_cli = AppGroup("markdown", help="Markdown rendering tools.")

# (table, Markdown source column, stored HTML column)
HTML_COLUMNS = [
    ("problems", "description", "description_html"),
    ("comments", "body", "body_html"),
    ("responses", "body", "body_html"),
    ("challenges", "summary", "summary_html"),
    ("projects", "description", "description_html"),
]


def rerender_all(batch_size: int = 500, progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Re-render every HTML column in id-ordered batches, committing each; returns rows changed per table.

    Keyset batches (id > last id) keep memory flat and each transaction short; only rows whose
    HTML actually changes are written, so a re-run is cheap and triggers stay quiet.
    """
    changed_by_table: dict[str, int] = {}
    for table_name, source, target in HTML_COLUMNS:
        table = db.metadata.tables[table_name]
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({target: bindparam("html")})
            .execution_options(synchronize_session=False)
        )
        last_id, seen, changed = 0, 0, 0
        while True:
            rows = db.session.execute(
                select(table.c.id, table.c[source], table.c[target])
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            updates = []
            for row_id, text, html in rows:
                fresh = render(text)
                if fresh != html:
                    updates.append({"row_id": row_id, "html": fresh})
            if updates:
                db.session.connection().execute(statement, updates)
            db.session.commit()
            last_id = rows[-1][0]
            seen += len(rows)
            changed += len(updates)
            if progress:
                progress(table_name, seen, changed)
        changed_by_table[table_name] = changed
    return changed_by_table


@markdown_cli.command("rerender")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def rerender_command(batch_size: int) -> None:
    """Re-render stored HTML of problems, comments, responses, challenges and projects."""
    summary = rerender_all(batch_size)
    for table_name, changed in summary.items():
        click.echo(f"{table_name}: {changed} re-rendered")
