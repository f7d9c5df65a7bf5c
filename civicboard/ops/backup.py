"""Backups: a consistent snapshot of the database and the uploaded files, with a manifest.

An archive is a gzipped tar holding `manifest.json`, the database (`database.sqlite3`, made
with SQLite's online backup API, or `database.pgdump`, pg_dump's custom format) and the
uploads under `uploads/`. The manifest names the board's version, the migration the database
is at, the rows of every table and each file's SHA-256.

Both snapshots are taken while the board keeps writing. On SQLite the backup API copies the
database in one step under a read transaction: with WAL, writers go on meanwhile and the copy
is the database as of one instant. On PostgreSQL the row counts are taken inside a
repeatable-read transaction whose snapshot pg_dump then shares (`--snapshot`), so the
manifest and the dump describe the same instant.

A restore goes into an empty database (or any with `force`), checks each file against the
manifest, and the restored rows against its counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from civicboard.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
UPLOADS = "uploads"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Manifest:
    """What an archive holds."""

    version: str
    created_at: str
    dialect: str
    migration_head: str | None
    counts: dict[str, int]
    files: dict[str, str]  # member name -> sha256
    database: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(vars(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise BackupError(f"This archive's format is {data.get('format')!r}; this version reads format {FORMAT}.")
        return cls(**data)


def app_version() -> str:
    """The board's version, from its installed metadata or pyproject.toml."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    with contextlib.suppress(OSError):
        match = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.MULTILINE)
        if match:
            return match.group(1)
    return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def upload_folder(app: Flask) -> Path:
    return Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")


def table_names() -> list[str]:
    """The board's tables (the models' and Alembic's), the ones a manifest counts."""
    return sorted([table.name for table in db.metadata.sorted_tables] + ["alembic_version"])


def default_archive_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"civicboard-{stamp}.tar.gz"


# -- create ------------------------------------------------------------------------------


def create(app: Flask, destination: Path, *, pg_dump: str = "pg_dump", log: Callable[[str], None] = print) -> Path:
    """Write an archive to destination; return its path.

    A destination ending in .tar.gz or .tgz is the archive's name; anything else is a folder
    (made if needed) that gets a dated name, `civicboard-YYYYmmddTHHMMSSZ.tar.gz`.
    """
    if destination.is_dir() or not destination.name.endswith((".tar.gz", ".tgz")):
        destination = destination / default_archive_name()
    destination.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=destination.parent) as tmp:
        work = Path(tmp)
        if url.get_backend_name() == "sqlite":
            member, database = SQLITE_MEMBER, _snapshot_sqlite(url.database, work / SQLITE_MEMBER)
            head, counts = _describe_sqlite(work / SQLITE_MEMBER)
            log("Database: SQLite, copied with its online backup API.")
        elif url.get_backend_name() == "postgresql":
            member = PGDUMP_MEMBER
            database, head, counts = _snapshot_postgres(pg_dump, work / PGDUMP_MEMBER)
            log(
                f"Database: PostgreSQL {database['server_version']}, "
                f"dumped by pg_dump {database['pg_dump_version']} (custom format)."
            )
        else:
            raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.get_backend_name()}.")
        files = {member: sha256_of(work / member)}
        uploads = upload_folder(app)
        upload_paths = _upload_files(uploads)
        for path in upload_paths:
            files[f"{UPLOADS}/{path.relative_to(uploads).as_posix()}"] = sha256_of(path)
        manifest = Manifest(
            version=app_version(),
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            dialect=url.get_backend_name(),
            migration_head=head,
            counts=counts,
            files=files,
            database=database,
        )
        partial = work / "archive.partial"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            _add_bytes(archive, MANIFEST, manifest.to_json().encode())
            archive.add(work / member, arcname=member)
            for path in upload_paths:
                archive.add(path, arcname=f"{UPLOADS}/{path.relative_to(uploads).as_posix()}")
        partial.chmod(0o600)  # it holds every account's email and password hash
        os.replace(partial, destination)
    log(f"Uploads: {len(upload_paths)} files." if upload_paths else f"Uploads: none ({uploads} is empty or absent).")
    log(f"Rows: {sum(counts.values())} in {len(counts)} tables; migration {head}.")
    return destination


