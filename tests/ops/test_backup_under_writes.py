"""A backup taken while residents propose, vote and comment against a live server restores
into a fresh database with every counter equal to a recount and no half-written row."""

from __future__ import annotations

import time

from sqlalchemy import func, select, text

from civicboard.extensions import db
from civicboard.problems import counters
from civicboard.problems.models import Comment, Problem, Vote
from tests.conftest import make_app
from tests.databases import temporary_database
from tests.ops import live

WRITERS = 4
WRITE_SECONDS_AT_MOST = 60.0
# The backup starts once this many problems exist, and the writers go on for a while after it.
PROBLEMS_BEFORE_BACKUP = 8
WRITES_AFTER_BACKUP_SECONDS = 1.5


def _rows(url: str) -> dict[str, int]:
    app = make_app(url)
    with app.app_context():
        found = {
            "problems": db.session.scalar(select(func.count()).select_from(Problem)),
            "votes": db.session.scalar(select(func.count()).select_from(Vote)),
            "comments": db.session.scalar(select(func.count()).select_from(Comment)),
        }
        db.session.remove()
        db.engine.dispose()
    return found


def test_backup_while_residents_write_restores_consistently(tmp_path, database_url):
    with (
        temporary_database(database_url, tmp_path, "live") as live_url,
        temporary_database(database_url, tmp_path, "restored") as restored_url,
    ):
        env = live.environment(live_url, tmp_path)
        live.migrate(env)
        tokens = live.residents_with_tokens(live_url, WRITERS)
        with live.running(env, tmp_path, workers=4) as server:
            stop = tmp_path / "stop-writing"
            writers = live.start_writers(server.url, tokens, WRITE_SECONDS_AT_MOST, stop)
            try:
                live.wait_until(
                    lambda: live.row_count(live_url, "problems") >= PROBLEMS_BEFORE_BACKUP,
                    timeout=30,
                    what="the writers' first problems",
                )
                made = live.flask(["backup", "create", str(tmp_path / "backups")], env)
                time.sleep(WRITES_AFTER_BACKUP_SECONDS)
            finally:
                stop.touch()
                reports = live.wait_for_writers(writers)
        assert made.returncode == 0, made.stdout + made.stderr
        archive = made.stdout.strip().splitlines()[-1].removeprefix("Backup written to ")
        assert not any(report["errors"] for report in reports), reports
        assert sum(report["proposed"] for report in reports) > 0
        final = _rows(live_url)

        restored_env = live.environment(restored_url, tmp_path / "restored")
        result = live.flask(["backup", "restore", archive], restored_env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Every counter matches its recount." in result.stdout

        app = make_app(restored_url)
        with app.app_context():
            assert counters.recount() == []
            restored = {
                "problems": db.session.scalar(select(func.count()).select_from(Problem)),
                "votes": db.session.scalar(select(func.count()).select_from(Vote)),
                "comments": db.session.scalar(select(func.count()).select_from(Comment)),
            }
            # No half-written problem: each is whole (rendered text, author, hot score from its counts).
            assert (
                db.session.scalar(
                    select(func.count())
                    .select_from(Problem)
                    .where((Problem.description_html == "") | Problem.author_id.is_(None))
                )
                == 0
            )
            if restored_url.startswith("sqlite"):
                assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
                assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            db.session.remove()
            db.engine.dispose()
        # The snapshot was taken mid-way: some writes are in it, later ones are not.
        assert 0 < restored["problems"] <= final["problems"]
        assert restored["votes"] + restored["comments"] < final["votes"] + final["comments"]
