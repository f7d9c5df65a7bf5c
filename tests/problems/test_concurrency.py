"""Votes stay exact under real concurrency.

A threaded server (werkzeug's make_server, in a spawned process) runs the app on the suite's
database (SQLite in WAL mode, or PostgreSQL) on 127.0.0.1 and a free port. Several client
processes, each logged in as its own user with its own cookies, fire vote and withdraw
requests in parallel from a few threads each (so the same user races with itself). Then the
stored counts must equal the rows: vote_count per problem, and demand per dataset.
"""

from __future__ import annotations

import http.cookiejar
import json
import multiprocessing
import random
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter

from sqlalchemy import func, select

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems.models import Problem, ProblemDataset, Vote
from tests.conftest import DEFAULT_PASSWORD, make_app

WORKERS = 5
THREADS = 3
REQUESTS_PER_THREAD = 16
TIMEOUT = 120  # seconds, for the whole run


def _serve(database_url: str, ports) -> None:
    """Run the app on a free port of 127.0.0.1 until terminated."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = make_app(database_url, RATELIMIT_VOTES="100000 per minute", RATELIMIT_LOGIN="10000 per minute")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    ports.put(server.server_port)
    server.serve_forever()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def _voter(base: str, email: str, problem_ids: list[int], seed: int, results) -> None:
    """Log in, then fire vote/unvote requests from several threads sharing this login."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    statuses: Counter = Counter()
    try:
        login_page = opener.open(f"{base}/login", timeout=30).read().decode()
        form = {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(login_page)}
        opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=30).read()
        page = opener.open(f"{base}/problems/{problem_ids[0]}", timeout=30).read().decode()
        token = _csrf(page)

        def fire(thread_seed: int) -> None:
            rng = random.Random(thread_seed)
            for _ in range(REQUESTS_PER_THREAD):
                action = rng.choice(["vote", "vote", "unvote"])
                problem_id = rng.choice(problem_ids)
                # As the page's script does: the JSON API, with the session and its CSRF token.
                request = urllib.request.Request(
                    f"{base}/api/v1/problems/{problem_id}/vote",
                    method="PUT" if action == "vote" else "DELETE",
                    headers={"Accept": "application/json", "X-CSRFToken": token},
                )
                try:
                    with opener.open(request, timeout=30) as response:
                        body = json.loads(response.read())
                        statuses[(response.status, body.get("voted") is (action == "vote"))] += 1
                except urllib.error.HTTPError as exc:
                    statuses[(exc.code, False)] += 1

        threads = [threading.Thread(target=fire, args=(seed * 100 + n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
    except Exception as exc:  # report, do not hang the parent
        statuses[("error", repr(exc))] += 1
    results.put(dict(statuses))


def test_parallel_votes_keep_vote_counts_and_demand_exact(
    app, database_url, user_factory, dataset_factory, make_problem
):
    shared, extra = dataset_factory(title="Shared dataset"), dataset_factory(title="Extra dataset")
    problems = [make_problem(datasets=[shared]), make_problem(datasets=[shared, extra])]
    voters = [user_factory() for _ in range(WORKERS)]
    problem_ids = [p.id for p in problems]
    emails = [v.email for v in voters]
    dataset_ids = [shared.id, extra.id]
    db.session.remove()

    context = multiprocessing.get_context("spawn")  # no inherited database connections
    ports = context.Queue()
    server = context.Process(target=_serve, args=(database_url, ports), daemon=True)
    server.start()
    workers = []
    try:
        port = ports.get(timeout=60)
        base = f"http://127.0.0.1:{port}"
        results = context.Queue()
        workers = [
            context.Process(target=_voter, args=(base, email, problem_ids, n, results), daemon=True)
            for n, email in enumerate(emails)
        ]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=TIMEOUT) for _ in workers]
        for worker in workers:
            worker.join(10)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        server.terminate()
        server.join(10)

    totals: Counter = Counter()
    for outcome in outcomes:
        totals.update(outcome)
    assert set(totals) == {(200, True)}, totals
    assert sum(totals.values()) == WORKERS * THREADS * REQUESTS_PER_THREAD

    db.session.expire_all()
    for problem_id in problem_ids:
        stored = db.session.get(Problem, problem_id).vote_count
        rows = db.session.execute(
            select(func.count()).select_from(Vote).where(Vote.problem_id == problem_id)
        ).scalar_one()
        assert stored == rows
    for dataset_id in dataset_ids:
        demand = db.session.get(Dataset, dataset_id).demand
        expected = db.session.execute(
            select(func.count())
            .select_from(Vote)
            .join(ProblemDataset, ProblemDataset.problem_id == Vote.problem_id)
            .where(ProblemDataset.dataset_id == dataset_id)
        ).scalar_one()
        assert demand == expected
    assert sum(db.session.get(Problem, pid).vote_count for pid in problem_ids) > 0
