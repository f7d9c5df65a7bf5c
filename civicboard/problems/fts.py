"""The full-text index over problem titles and descriptions, on SQLite and on PostgreSQL.

- SQLite: an FTS5 table with external content (`problems_fts`, content=problems), kept in
  sync by triggers on insert, delete, and updates of title or description (votes and
  comments do not touch it).
- PostgreSQL: a stored generated tsvector column `problems.search_vector` (title weighted A,
  description B, English configuration) with a GIN index.

Neither is a model column or table: migration 0003 calls install_search(), and the tests'
create_all() does too through the metadata's after_create event below. The migration test
ignores these objects (see ignore_search_objects, passed to Flask-Migrate as include_object).

Note for future migrations: on SQLite, a batch migration that rebuilds `problems` (move and
copy) drops its triggers; call install_search() again at the end of such a revision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from civicboard.extensions import db

FTS_TABLE = "problems_fts"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_problems_search_vector"
TEXT_CONFIG = "english"

# The statements spell the names out (no string building): they are fixed DDL.
SQLITE_INSTALL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS problems_fts USING fts5(
        title, description,
        content='problems', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER IF NOT EXISTS problems_fts_after_insert AFTER INSERT ON problems BEGIN
        INSERT INTO problems_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS problems_fts_after_delete AFTER DELETE ON problems BEGIN
        INSERT INTO problems_fts(problems_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS problems_fts_after_update AFTER UPDATE OF title, description ON problems BEGIN
        INSERT INTO problems_fts(problems_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO problems_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    # Index whatever rows exist already (a migration on a populated database).
    "INSERT INTO problems_fts(problems_fts) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS problems_fts_after_insert",
    "DROP TRIGGER IF EXISTS problems_fts_after_delete",
    "DROP TRIGGER IF EXISTS problems_fts_after_update",
    "DROP TABLE IF EXISTS problems_fts",
]

POSTGRES_INSTALL = [
    """ALTER TABLE problems ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english', coalesce(title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(description, '')), 'B')
        ) STORED""",
    "CREATE INDEX IF NOT EXISTS ix_problems_search_vector ON problems USING gin (search_vector)",
]
POSTGRES_UNINSTALL = [
    "DROP INDEX IF EXISTS ix_problems_search_vector",
    "ALTER TABLE problems DROP COLUMN IF EXISTS search_vector",
]


def _statements(connection: Connection, install: bool) -> list[str]:
    name = connection.dialect.name
    if name == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    if name == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_UNINSTALL
    return []  # other databases: search falls back to LIKE (see search.py)


def install_search(connection: Connection) -> None:
    """Create the full-text index for the connection's database (idempotent)."""
    for statement in _statements(connection, install=True):
        connection.exec_driver_sql(statement)


def uninstall_search(connection: Connection) -> None:
    """Drop the full-text index (idempotent)."""
    for statement in _statements(connection, install=False):
        connection.exec_driver_sql(statement)


def ignore_search_objects(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic include_object hook: leave the search index out of autogenerate comparisons."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False  # the FTS5 table and its shadow tables
    if type_ == "column" and name == SEARCH_COLUMN:
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)


def _creates_problems(kw: dict) -> bool:
    return any(getattr(table, "name", None) == "problems" for table in kw.get("tables") or [])


@event.listens_for(db.metadata, "after_create")
def _install_after_create_all(target, connection: Connection, **kw: Any) -> None:
    """db.create_all() (the tests) builds the index as the migration does."""
    if _creates_problems(kw):
        install_search(connection)


@event.listens_for(db.metadata, "before_drop")
def _uninstall_before_drop_all(target, connection: Connection, **kw: Any) -> None:
    """db.drop_all() removes the FTS5 table too (triggers go with their table)."""
    if _creates_problems(kw):
        uninstall_search(connection)
