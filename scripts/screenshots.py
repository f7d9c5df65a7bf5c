"""Screenshots of the main pages, for each role, on a phone (390 px) and a desktop (1280 px).

Serves the demo city on a fresh SQLite database (the browser tests' server), drives Debian's
Chromium with Playwright and writes PNGs into docs/screenshots/. Run with `make screenshots`;
`--only NAME` (repeatable) keeps the shots whose file name contains NAME.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from civicboard.demo import DEMO_PASSWORD  # noqa: E402
from tests.e2e import server  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

# role -> (account, [(name, path)])
SHOTS: dict[str, tuple[str | None, list[tuple[str, str]]]] = {
    "anonymous": (
        None,
        [
            ("home", "/"),
            ("problem", "/problems/1"),
            ("map", "/map"),
            ("neighbourhoods", "/neighbourhoods"),
            ("neighbourhood", "/neighbourhoods/3"),
            ("datasets", "/datasets"),
            ("data-requests", "/data-requests"),
            ("challenge", "/challenges/somerville-streets-data-jam"),
            ("insights", "/insights"),
            ("api-docs", "/api/docs"),
        ],
    ),
    "resident": (
        "resident@demo.example.org",
        [("propose", "/problems/new"), ("account", "/account"), ("neighbourhood", "/neighbourhoods/3")],
    ),
    "staff": ("staff@demo.example.org", [("queue", "/staff"), ("problem", "/problems/1")]),
    "moderator": ("moderator@demo.example.org", [("moderation", "/moderation")]),
    "organizer": ("organizer@demo.example.org", [("challenges", "/challenges")]),
    "admin": ("admin@demo.example.org", [("admin", "/admin"), ("branding", "/admin/branding")]),
}


def log_in(page: Page, email: str) -> None:
    """Log in through the form."""
    page.goto("/login")
    main = page.get_by_role("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(DEMO_PASSWORD)
    main.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _kept(name: str, only: list[str]) -> bool:
    return not only or any(part in name for part in only)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="keep shots whose file name contains this")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, server.fresh_database(Path(tmp)) as database_url:
        live = server.start(database_url, Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for role, (email, pages) in SHOTS.items():
                    for size, viewport in SIZES.items():
                        wanted = [(n, p) for n, p in pages if _kept(f"{role}-{n}-{size}", args.only)]
                        if not wanted:
                            continue
                        context = browser.new_context(base_url=live.url, viewport=viewport)
                        page = context.new_page()
                        if email:
                            log_in(page, email)
                        for name, path in wanted:
                            page.goto(path)
                            target = OUT / f"{role}-{name}-{size}.png"
                            page.screenshot(path=str(target), full_page=args.full_page)
                            print(target.relative_to(ROOT))
                        context.close()
                browser.close()
        finally:
            server.stop_process(live.process)


if __name__ == "__main__":
    main()
