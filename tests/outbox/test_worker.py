"""The worker's queue storage follows the configuration: SQLite in development, Redis with REDIS_URL."""

from __future__ import annotations

from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from civicboard.outbox import worker
from tests.conftest import make_app


def test_development_queues_in_a_sqlite_file(database_url, tmp_path):
    app = make_app(database_url, TESTING=False, REDIS_URL=None, HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    assert isinstance(app.extensions["huey"].storage, SqliteStorage)
    assert (tmp_path / "huey.db").exists()


def test_redis_url_queues_in_redis(database_url):
    app = make_app(database_url, TESTING=False, REDIS_URL="redis://127.0.0.1:6399/0")
    assert isinstance(app.extensions["huey"].storage, RedisStorage)


def test_tests_queue_in_memory(app):
    assert isinstance(worker.huey.storage, MemoryStorage)


def test_flask_worker_is_a_command(runner):
    result = runner.invoke(args=["worker", "--help"])
    assert result.exit_code == 0
    assert "background worker" in result.output
