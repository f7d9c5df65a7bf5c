"""Fixtures for the catalog tests: fixture catalogs, staff clients, a local catalog server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from civicboard.datasets import jobs
from civicboard.datasets.importers import parse
from civicboard.datasets.models import Dataset, ImportRun
from civicboard.extensions import db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalogs"


def fixture_path(name: str) -> str:
    """The path of a fixture catalog, as a string (what the command line takes)."""
    return str(FIXTURES / name)


def load(name: str) -> bytes:
    """The raw bytes of a fixture catalog."""
    return (FIXTURES / name).read_bytes()


def count(model: Any, *conditions: Any) -> int:
    """How many rows of a model match."""
    return db.session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()


def datasets_of(source: str) -> dict[str, Dataset]:
    """The datasets of a source keyed by source_id, read fresh from the database."""
    db.session.expire_all()
    rows = db.session.execute(select(Dataset).where(Dataset.source == source)).scalars()
    return {d.source_id: d for d in rows}


def runs() -> list[ImportRun]:
    """Every import run, oldest first, read fresh."""
    db.session.expire_all()
    return list(db.session.execute(select(ImportRun).order_by(ImportRun.id)).scalars())


@pytest.fixture
def import_fixture(app) -> Callable[..., jobs.ImportSummary]:
    """Import a fixture catalog through the service and commit: import_fixture("x.json", "src")."""

    def do_import(name: str, source: str = "test", **options: Any) -> jobs.ImportSummary:
        summary = jobs.import_catalog(source, parse(load(name)), **options)
        db.session.commit()
        return summary

    return do_import


@pytest.fixture
def staff(user_factory):
    """A staff member (who may manage datasets and respond)."""
    return user_factory(roles=["staff"], department="Innovation and Analytics")


@pytest.fixture
def resident(user_factory):
    """A resident without any staff role."""
    return user_factory()


@pytest.fixture
def staff_client(client, staff, login):
    """A client logged in as staff."""
    login(client, staff)
    return client


@pytest.fixture
def resident_client(client, resident, login):
    """A client logged in as a resident."""
    login(client, resident)
    return client


# --------------------------------------------------------------------------- #
# A local catalog server (127.0.0.1, a free port, stopped by the test)
# --------------------------------------------------------------------------- #


class CatalogHandler(BaseHTTPRequestHandler):
    """/files/<name> serves a fixture catalog; /api/3/action/package_search pages a fake CKAN.

    /slow/<name> serves a fixture only once the test sets ``server.release`` (or after 10 s);
    /docs/<key> serves ``server.documents[key]``; /status/<code> answers with that status.
    """

    server: CatalogServer

    def log_message(self, format, *args):
        """Keep test output quiet."""

    def do_GET(self):
        parts = urlsplit(self.path)
        self.server.paths.append(self.path)
        if parts.path.startswith("/slow/"):
            self.server.release.wait(timeout=10)
            parts = parts._replace(path="/files/" + parts.path.removeprefix("/slow/"))
        if parts.path.startswith("/files/"):
            path = FIXTURES / parts.path.removeprefix("/files/")
            if path.parent == FIXTURES and path.is_file():
                return self.send_body(path.read_bytes())
        elif parts.path.startswith("/docs/") and parts.path.removeprefix("/docs/") in self.server.documents:
            return self.send_body(self.server.documents[parts.path.removeprefix("/docs/")])
        elif parts.path.startswith("/status/"):
            return self.send_body(b"{}", status=int(parts.path.removeprefix("/status/")))
        elif parts.path == "/api/3/action/package_search":
            return self.send_body(self.ckan_page(parse_qs(parts.query)))
        self.send_body(b"not found", status=404)

    def ckan_page(self, query: dict[str, list[str]]) -> bytes:
        start, rows = int(query["start"][0]), min(int(query["rows"][0]), self.server.ckan_rows_max)
        packages = [
            {"id": f"pkg-{i}", "title": f"Dataset {i}", "resources": [{"url": f"https://data.example.org/{i}.csv"}]}
            for i in range(start, min(start + rows, self.server.ckan_total))
        ]
        return json.dumps({"success": True, "result": {"count": self.server.ckan_total, "results": packages}}).encode()

    def send_body(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class CatalogServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that records the paths it was asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CatalogHandler)
        self.paths: list[str] = []
        self.release = threading.Event()
        self.documents: dict[str, bytes] = {}
        self.ckan_total = 250
        self.ckan_rows_max = 1000

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def catalog_server() -> Iterator[CatalogServer]:
    """Serve the fixture catalogs on 127.0.0.1 for one test."""
    httpd = CatalogServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _background_runs_finish(app) -> Iterator[None]:
    """A test's background imports end before its database is emptied for the next test."""
    yield
    jobs.wait_for_background()


@pytest.fixture
def allow_private(app):
    """Let the fetcher reach the loopback test server (production never does)."""
    app.config["CATALOG_ALLOW_PRIVATE_ADDRESSES"] = True
    app.config["CATALOG_FETCH_TIMEOUT"] = 5
    return app