def _upload_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _snapshot_sqlite(source_path: str | None, target: Path) -> dict[str, Any]:
    """Copy the live database with the online backup API, in one step (a single consistent read)."""
    if not source_path or source_path == ":memory:":
        raise BackupError("The SQLite database is in memory: there is nothing to back up.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        # pages=-1: all pages under one read transaction. Stepping in smaller batches would
        # restart whenever another connection writes, and a busy board writes all the time.
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
    finally:
        copy.close()
        source.close()
    return {"sqlite_version": sqlite3.sqlite_version}


def _describe_sqlite(path: Path) -> tuple[str | None, dict[str, int]]:
    connection = sqlite3.connect(path)
    try:
        present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - our table names
            for name in table_names()
            if name in present
        }
        head = None
        if "alembic_version" in present:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            head = row[0] if row else None
    finally:
        connection.close()
    return head, counts


def _major(version: str) -> int:
    match = re.search(r"(\d+)(?:\.(\d+))?", version)
    if not match:
        raise BackupError(f"Could not read a version number from {version!r}.")
    return int(match.group(1))


def tool_version(tool: str) -> str:
    """`pg_dump --version` (or pg_restore's), as "15.20"; BackupError when the tool is missing."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} was not found. PostgreSQL backups run {tool} (custom format): install the PostgreSQL "
            f"client tools of the server's major version or newer (Debian: apt-get install postgresql-client), "
            f"or pass its path with --pg-dump/--pg-restore."
        )
    result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    match = re.search(r"(\d+(?:\.\d+)*)", result.stdout)
    if result.returncode != 0 or not match:
        raise BackupError(f"{tool} --version did not answer a version: {result.stdout or result.stderr}")
    return match.group(1)


def libpq_environment() -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore arguments and environment for the app's database (the password in PGPASSWORD)."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--dbname", url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)]
    return args, env


def _snapshot_postgres(pg_dump: str, target: Path) -> tuple[dict[str, Any], str | None, dict[str, int]]:
    client_version = tool_version(pg_dump)
    with db.engine.connect() as conn:
        server_version = conn.execute(text("SHOW server_version")).scalar_one().split()[0]
    if _major(client_version) < _major(server_version):
        raise BackupError(
            f"pg_dump {client_version} is older than the server ({server_version}): a dump by an older major "
            f"version may be incomplete. Install the PostgreSQL {_major(server_version)} client tools "
            f"(or newer) and pass --pg-dump PATH if it is not first on PATH."
        )
    args, env = libpq_environment()
    # The counts and the dump see one snapshot: this transaction exports it and stays open
    # until pg_dump has started on it.
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        present = set(inspect(conn).get_table_names())
        counts = {
            name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()  # noqa: S608 - our table names
            for name in table_names()
            if name in present
        }
        head = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if "alembic_version" in present
            else None
        )
        command = [
            shutil.which(pg_dump) or pg_dump,
            "--format=custom",
            "--no-password",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            "--file",
            str(target),
            *args,
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed ({result.returncode}): {result.stderr.strip()}")
    return {"server_version": server_version, "pg_dump_version": client_version}, head, counts


# -- restore -----------------------------------------------------------------------------


@dataclass
class RestoreReport:
    """What a restore put back."""

    manifest: Manifest
    rows: int
    uploads: int


def read_manifest(source: Path) -> Manifest:
    """The manifest of an archive, without extracting anything else."""
    try:
        with tarfile.open(source, "r:*") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read())
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError, TypeError) as exc:
        raise BackupError(f"{source} is not a CivicBoard backup (no readable manifest.json): {exc}") from exc


@contextlib.contextmanager
def _extracted(source: Path, manifest: Manifest) -> Iterator[Path]:
    """The archive's files in a temporary folder, each checked against the manifest."""
    with tempfile.TemporaryDirectory(prefix=".restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(source, "r:*") as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            unexpected = sorted({m.name for m in members} - set(manifest.files) - {MANIFEST})
            if unexpected:
                raise BackupError(f"The archive holds files its manifest does not list: {', '.join(unexpected[:5])}")
            # Only the listed files, each written by us under `work` (no links, no paths outside it).
            for member in members:
                target = (work / member.name).resolve()
                if member.name == MANIFEST or not target.is_relative_to(work.resolve()):
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as data, target.open("wb") as out:
                    shutil.copyfileobj(data, out, CHUNK)
        for name, expected in manifest.files.items():
            path = work / name
            if not path.is_file():
                raise BackupError(f"The archive lacks {name}, which its manifest lists.")
            if sha256_of(path) != expected:
                raise BackupError(f"{name} does not match its checksum in the manifest: the archive is damaged.")
        yield work


def database_rows() -> dict[str, int]:
    """Rows per board table in the app's database (tables that exist)."""
    present = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {
            name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()  # noqa: S608 - our table names
            for name in table_names()
            if name in present
        }


def is_empty() -> bool:
    """True when no board table holds a row (a new database, or one just migrated)."""
    return not any(count for name, count in database_rows().items() if name != "alembic_version")


def known_revisions(app: Flask) -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(app.extensions["migrate"].directory).walk_revisions()}


