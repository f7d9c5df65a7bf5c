"""Browser-test fixtures: one real server and one Chromium per session, a fresh context per test.

The server is gunicorn in a subprocess on a free 127.0.0.1 port, on a fresh database (a temp
SQLite file, or a new PostgreSQL database beside TEST_DATABASE_URL) migrated with `flask db
upgrade` and loaded with `flask demo seed`. The browser is Debian's Chromium (never a downloaded
build), driven by Playwright. When a test fails, every page it opened is saved, as a full-page
screenshot and its HTML, into e2e-artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from tests.e2e import server

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = server.ROOT / "e2e-artifacts"
CHROMIUM = os.environ.get("CIVICBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 10_000  # explicit waits give up after this; nothing sleeps

CONTEXTS_KEY = pytest.StashKey[list[BrowserContext]]()
SAVED_KEY = pytest.StashKey[bool]()

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in tests/e2e is an `e2e` test (so `make e2e` can select them)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Save a full-page screenshot and the HTML of every open page of a failing test."""
    report = yield
    if report.failed and report.when in ("setup", "call") and not item.stash.get(SAVED_KEY, False):
        item.stash[SAVED_KEY] = True
        saved = save_artifacts(item.nodeid, item.stash.get(CONTEXTS_KEY, []))
        if saved:
            report.sections.append(("e2e artifacts", "\n".join(str(p) for p in saved)))
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[-150:]


def save_artifacts(name: str, contexts: list[BrowserContext]) -> list[Path]:
    """Write <name>-<n>.png (full page) and <name>-<n>.html for each open page."""
    ARTIFACTS.mkdir(exist_ok=True)
    saved: list[Path] = []
    pages = [page for context in contexts for page in context.pages if not page.is_closed()]
    for n, page in enumerate(pages, start=1):
        png, html = (ARTIFACTS / f"{_slug(name)}-{n}.{ext}" for ext in ("png", "html"))
        try:
            page.screenshot(path=str(png), full_page=True, timeout=5_000)
            saved.append(png)
            html.write_text(f"<!-- {page.url} -->\n" + page.content(), encoding="utf-8")
            saved.append(html)
        except Exception as exc:  # the page may be mid-navigation or gone; keep reporting the failure
            saved.append(Path(f"(could not save page {n} at {page.url}: {exc})"))
    return saved


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.LiveServer]:
    """A real server on a fresh, migrated and seeded database, stopped after the session."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    with server.fresh_database(workdir) as database_url:
        running = server.start(database_url, workdir)
        try:
            yield running
        finally:
            server.stop_process(running.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one for the whole session (missing: skipped locally, failing under CI)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make e2e-deps` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class ConsoleWatch:
    """Collects Content-Security-Policy violations and uncaught errors reported by pages."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught script error: {error}")

    def attach(self, page: Page) -> None:
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest, browser: Browser, live_server: server.LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """A factory of fresh browser contexts (one per person in a test), closed afterwards.

    Pages keep the real Content-Security-Policy; a violation, or an uncaught script error,
    fails the test.
    """
    contexts: list[BrowserContext] = []
    request.node.stash[CONTEXTS_KEY] = contexts
    watch = ConsoleWatch()

    def factory(**options) -> BrowserContext:
        options = {"base_url": live_server.url, "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("page", watch.attach)
        contexts.append(context)
        return context

    yield factory
    problems = list(watch.problems)
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a fresh context (no cookies), at the live server's base URL."""
    return new_context().new_page()


@pytest.fixture
def step(request: pytest.FixtureRequest) -> Callable[[str], contextlib.AbstractContextManager[None]]:
    """`with step("staff respond"):` names a part of a long journey: on failure its pages are
    saved under that name and the error says which step broke."""

    @contextlib.contextmanager
    def named(name: str) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            if not request.node.stash.get(SAVED_KEY, False):
                request.node.stash[SAVED_KEY] = True
                saved = save_artifacts(f"{request.node.nodeid}-{name}", request.node.stash.get(CONTEXTS_KEY, []))
                exc.add_note(f"journey step {name!r} failed; pages saved: {', '.join(map(str, saved)) or 'none'}")
            else:
                exc.add_note(f"journey step {name!r} failed")
            raise

    return named
