"""flask backup create / restore: a snapshot with a manifest, restored into an empty database."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from civicboard.extensions import db
from civicboard.ops import backup
from civicboard.problems import services as problem_services
from civicboard.problems.models import Comment, Problem, Vote
from tests.conftest import make_app


@pytest.fixture
def board(app, user_factory, dataset_factory, tmp_path):
    """A few problems, votes and comments, and one uploaded file."""
    author, voter = user_factory(), user_factory()
    dataset = dataset_factory()
    for n in range(3):
        problem = problem_services.create_problem(
            author, title=f"Broken streetlight {n}", description="Dark at night.", dataset_ids=[dataset.id]
        )
        db.session.flush()
        problem_services.vote(voter, problem.id)
        problem_services.add_comment(voter, problem, f"Still broken ({n}).")
    db.session.commit()
    uploads = tmp_path / "uploads"
    (uploads / "ab").mkdir(parents=True)
    (uploads / "ab" / "photo.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    app.config["UPLOAD_FOLDER"] = str(uploads)
    return app


def _create(runner, destination: Path, *args: str) -> Path:
    result = runner.invoke(args=["backup", "create", str(destination), *args])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1].removeprefix("Backup written to "))


def _restore_app(url: str, tmp_path: Path):
    return make_app(url, UPLOAD_FOLDER=str(tmp_path / "restored-uploads"))


def test_create_writes_an_archive_with_a_manifest(board, runner, tmp_path, is_postgres):
    archive = _create(runner, tmp_path / "backups")
    assert archive.parent == tmp_path / "backups" and archive.name.endswith(".tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())
    member = "database.pgdump" if is_postgres else "database.sqlite3"
    assert names == {"manifest.json", member, "uploads/ab/photo.jpg"}
    assert manifest["dialect"] == ("postgresql" if is_postgres else "sqlite")
    assert manifest["counts"]["problems"] == 3 and manifest["counts"]["votes"] == 3
    assert manifest["counts"]["comments"] == 3
    assert set(manifest["files"]) == {member, "uploads/ab/photo.jpg"}
    assert all(len(digest) == 64 for digest in manifest["files"].values())
    assert manifest["version"] and manifest["created_at"].endswith("Z")


def test_restore_into_an_empty_database_brings_everything_back(board, runner, tmp_path, empty_database_url):
    archive = _create(runner, tmp_path / "b.tar.gz")
    target = _restore_app(empty_database_url, tmp_path)
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Every counter matches its recount." in result.output
        assert db.session.scalar(select(func.count()).select_from(Problem)) == 3
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 3
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
        assert db.session.scalar(select(Problem.vote_count).where(Problem.title == "Broken streetlight 1")) == 1
        db.session.remove()
        db.engine.dispose()
    restored = tmp_path / "restored-uploads" / "ab" / "photo.jpg"
    assert restored.read_bytes() == b"\xff\xd8 not really a jpeg"


def test_restore_refuses_a_database_that_is_not_empty(board, runner, tmp_path):
    archive = _create(runner, tmp_path / "b.tar.gz")
    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output and "--force" in result.output


def test_restore_with_force_replaces_what_is_there(board, runner, tmp_path, user_factory):
    archive = _create(runner, tmp_path / "b.tar.gz")
    extra = user_factory(email="after-the-backup@example.org")
    problem_services.create_problem(
        extra, title="Written after the backup", description="Gone after restore.", data_request="Counts of lights."
    )
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["backup", "restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Problem)) == 3


def test_a_damaged_archive_is_refused(board, runner, tmp_path, empty_database_url):
    archive = _create(runner, tmp_path / "b.tar.gz")
    manifest = backup.read_manifest(archive)
    manifest.files["uploads/ab/photo.jpg"] = "0" * 64
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            if member.name == "manifest.json":
                data = manifest.to_json().encode()
                member.size = len(data)
                import io

                target.addfile(member, io.BytesIO(data))
            else:
                target.addfile(member, source.extractfile(member))
    app = _restore_app(empty_database_url, tmp_path)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", "restore", str(tampered)])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "does not match its checksum" in result.output


def test_a_file_that_is_not_a_backup_is_refused(runner, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    result = runner.invoke(args=["backup", "restore", str(junk)])
    assert result.exit_code != 0
    assert "not a CivicBoard backup" in result.output


@pytest.mark.postgres
def test_postgres_backup_refuses_a_missing_pg_dump(app, runner, tmp_path, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    result = runner.invoke(args=["backup", "create", str(tmp_path), "--pg-dump", str(tmp_path / "no-pg_dump")])
    assert result.exit_code != 0
    assert "was not found" in result.output and "postgresql-client" in result.output
    assert not list(tmp_path.glob("*.tar.gz"))


@pytest.mark.postgres
def test_postgres_backup_refuses_an_older_pg_dump(app, runner, tmp_path, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    result = runner.invoke(args=["backup", "create", str(tmp_path / "out.tar.gz"), "--pg-dump", str(old)])
    assert result.exit_code != 0
    assert "pg_dump 9.6.24 is older than the server" in result.output
    assert not (tmp_path / "out.tar.gz").exists()
