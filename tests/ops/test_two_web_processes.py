"""Two web processes on different ports, one database and one Redis, and a worker: a session,
a rate limit, a cached page's invalidation and a queued email work across them.

On PostgreSQL runs this is the production layout (N web processes behind a proxy); on SQLite
both processes share one database file.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests import databases
from tests.conftest import csrf_field
from tests.databases import temporary_database
from tests.e2e.server import ROOT, stop_process
from tests.ops import live
from tests.smtp import Recorder, body_of, running

LOGIN_LIMIT = 4  # per minute and client address, shared through Redis
PASSWORD = "correct horse battery"


class Browser:
    """A cookie-keeping HTTP client (urllib), used against either process."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def get(self, url: str, headers: dict | None = None) -> tuple[int, dict, str]:
        return self._open(urllib.request.Request(url, headers=headers or {}))

    def post(self, url: str, data: dict, headers: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, dict, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    def form(self, base: str, path: str, data: dict, token_from: str | None = None) -> tuple[int, dict, str]:
        """GET the form's page (on token_from, default base) for its CSRF token, then POST to base."""
        _status, _headers, page = self.get((token_from or base) + path)
        return self.post(base + path, {"csrf_token": csrf_field(page), **data})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _api(url: str, token: str, method: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


@pytest.fixture
def redis_url():
    url = databases.redis_url()
    client = redis.Redis.from_url(url)
    client.ping()
    client.flushdb()  # no limit or page left over from an earlier run
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def smtp() -> Iterator[Recorder]:
    handler = Recorder()
    with running(handler) as port:
        handler.port = port
        yield handler


def _seed(database_url: str) -> tuple[str, int, str]:
    """A resident with an API token and one problem; returns (email, problem id, token)."""
    from civicboard.auth import services as auth_services
    from civicboard.extensions import db
    from civicboard.problems import services as problem_services
    from tests.conftest import make_app

    app = make_app(database_url)
    with app.app_context():
        user = auth_services.create_user("resident@example.org", "Rosa Resident", PASSWORD, [], None)
        db.session.flush()
        _token, raw = auth_services.create_api_token(user, "test")
        problem = problem_services.create_problem(
            user, title="The crossing at Elm and 5th", description="Too short.", data_request="Signal timings."
        )
        db.session.commit()
        problem_id = problem.id
        db.session.remove()
        db.engine.dispose()
    return user.email, problem_id, raw


def _confirmed(database_url: str, email: str) -> bool:
    from sqlalchemy import select

    from civicboard.auth.models import User
    from civicboard.extensions import db
    from tests.conftest import make_app

    app = make_app(database_url)
    with app.app_context():
        confirmed = db.session.scalar(select(User.email_confirmed_at).where(User.email == email))
        db.session.remove()
        db.engine.dispose()
    return confirmed is not None


def test_two_web_processes_share_sessions_limits_cache_and_mail(tmp_path, database_url, redis_url, smtp):
    with ExitStack() as stack:
        db_url = stack.enter_context(temporary_database(database_url, tmp_path, "scale"))
        metrics_dir = tmp_path / "metrics"
        metrics_dir.mkdir()
        env = live.environment(
            db_url,
            tmp_path,
            REDIS_URL=redis_url,
            SECRET_KEY="one-secret-for-every-process",
            PAGE_CACHE_SECONDS="300",
            RATELIMIT_LOGIN=f"{LOGIN_LIMIT} per minute",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(smtp.port),
            MAIL_USE_TLS="false",
        )
        live.migrate(env)
        email, problem_id, token = _seed(db_url)
        # Process A runs two gunicorn workers whose metrics are added up; B is a second host.
        a = stack.enter_context(
            live.running({**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}, tmp_path, name="web-a", workers=2)
        )
        b = stack.enter_context(live.running(env, tmp_path, name="web-b"))
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(stop_process, worker)
        assert a.url != b.url

        # A session started on A is the same session on B (rows in the database).
        rosa = Browser()
        status, headers, _ = rosa.form(a.url, "/login", {"email": email, "password": PASSWORD})
        assert status == 302, "login failed"
        status, _, page = rosa.get(b.url + "/account")
        assert status == 200 and "Rosa Resident" in page

        # The login limit is one budget across both processes (Rosa's login was attempt 1).
        stranger = Browser()
        answers = []
        for attempt in range(2, LOGIN_LIMIT + 2):
            target = b.url if attempt % 2 == 0 else a.url
            status, _, _ = stranger.form(
                target, "/login", {"email": "nobody@example.org", "password": "wrong password"}
            )
            answers.append(status)
        assert 429 not in answers[:-1], answers
        assert answers[-1] == 429, answers

        # A page cached on B is invalidated by a comment made through A.
        reader = Browser()  # anonymous, keeps no session: served from the cache
        page_path = f"/problems/{problem_id}"
        first = reader.get(b.url + page_path)
        second = reader.get(b.url + page_path)
        assert (first[1].get("X-Cache"), second[1].get("X-Cache")) == ("miss", "hit")
        status, _ = _api(
            f"{a.url}/api/v1/problems/{problem_id}/comments", token, "POST", {"body": "Timed it: 9 seconds."}
        )
        assert status == 201
        after = reader.get(b.url + page_path)
        assert after[1].get("X-Cache") == "miss"
        assert "Timed it: 9 seconds." in after[2]

        # Registering on A queues a confirmation email; the worker sends it; its link works on B.
        newcomer = Browser()
        status, _, _ = newcomer.form(
            a.url,
            "/register",
            {"name": "Nia Newcomer", "email": "nia@example.org", "password": PASSWORD, "confirm": PASSWORD},
        )
        assert status == 302
        live.wait_until(
            lambda: any(m["To"] and "nia@example.org" in m["To"] for m in smtp.messages),
            timeout=45,
            what="the confirmation email",
        )
        message = next(m for m in smtp.messages if "nia@example.org" in m["To"])
        path = re.search(r"https?://[^/\s]+(/verify/[^\s]+)", body_of(message)).group(1)
        status, _, _ = newcomer.form(b.url, path, {})  # the page asks, its button confirms
        assert status == 302
        assert _confirmed(db_url, "nia@example.org")

        # /metrics on A adds up both of its workers.
        for _ in range(10):
            assert urllib.request.urlopen(a.url + "/readyz", timeout=10).status == 200
        text = urllib.request.urlopen(a.url + "/metrics", timeout=10).read().decode()
        samples = [
            sample
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "civicboard_http_requests_total" and sample.labels.get("endpoint") == "ops.readyz"
        ]
        assert sum(sample.value for sample in samples) == 10
        pids = {path.name for path in metrics_dir.glob("*.db")}
        assert len(pids) >= 2, pids  # files of both workers
