"""Profile pages on the city-scale data in one process: `python bench/profile_pages.py [PAGE ...]`.

Runs each page REPEAT times through Flask's test client (production settings, the page cache
off unless --kept, signed in as the demo resident unless --anonymous) under cProfile and prints the top
lines by cumulative and by own time. Seed the data first (`make bench` does).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import logging
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402 - bench/run.py, beside this file


def pages(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        busy = conn.execute(
            text(
                "SELECT id FROM problems WHERE hidden_at IS NULL AND comment_count BETWEEN 180 AND 260 "
                "ORDER BY comment_count DESC, id LIMIT 1"
            )
        ).scalar()
        busiest = conn.execute(
            text("SELECT id FROM problems WHERE hidden_at IS NULL ORDER BY comment_count DESC, id LIMIT 1")
        ).scalar()
    engine.dispose()
    return {
        "home": "/",
        "problem": f"/problems/{busy}",
        "busiest": f"/problems/{busiest}",
        "search": "/search?q=bus",
        "datasets": "/datasets",
        "api": "/api/v1/problems",
        "vote": "vote",
    }


def vote_toggles(app, url: str):
    """The vote target's requests: PUT then DELETE over open problems, with a fresh API token."""
    from sqlalchemy import create_engine, text

    from civicboard.auth import services as auth_services
    from civicboard.extensions import db

    engine = create_engine(url)
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                text(
                    "SELECT id FROM problems WHERE hidden_at IS NULL AND locked_at IS NULL AND status = 'open' "
                    "ORDER BY id DESC LIMIT 200"
                )
            ).scalars()
        )
    engine.dispose()
    with app.app_context():
        user = auth_services.find_user_by_email(run.VOTER)
        _token, raw = auth_services.create_api_token(user, "profile")
        db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    calls = [(method, f"/api/v1/problems/{i}/vote") for i in ids for method in ("PUT", "DELETE")]
    state = {"next": 0}

    def one(client):
        method, path = calls[state["next"] % len(calls)]
        state["next"] += 1
        return client.open(path, method=method, headers=headers)

    return one


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=["home", "problem", "search", "datasets"])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("--anonymous", action="store_true")
    parser.add_argument(
        "--kept",
        action="store_true",
        help="page cache on: signed-in pages come from their skeleton (civicboard.skeletons)",
    )
    args = parser.parse_args()

    url = run.database_url()
    os.environ.update(run.server_env(url, "profile-" + "x" * 32))
    os.environ["PAGE_CACHE_SECONDS"] = "3600" if args.kept else "0"
    from civicboard import create_app

    app = create_app(overrides={"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    logging.getLogger("civicboard").setLevel(logging.WARNING)  # no line per request in the profile
    client = app.test_client()
    if not args.anonymous:
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        answer = client.post(
            "/login",
            data={"csrf_token": token, "email": run.VOTER, "password": run.DEMO_PASSWORD},
            headers={"Referer": "https://localhost/login"},
        )
        assert answer.status_code in (302, 303), (answer.status_code, answer.get_data(as_text=True)[-3000:])
    paths = pages(url)
    gc.collect()
    gc.freeze()  # as wsgi.py does in each worker
    for name in args.pages:
        path = paths[name]
        if name == "vote":
            fetch, reader = vote_toggles(app, url), app.test_client()  # the token alone, no cookie
        else:
            fetch, reader = (lambda c, path=path: c.get(path)), client
        for _ in range(3):  # warm caches (templates, statement cache)
            fetch(reader)
        times = []
        for _ in range(args.repeat * 3):
            started = time.perf_counter()
            fetch(reader)
            times.append(time.perf_counter() - started)
        plain = statistics.median(times) * 1000
        profiler = cProfile.Profile()
        started = time.process_time()
        profiler.enable()
        for _ in range(args.repeat):
            response = fetch(reader)
        profiler.disable()
        per_request = (time.process_time() - started) / args.repeat * 1000
        print(
            f"\n=== {name} {path}: {response.status_code}, {len(response.data) / 1024:.0f} KB, "
            f"median {plain:.1f} ms per request; {per_request:.1f} ms of CPU under the profiler ==="
        )
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.lines)
            text = out.getvalue()
            print(text[text.index("   ncalls") :].rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
