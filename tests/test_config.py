"""Configuration from the environment, and the database connection settings."""

from __future__ import annotations

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
    """SQLite: WAL, enforced foreign keys, a busy timeout. PostgreSQL: psycopg 3."""
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
    assert make_app(database_url).config["RATELIMIT_STORAGE_URI"] == "memory://"


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
