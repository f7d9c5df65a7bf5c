"""/readyz answers 200 only when the database, Redis (if configured) and the schema are ready."""

from __future__ import annotations

import flask_migrate
from alembic.script import ScriptDirectory

from civicboard.extensions import db
from tests.conftest import Client, make_app


def _client(app) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


def test_healthz_stays_a_cheap_liveness_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ok_on_a_migrated_database(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        response = _client(app).get("/readyz")
        db.engine.dispose()
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_is_503_with_the_reason_when_migrations_are_behind(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        script = ScriptDirectory(app.extensions["migrate"].directory)
        previous = script.get_revision(script.get_current_head()).down_revision
        flask_migrate.upgrade(revision=previous)
        response = _client(app).get("/readyz")
        db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert f"database at {previous}" in body["checks"]["migrations"]
    assert "flask db upgrade" in body["checks"]["migrations"]


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    with app.app_context():
        response = _client(app).get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unreachable")


def test_readyz_is_503_when_redis_is_configured_but_down(database_url, _schema):
    app = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        response = _client(app).get("/readyz")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("unreachable")


def test_the_shipped_heads_are_alembics_own(app):
    from civicboard.ops.health import migration_heads

    assert migration_heads(app) == set(ScriptDirectory(app.extensions["migrate"].directory).get_heads())


def test_a_web_worker_never_loads_the_migration_tooling_or_the_heavy_libraries(empty_database_url):
    """Alembic (with Mako and Pygments, ~9 MB) loads for `flask db` and tests, Shapely with NumPy
    (~15 MB) for a point or a boundary, Pillow (~5 MB) for an upload: none for /readyz."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import json, sys\n"
        "from civicboard import create_app\n"
        "from config import TestingConfig\n"
        f"app = create_app(TestingConfig, {{'SQLALCHEMY_DATABASE_URI': {empty_database_url!r}}})\n"
        "answer = app.test_client().get('/readyz')\n"
        "heavy = {'alembic', 'flask_migrate', 'mako', 'pygments', 'shapely', 'numpy', 'PIL'}\n"
        "tooling = {name.split('.')[0] for name in sys.modules} & heavy\n"
        "print(json.dumps([answer.status_code, answer.get_json()['checks']['migrations'], sorted(tooling)]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    status, migrations, tooling = json.loads(done.stdout.strip().splitlines()[-1])
    # An empty database is behind the code: read without Alembic all the same.
    assert status == 503 and migrations.startswith("database at none, code expects 00")
    assert tooling == []
