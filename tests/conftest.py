"""Shared fixtures: app, client, runner, login helper, and factories.

The suite runs on SQLite by default. With TEST_DATABASE_URL set (a PostgreSQL URL) it runs
on that database instead; under CI a skipped test on PostgreSQL fails the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event, text

from civicboard import create_app
from civicboard.auth import services as auth_services
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.pages import branding
from config import TestingConfig, normalise_database_url
from tests.databases import worker_database
from tests.smtp import Recorder, running

DEFAULT_PASSWORD = "correct horse battery"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (TEST_DATABASE_URL)")
    config.addinivalue_line("markers", "redis: needs a Redis server")
    _compile_catalogs()


def _compile_catalogs() -> None:
    """Build stale .mo files as `make catalogs` does, so a bare `pytest` serves every language."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parents[1] / "civicboard" / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        # Written aside and renamed into place: test workers may compile at the same time.
        partial = mo.with_name(f"{mo.name}.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI on PostgreSQL, any skipped test is a failure: nothing may silently not run."""
    if not (os.environ.get("CI") and os.environ.get("TEST_DATABASE_URL")) or hasattr(session.config, "workerinput"):
        return  # (test workers report to the controlling process, which counts every skip)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped on PostgreSQL; failing the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database the suite runs on."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return worker_database(normalise_database_url(url))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the whole run.

    Each test builds a fresh app, and each app would compile every template it renders again
    (a tenth of a second for the home page); sharing the compiled code across apps keeps that
    to once per run. A changed template has another checksum, so it is never served stale.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedBytecodeCache()


def make_app(database_url: str, **overrides: Any) -> Flask:
    """An app on the test database with test settings."""
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    return app


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    """Create every table once per run (the migrations have their own test)."""
    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.commit()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_tables(is_pg: bool) -> None:
    """Delete every row and restart the id sequences.

    DELETE, not TRUNCATE: on PostgreSQL, TRUNCATE of ~30 tables costs a quarter of a second
    (new files for each table), DELETE of a test's few rows a few milliseconds.
    """
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if is_pg:
            sequences = conn.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"
            ).scalars()
            statements = [f'DELETE FROM "{table}"' for table in tables]
            statements += [f"SELECT setval('\"{name}\"', 1, false)" for name in sequences]
            conn.exec_driver_sql("; ".join(statements))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def app(database_url: str, _schema: None, is_postgres: bool, tmp_path_factory) -> Iterator[Flask]:
    """A fresh app with empty tables and no stored snapshots, inside an app context."""
    app = make_app(
        database_url,
        EXPORT_FOLDER=str(tmp_path_factory.mktemp("snapshots")),
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")),
    )
    with app.app_context():
        _empty_tables(is_postgres)
        # A running process has read the board's branding already (once per process, see
        # civicboard/pages/branding.py): query budgets count what each request asks.
        branding.current()
        yield app
        db.session.remove()
        db.engine.dispose()