def restore(
    app: Flask,
    source: Path,
    *,
    force: bool = False,
    pg_restore: str = "pg_restore",
    log: Callable[[str], None] = print,
) -> RestoreReport:
    """Restore an archive into the app's database and upload folder; BackupError when it cannot."""
    manifest = read_manifest(source)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest.dialect != url.get_backend_name():
        raise BackupError(
            f"This backup is of a {manifest.dialect} database; the configured DATABASE_URL is {url.get_backend_name()}."
        )
    if manifest.migration_head and manifest.migration_head not in known_revisions(app):
        raise BackupError(
            f"The backup's schema is at migration {manifest.migration_head}, which this version does not know: "
            f"restore it with the version that made it ({manifest.version}) or newer."
        )
    if not force and not is_empty():
        raise BackupError("The database is not empty: restore into a new database, or pass --force to replace it.")
    uploads = upload_folder(app)
    if not force and _upload_files(uploads):
        raise BackupError(f"The upload folder {uploads} is not empty: empty it, or pass --force to add to it.")
    with _extracted(source, manifest) as work:
        log("Archive checked against its manifest.")
        db.session.remove()
        if manifest.dialect == "sqlite":
            _restore_sqlite(url.database, work / SQLITE_MEMBER)
        else:
            _restore_postgres(pg_restore, work / PGDUMP_MEMBER)
        rows = database_rows()
        wrong = {
            name: (expected, rows.get(name)) for name, expected in manifest.counts.items() if rows.get(name) != expected
        }
        if wrong:
            details = ", ".join(f"{name}: {got} rows, manifest {want}" for name, (want, got) in sorted(wrong.items()))
            raise BackupError(f"The restored database does not match the manifest: {details}")
        restored = 0
        folder = work / UPLOADS
        if folder.is_dir():
            uploads.mkdir(parents=True, exist_ok=True)
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    target = uploads / path.relative_to(folder)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
                    restored += 1
    log(
        f"Restored {sum(rows.values())} rows in {len(rows)} tables "
        f"(migration {manifest.migration_head}) and {restored} uploads."
    )
    return RestoreReport(manifest=manifest, rows=sum(rows.values()), uploads=restored)


def _restore_sqlite(target_path: str | None, snapshot: Path) -> None:
    if not target_path or target_path == ":memory:":
        raise BackupError("The configured SQLite database is in memory: restore into a file.")
    db.engine.dispose()
    Path(target_path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target, pages=-1)  # replaces the target's pages, whatever it held
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def _restore_postgres(pg_restore: str, dump: Path) -> None:
    tool_version(pg_restore)
    # Whatever the database holds goes first, so the restore does not meet old rows or a newer schema.
    with db.engine.begin() as conn:
        for name in inspect(conn).get_table_names():
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    db.engine.dispose()
    args, env = libpq_environment()
    command = [
        shutil.which(pg_restore) or pg_restore,
        "--no-owner",
        "--no-privileges",
        "--no-password",
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        *args,
        str(dump),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed ({result.returncode}): {result.stderr.strip()}")
