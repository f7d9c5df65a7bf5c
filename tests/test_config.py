"""Configuration from the environment, and the database connection settings."""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from civicboard import create_app
from civicboard.extensions import db
from config import ProductionConfig, normalise_database_url


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, {"SECRET_KEY": None})


def test_environment_selects_the_config(monkeypatch):
    from config import config_from_env

    monkeypatch.setenv("CIVICBOARD_ENV", "production")
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("CIVICBOARD_ENV", "nonsense")
    with pytest.raises(RuntimeError):
        config_from_env()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_database_connections_are_configured(app, is_postgres):
    """SQLite: WAL, enforced foreign keys, a busy timeout, no ping before use (a local file).
    PostgreSQL: psycopg 3, each connection pinged before use (a server may have restarted)."""
    assert db.engine.pool._pre_ping is is_postgres
    with db.engine.connect() as conn:
        if is_postgres:
            assert db.engine.dialect.driver == "psycopg"
            assert conn.execute(text("SELECT 1")).scalar() == 1
        else:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_redis_url_becomes_the_rate_limit_storage(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, REDIS_URL="redis://127.0.0.1:6379/15")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    assert make_app(database_url).config["RATELIMIT_STORAGE_URI"] == "process-memory://"


def _production(database_url, **overrides):
    return create_app(ProductionConfig, {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})


def test_production_refuses_to_start_without_civicboard_url(database_url, monkeypatch):
    monkeypatch.delenv("CIVICBOARD_URL", raising=False)
    with pytest.raises(RuntimeError, match="CIVICBOARD_URL"):
        _production(database_url, CIVICBOARD_URL=None)


@pytest.mark.parametrize("url", ["board.example.gov", "ftp://board.example.gov", "https://", "https://x.gov/?a=1"])
def test_a_civicboard_url_that_is_not_a_base_url_is_refused(database_url, url):
    with pytest.raises(RuntimeError, match="CIVICBOARD_URL"):
        _production(database_url, CIVICBOARD_URL=url)


def test_production_takes_civicboard_url_without_its_trailing_slash(database_url):
    app = _production(database_url, CIVICBOARD_URL="https://Board.Example.gov/")
    assert app.config["CIVICBOARD_URL"] == "https://board.example.gov"


def test_development_links_default_to_where_make_run_serves(database_url):
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "CIVICBOARD_URL": None})
    assert app.config["CIVICBOARD_URL"] == "http://127.0.0.1:5000"


def test_development_links_follow_server_name_when_set(database_url):
    from config import DevelopmentConfig

    app = create_app(
        DevelopmentConfig,
        {"SQLALCHEMY_DATABASE_URI": database_url, "CIVICBOARD_URL": None, "SERVER_NAME": "board.test:8080"},
    )
    assert app.config["CIVICBOARD_URL"] == "http://board.test:8080"


# -- rate limits without Redis are per worker: say so at start-up ---------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_several_workers_without_redis_get_a_warning():
    from civicboard.security import per_worker_limits_warning

    message = per_worker_limits_warning(4, None)
    assert "4 workers" in message and "REDIS_URL" in message


@pytest.mark.parametrize(("workers", "redis_url"), [(1, None), (4, "redis://127.0.0.1:6379/0")])
def test_one_worker_or_redis_needs_no_warning(workers, redis_url):
    from civicboard.security import per_worker_limits_warning

    assert per_worker_limits_warning(workers, redis_url) is None


def _gunicorn_hooks() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


class _FakeArbiter:
    """What gunicorn hands to when_ready: its settings and its logger."""

    def __init__(self, workers: int, threads: int = 1) -> None:
        self.cfg = SimpleNamespace(workers=workers, threads=threads)
        self.warnings: list[str] = []
        self.log = SimpleNamespace(warning=self.warnings.append)


def test_the_gunicorn_hook_stays_quiet_with_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    arbiter = _FakeArbiter(workers=4)
    _gunicorn_hooks()["when_ready"](arbiter)
    assert arbiter.warnings == []


def test_threaded_workers_get_a_warning_and_one_thread_is_the_default(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    hooks = _gunicorn_hooks()
    assert hooks["threads"] == 1
    arbiter = _FakeArbiter(workers=4, threads=4)
    hooks["when_ready"](arbiter)
    assert len(arbiter.warnings) == 1
    assert "4 threads" in arbiter.warnings[0] and "--threads 1" in arbiter.warnings[0]


def test_gunicorn_with_two_workers_and_no_redis_warns_once_at_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
    env.update(
        CIVICBOARD_ENV="development",
        CIVICBOARD_INSTANCE=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'board.db'}",
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while "Booting worker" not in log_path.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log_path.read_text()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Booting worker" in text, text
    assert text.count("Rate limits are kept in memory, per worker process: with 2 workers") == 1, text