class Client(FlaskClient):
    """A test client that can send forms with a valid CSRF token.

    Each request runs in its own app context, as in production: otherwise Flask reuses the
    test's context, and `g` (the logged-in user) and the database session would leak between
    requests and clients.
    """

    def open(self, *args: Any, **kwargs: Any):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)

    def csrf_token(self) -> str:
        """A signed CSRF token for this client's session, as a form would carry."""
        app = self.application
        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = os.urandom(20).hex()
            raw = sess["csrf_token"]
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
        """POST a form with a CSRF token."""
        payload = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_client(app: Flask) -> Callable[[], Client]:
    """A second, third... browser."""

    def factory() -> Client:
        app.test_client_class = Client
        return app.test_client()  # type: ignore[return-value]

    return factory


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def user_factory(app: Flask) -> Callable[..., User]:
    """Create and commit a user: user_factory(roles=["staff"], department="Parks").

    Users are confirmed (as `flask users create` makes them); confirmed=False makes one that
    has not followed its confirmation link yet.
    """
    counter = {"n": 0}

    def factory(
        email: str | None = None,
        name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        roles: list[str] | tuple[str, ...] = (),
        department: str | None = None,
        confirmed: bool = True,
    ) -> User:
        counter["n"] += 1
        n = counter["n"]
        user = auth_services.create_user(
            email or f"person{n}@example.org", name or f"Person {n}", password, list(roles), department
        )
        if not confirmed:
            user.email_confirmed_at = None
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login(app: Flask) -> Callable[..., Any]:
    """Log a client in through the real login form; returns the response."""

    def do_login(client: Client, user: User, password: str = DEFAULT_PASSWORD, remember: bool = False):
        data = {"email": user.email, "password": password}
        if remember:
            data["remember"] = "y"
        response = client.form("/login", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def residents(user_factory: Callable[..., User]) -> Callable[[int], list[User]]:
    """residents(3) -> three new residents."""

    def make(n: int) -> list[User]:
        return [user_factory() for _ in range(n)]

    return make


@pytest.fixture
def logged_in(client: Client, user_factory: Callable[..., User], login: Callable[..., Any]):
    """A client logged in as a new resident; returns (client, user)."""
    user = user_factory()
    login(client, user)
    return client, user


class QueryCounter:
    """Counts SQL statements sent while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """with count_queries() as counter: ...; counter.count is the number of statements."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


def csrf_field(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token in page"
    return match.group(1) or match.group(2)


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """A URL to a new, empty database of the same kind as the suite's (dropped afterwards)."""
    from tests.databases import temporary_database

    with temporary_database(database_url, tmp_path, "tmp") as url:
        yield url


# -- domain factories (rows written directly; feature tests use the services) ------------


@pytest.fixture
def dataset_factory(app: Flask) -> Callable[..., Any]:
    """Create and commit a dataset: dataset_factory(title="Transit Stops")."""
    from civicboard.datasets.models import Dataset, Distribution

    counter = {"n": 0}

    def factory(title: str | None = None, source: str = "test", **fields: Any) -> Dataset:
        counter["n"] += 1
        n = counter["n"]
        distributions = fields.pop("distributions", None)
        dataset = Dataset(
            source=source,
            source_id=fields.pop("source_id", f"ds-{n}"),
            title=title or f"Dataset {n}",
            description=fields.pop("description", f"Description of dataset {n}."),
            **fields,
        )
        for i, (dist_title, url, fmt) in enumerate(
            distributions or [("CSV", f"https://data.example.org/{n}.csv", "CSV")]
        ):
            dataset.distributions.append(Distribution(position=i, title=dist_title, url=url, format=fmt))
        db.session.add(dataset)
        db.session.commit()
        return dataset

    return factory


@pytest.fixture
def category_factory(app: Flask) -> Callable[..., Any]:
    """Create and commit a category."""
    from civicboard.problems.models import Category

    counter = {"n": 0}

    def factory(name: str | None = None, **fields: Any) -> Category:
        counter["n"] += 1
        name = name or f"Category {counter['n']}"
        category = Category(name=name, slug=name.lower().replace(" ", "-"), **fields)
        db.session.add(category)
        db.session.commit()
        return category

    return factory


@pytest.fixture
def problem_factory(app: Flask, user_factory: Callable[..., User]) -> Callable[..., Any]:
    """Create and commit a problem row directly (no services): problem_factory(datasets=[ds])."""
    from civicboard.markup import render
    from civicboard.problems.models import Problem, ProblemDataset
    from civicboard.problems.ranking import hot_score
    from civicboard.timeutil import utcnow

    counter = {"n": 0}

    def factory(title: str | None = None, author: User | None = None, datasets: list | None = None, **fields: Any):
        counter["n"] += 1
        n = counter["n"]
        description = fields.pop("description", f"Description of problem {n}.")
        created_at = fields.pop("created_at", utcnow())
        problem = Problem(
            title=title or f"Problem number {n}",
            description=description,
            description_html=render(description),
            author_id=(author or user_factory()).id,
            created_at=created_at,
            updated_at=created_at,
            last_activity_at=created_at,
            **fields,
        )
        problem.hot = hot_score(problem.vote_count or 0, problem.comment_count or 0, created_at)
        for i, dataset in enumerate(datasets or []):
            problem.dataset_links.append(ProblemDataset(dataset_id=dataset.id, position=i))
        db.session.add(problem)
        db.session.commit()
        return problem

    return factory


@pytest.fixture
def smtp_to(app: Flask) -> Callable[[int], None]:
    """smtp_to(port): deliver this app's mail by SMTP to 127.0.0.1:port, without TLS."""

    def configure(port: int) -> None:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)

    return configure


@pytest.fixture
def smtp_server(smtp_to: Callable[[int], None]) -> Iterator[Recorder]:
    """A real SMTP server in the test process (tests/smtp.py); the app sends to it."""
    handler = Recorder()
    with running(handler) as port:
        smtp_to(port)
        yield handler
