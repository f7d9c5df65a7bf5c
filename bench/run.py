"""`make bench`: CivicBoard's pages under load, against a bare Flask app on the same stack.

1. Seeds the city-scale data (`flask demo seed --scale city`) into bench/data/city.db, or into
   BENCH_DATABASE_URL (PostgreSQL; its public schema is wiped when it must be re-seeded), and
   reuses it while bench/data/<name>.marker matches the seed inputs (migrations, demo code).
2. Serves CivicBoard with gunicorn in production mode on 127.0.0.1, and bench/hello.py with
   the same gunicorn, Python and settings on another port.
3. Warms each target up, then measures it with wrk (16 connections, 10 s in 3 rounds that
   alternate with hello rounds); a page's throughput is reported as a ratio of the mean of the
   hello rounds around it, which cancels out how fast the machine is (and its drift).
4. Measures the home page alone and while 4 more connections pull the stored exports and
   figures in a loop (goal: at least 80 % of alone).
5. Prints requests/s, p50, p99 and status codes per target, the targets below, each gunicorn
   worker's RSS after the run (from /proc), and writes bench/results/latest.json.

Gunicorn: two workers per core, of one thread each (gthread, for keep-alive; --reuse-port
lets the kernel spread the keep-alive connections across the workers). Production runs sync
workers behind nginx, whose buffering frees a worker as soon as a response is handed over;
BENCH_WORKER_CLASS=sync measures sync workers without that proxy (bench/README.md has both).

Environment: BENCH_DATABASE_URL (PostgreSQL instead of SQLite), BENCH_DURATION (seconds of
load per page, default 10), BENCH_ROUNDS (default 3), BENCH_STRICT=1 (exit 1 when a goal is missed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
SQLITE_PATH = DATA / "city.db"

DURATION = int(os.environ.get("BENCH_DURATION", "10"))  # seconds of load per page, split in rounds
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = 2
CONNECTIONS = 16
# One thread per worker process and twice as many processes as cores (gunicorn.conf.py says
# why: threaded workers of this stack died of segmentation faults under load).
WORKERS = 2 * (os.cpu_count() or 1)
THREADS = 1
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
P99_LIMIT_MS = 100.0
RSS_LIMIT_MB = 120.0
START_DEADLINE = 60.0
SEED_DEADLINE = 1800.0
VOTER = "resident@demo.example.org"
DEMO_PASSWORD = "civicboard-demo"  # noqa: S105 - the published demo password
DEEP_PAGES = 100  # how many "next" links the deep-page URL follows from the home page

# Throttles off for the load (the measured pages are not what they protect).
SERVER_ENV = {
    "RATELIMIT_LOGIN": "1000000 per minute",
    "RATELIMIT_REGISTER": "1000000 per minute",
    "RATELIMIT_PASSWORD_RESET": "1000000 per minute",
    # The vote target measures the vote path, not the per-user limiter (60 a minute by default).
    "RATELIMIT_VOTES": "1000000 per minute",
    "RATELIMIT_API": "1000000 per minute",
    # The export case measures what serving stored snapshots costs the other readers, so the
    # per-address budgets that would answer most of its requests 429 are lifted too.
    "RATELIMIT_EXPORTS": "1000000 per minute",
    "RATELIMIT_INSIGHTS": "1000000 per minute",
    "RATELIMIT_OPEN311": "1000000 per minute",
    # Snapshots are built once before the load (`flask exports build`, `flask insights
    # compute`), not by a web thread in the middle of a measurement.
    "SNAPSHOT_RUNNER": "off",
}


# A fixed mix of broad and narrow queries, rotated by the search target.
SEARCH_QUERIES = [
    "street",
    "park",
    "bus",
    "flood",
    "sidewalk",
    "Magoun Square curb ramp",
    "hydrant",
    "Teele Square bike parking",
    "rooftop",
    "leaf blowers",
]


@dataclass
class Request:
    """One request wrk sends: method, path, headers."""

    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)


# The clients a page is measured with. A cookie-less client is what a crawler or `curl` is; a
# real browser keeps every cookie it is given (wrk's script keeps a cookie jar for it); a
# signed-in resident sends the session of a login and gets their votes, follows and forms.
ANONYMOUS = "anonymous, cookie-less"
BROWSER = "anonymous, cookie-keeping"
SIGNED_IN = "signed-in"
TOKEN = "API token"  # noqa: S105 - a client's name
CLIENTS = (ANONYMOUS, BROWSER, SIGNED_IN)


@dataclass
class Target:
    """A page to measure with one client; `build` turns the facts about the data into the
    requests to rotate. `page` targets are HTML pages held to the p99 goal."""

    name: str
    client: str
    build: Callable[[dict[str, Any]], list[Request]]
    min_ratio: float | None
    page: bool = True
    max_kb: float | None = None  # largest response allowed (HTML size), in KB
    max_p50_ms: float | None = None

    @property
    def label(self) -> str:
        return f"{self.name} [{self.client}]"


def _gets(*paths: str) -> list[Request]:
    return [Request(path) for path in paths]


def _vote_toggles(facts: dict[str, Any]) -> list[Request]:
    """Vote then unvote, through the API with a bearer token, over many open problems."""
    headers = {"Authorization": f"Bearer {facts['token']}"}
    requests = []
    for problem_id in facts["vote_problems"]:
        path = f"/api/v1/problems/{problem_id}/vote"
        requests += [Request(path, "PUT", headers), Request(path, "DELETE", headers)]
    return requests


def _search(facts: dict[str, Any]) -> list[Request]:
    return _gets(*(f"/search?q={q.replace(' ', '+')}" for q in SEARCH_QUERIES))


# Each page with each client, then the API. Ratios are to hello in the same run. Goals: issue
# "fast for every reader" (signed-in home 0.10, signed-in problem/search/datasets 0.06, API
# list 0.25, vote 0.20, p99 < 100 ms, the busiest thread a page of < 150 KB); the anonymous
# goals are the earlier ones, and a cookie-keeping browser must match the cookie-less client.
PAGES: list[tuple[str, Callable[[dict[str, Any]], list[Request]], dict[str, float | None], dict[str, Any]]] = [
    ("home", lambda f: _gets("/"), {ANONYMOUS: 0.25, BROWSER: 0.25, SIGNED_IN: 0.10}, {}),
    (
        "problem, ~200 comments",
        lambda f: _gets(f"/problems/{f['busy_problem']}"),
        {ANONYMOUS: 0.08, BROWSER: 0.08, SIGNED_IN: 0.06},
        {},
    ),
    (
        "busiest thread",
        lambda f: _gets(f"/problems/{f['busiest_problem']}"),
        {ANONYMOUS: None, BROWSER: None, SIGNED_IN: None},
        {"max_kb": 150.0, "max_p50_ms": 30.0},
    ),
    ("search", _search, {ANONYMOUS: 0.05, BROWSER: 0.05, SIGNED_IN: 0.06}, {}),
    ("datasets list", lambda f: _gets("/datasets"), {ANONYMOUS: None, BROWSER: None, SIGNED_IN: 0.06}, {}),
]
TARGETS = [
    Target(name, client, build, goals[client], **extra) for name, build, goals, extra in PAGES for client in CLIENTS
] + [
    Target("deep page (keyset)", ANONYMOUS, lambda f: _gets(f["deep_page"]), 0.20),
    Target("dataset page", ANONYMOUS, lambda f: _gets(f"/datasets/{f['busy_dataset']}"), None),
    Target("API list", ANONYMOUS, lambda f: _gets("/api/v1/problems"), 0.25, page=False),
    Target("vote toggle (API)", TOKEN, _vote_toggles, 0.20, page=False),
]


# The heavy public reads pulled in a loop beside the home page (issue 19): the home page's
# throughput while they run must stay within 80 % of the home page alone.
EXPORT_LOAD_CONNECTIONS = 4
UNDER_LOAD_GOAL = 0.80
EXPORT_LOAD = [
    Request("/exports/problems.csv"),
    Request("/exports/problems.json", headers={"Accept-Encoding": "gzip"}),
    Request("/exports/problems.json"),
    Request("/exports/problems.csv", headers={"Accept-Encoding": "gzip"}),
    Request("/insights"),
    Request("/insights.csv"),
]
# The control: hello's own page while the same export files are pulled from hello (bench/hello.py
# sends them with a bare sendfile), the cost of moving those bytes on this machine whatever the app.
CONTROL_LOAD = [r for r in EXPORT_LOAD if r.path.startswith("/exports/")]


# -- the database ----------------------------------------------------------------------------


def database_url() -> str:
    """BENCH_DATABASE_URL, or the city SQLite file."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        sys.path.insert(0, str(ROOT))
        from config import normalise_database_url

        return normalise_database_url(url)
    return f"sqlite:///{SQLITE_PATH}"


def seed_key() -> str:
    """What the seeded data depends on: the seed code. (New migrations are applied to the data
    already there by `flask db upgrade` on every run, so they do not call for a new seed.)"""
    digest = hashlib.sha256()
    files = [ROOT / "bench" / "city.py", ROOT / "civicboard" / "demo.py"]
    files += sorted((ROOT / "civicboard").glob("*/demo.py"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def marker_path(url: str) -> Path:
    if url.startswith("sqlite"):
        return DATA / "city.marker"
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", urlsplit(url.replace("+psycopg", "")).path.strip("/")) or "postgres"
    return DATA / f"postgres-{name}.marker"


def server_env(url: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "RATELIMIT_")) and k != "REDIS_URL"}
    env.update(SERVER_ENV)
    env.update({"CIVICBOARD_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"})
    env["PYTHONFAULTHANDLER"] = "1"  # a worker that crashes writes every thread's Python stack to the log
    env.setdefault("CIVICBOARD_URL", "http://127.0.0.1")  # production requires it; links only, not requests
    # Snapshots beside the data they were built from, one folder per database.
    env["EXPORT_FOLDER"] = str(DATA / f"snapshots-{marker_path(url).stem}")
    return env


def flask(args: list[str], env: dict[str, str], capture: bool = True) -> str:
    """Run a flask command with this Python; its output, or an error with it."""
    result = subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=capture,
        text=True,
        timeout=SEED_DEADLINE,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout or ''}\n{result.stderr or ''}")
    return result.stdout or ""


def ensure_seeded(url: str, env: dict[str, str]) -> None:
    """Seed the city unless the marker says this exact data is already there."""
    DATA.mkdir(parents=True, exist_ok=True)
    marker = marker_path(url)
    key = seed_key()
    if marker.exists() and marker.read_text().strip() == key and (not url.startswith("sqlite") or SQLITE_PATH.exists()):
        print(f"Reusing the city-scale data ({url.split('@')[-1]}); applying any new migration.")
        flask(["db", "upgrade"], env)
        return
    print(f"Seeding the city-scale data into {url.split('@')[-1]} (a few minutes, once)...", flush=True)
    marker.unlink(missing_ok=True)
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    flask(["db", "upgrade"], env)
    flask(["demo", "seed", "--scale", "city"], env, capture=False)
    marker.write_text(key + "\n")


def gather_facts(url: str, env: dict[str, str], base: str) -> dict[str, Any]:
    """The ids the targets need, read from the database, and a fresh API token."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        busy_problem = conn.execute(
            text(
                "SELECT id FROM problems WHERE hidden_at IS NULL AND comment_count BETWEEN 180 AND 260 "
                "ORDER BY comment_count DESC, id LIMIT 1"
            )
        ).scalar()
        busiest_problem = conn.execute(
            text("SELECT id FROM problems WHERE hidden_at IS NULL ORDER BY comment_count DESC, id LIMIT 1")
        ).scalar()
        busy_dataset = conn.execute(
            text("SELECT id FROM datasets WHERE status = 'active' ORDER BY problem_count DESC, id LIMIT 1")
        ).scalar()
        vote_problems = list(
            conn.execute(
                text(
                    "SELECT id FROM problems WHERE hidden_at IS NULL AND locked_at IS NULL AND status = 'open' "
                    "ORDER BY id DESC LIMIT 200"
                )
            ).scalars()
        )
        # Earlier runs' tokens are revoked: an account holds at most 20 live ones.
        conn.execute(
            text(
                "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE label = 'benchmark' "
                "AND revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE email = :email)"
            ),
            {"email": VOTER},
        )
        conn.commit()
    engine.dispose()
    token = flask(["users", "token", VOTER, "--label", "benchmark"], env).strip().splitlines()[-1]
    return {
        "busy_problem": busy_problem,
        "busiest_problem": busiest_problem,
        "busy_dataset": busy_dataset,
        "session_cookies": login_cookies(base, VOTER, DEMO_PASSWORD),
        "vote_problems": vote_problems,
        "token": token,
        "deep_page": deep_page_path(base),
    }


def _cookies_set(response: Any) -> dict[str, str]:
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def login_cookies(base: str, email: str, password: str) -> dict[str, str]:
    """Log in through the login form, as a browser does; the cookies the signed-in client sends.
    (Parsed by hand: production cookies are Secure, which a cookie jar would not send over http.)"""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(base + "/login", timeout=30) as response:
        cookies = _cookies_set(response)
        html = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not token:
        raise SystemExit("The login page has no CSRF token field")
    body = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        base + "/login",
        data=body,
        method="POST",
        # Production checks the Referer of a form sent over https, as a browser's would be.
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Referer": base + "/login"},
    )
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as exc:  # the redirect after logging in
        response = exc
    if response.status not in (302, 303):
        raise SystemExit(f"Logging in as {email} answered {response.status}")
    cookies.update(_cookies_set(response))
    return cookies


class _NextLink(HTMLParser):
    """Finds <a rel="next" href=...> (or <link rel="next">) in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and "next" in (values.get("rel") or "").split() and self.href is None:
            self.href = values.get("href")


def deep_page_path(base: str, pages: int = DEEP_PAGES) -> str:
    """Follow the list's `rel="next"` links from the home page, whatever the cursor looks like."""
    path = "/"
    for _ in range(pages):
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - loopback
                html = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError:
            break
        parser = _NextLink()
        parser.feed(html)
        if not parser.href:
            break
        parts = urlsplit(urljoin(base + path, parser.href))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path == "/":
        return "/?sort=hot&after=unavailable"  # no pagination yet: reported by its status code
    return path


# -- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    log: Path


def start_gunicorn(name: str, app: str, cwd: Path, env: dict[str, str], logdir: Path) -> Server:
    """gunicorn with the benchmark's settings on a free loopback port."""
    log = logdir / f"{name}.log"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        WORKER_CLASS,
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "info",
        app,
    ]
    if WORKER_CLASS == "gthread":
        # Keep-alive, and the kernel spreading the connections across the workers (with one
        # shared socket, a single worker often grabbed all 16 keep-alive connections).
        command[-1:-1] = ["--reuse-port", "--keep-alive", "5"]
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed command
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if booted(log):
            return Server(name, process, f"http://127.0.0.1:{port}", log)
        if process.poll() is not None:
            raise SystemExit(f"{name} exited:\n{log.read_text()}")
        time.sleep(0.1)
    stop(Server(name, process, "", log))
    raise SystemExit(f"{name} did not start in time:\n{log.read_text()}")


def free_port() -> int:
    """A free loopback port (gunicorn binds it again in each worker with SO_REUSEPORT)."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def booted(log: Path) -> bool:
    """Every worker has started."""
    return log.read_text(errors="replace").count("Booting worker") >= WORKERS


def stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=15)


def worker_rss_mb(server: Server) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), from /proc."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    sizes = []
    for child in children.read_text().split() if children.exists() else []:
        status = Path(f"/proc/{child}/status")
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sizes


def wait_healthy(server: Server, path: str = "/") -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(server.url + path, timeout=5),  # noqa: S310 - loopback
        ):
            return
        time.sleep(0.1)
    raise SystemExit(f"{server.name} does not answer {path}:\n{server.log.read_text()}")


# -- wrk -------------------------------------------------------------------------------------

LUA = """
-- Generated by bench/run.py: rotate through the requests, count status codes; when the client
-- keeps cookies, send back every cookie it was given, as a browser does. A bulk client (one
-- pulling exports) defines no response(): wrk then never copies a body into Lua, which for a
-- 60 MB export costs the client a whole core and would be charged to the server; it counts
-- answers of 400 and up (wrk's own tally) instead of each status code.
local requests = {%(requests)s}
local keep_cookies = %(keep_cookies)s
local watch_responses = %(watch_responses)s
local threads = {}
local n = 0
local jar = {%(cookies)s}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

local function cookie_header()
  local parts = {}
  for name, value in pairs(jar) do
    table.insert(parts, name .. "=" .. value)
  end
  return table.concat(parts, "; ")
end

function request()
  n = n + 1
  local r = requests[(n - 1) %% #requests + 1]
  local headers = {}
  for k, v in pairs(r[3]) do headers[k] = v end
  if keep_cookies then
    local cookie = cookie_header()
    if cookie ~= "" then headers["Cookie"] = cookie end
  end
  return wrk.format(r[1], r[2], headers)
end

if watch_responses then
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  if set then
    setcookies = (setcookies or 0) + 1
    if keep_cookies then
      local name, value = string.match(set, "^%%s*([^=;]+)=([^;]*)")
      if name then
        if value == "" or string.find(string.lower(set), "expires=thu, 01 jan 1970", 1, true) then
          jar[name] = nil
        else
          jar[name] = value
        end
      end
    end
  end
end
end

function done(summary, latency, requests)
  local codes = {}
  local cookies_set = 0
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      codes[code] = (codes[code] or 0) + count
    end
    cookies_set = cookies_set + (thread:get("setcookies") or 0)
  end
  local parts = {}
  for code, count in pairs(codes) do
    table.insert(parts, string.format('"%%d": %%d', code, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"max_us": %%d, "set_cookie": %%d, "watched": %%s, "status_errors": %%d, '
    .. '"errors": {"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99), latency.max,
    cookies_set, tostring(watch_responses), e.status, e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(requests: list[Request], cookies: dict[str, str] | None = None, bulk: bool = False) -> str:
    """The wrk script: `cookies` (even empty) makes a cookie-keeping client starting with them;
    `bulk` a client that reads bodies without looking at them (status classes only)."""
    formatted = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        formatted.append(f"{{{_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}}}")
    jar = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in (cookies or {}).items())
    return LUA % {
        "requests": ",\n  ".join(formatted),
        "keep_cookies": "true" if cookies is not None else "false",
        "cookies": jar,
        "watch_responses": "false" if bulk else "true",
    }


def _wrk_command(
    base: str,
    requests: list[Request],
    seconds: int,
    workdir: Path,
    connections: int,
    name: str,
    cookies: dict[str, str] | None = None,
    bulk: bool = False,
):
    script = workdir / f"{name}.lua"
    script.write_text(lua_script(requests, cookies, bulk))
    return ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), base]


def _wrk_result(returncode: int, stdout: str, stderr: str) -> dict[str, Any]:
    line = next((x for x in stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({returncode}):\n{stdout}\n{stderr}")
    raw = json.loads(line[len("BENCH-JSON ") :])
    if raw["watched"]:
        statuses: dict[int | str, int] = {int(code): count for code, count in raw["statuses"].items()}
        non_200 = sum(count for code, count in statuses.items() if code != 200)
    else:  # a bulk client: wrk's own tally of answers >= 400
        statuses = {"< 400": raw["requests"] - raw["status_errors"]}
        if raw["status_errors"]:
            statuses[">= 400"] = raw["status_errors"]
        non_200 = raw["status_errors"]
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "bytes": raw["bytes"],
        "set_cookie": raw["set_cookie"],
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "statuses": statuses,
        "non_200": non_200,
        "socket_errors": raw["errors"],
    }


def run_wrk(
    base: str,
    requests: list[Request],
    seconds: int,
    workdir: Path,
    connections: int = CONNECTIONS,
    cookies: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Load `base` with the requests for `seconds`; requests/s, latencies (ms) and status codes.
    `cookies` (even empty) makes wrk a cookie-keeping client that starts with them."""
    command = _wrk_command(base, requests, seconds, workdir, connections, "load", cookies)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    return _wrk_result(result.returncode, result.stdout, result.stderr)


def start_wrk(base: str, requests: list[Request], seconds: int, workdir: Path, connections: int):
    """Start a bulk wrk in the background (a second load beside the measured one: it reads every
    body but counts only answers of 400 and up); finish with finish_wrk."""
    command = _wrk_command(base, requests, seconds, workdir, connections, "background", bulk=True)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603


def finish_wrk(process: subprocess.Popen, seconds: int) -> dict[str, Any]:
    """Wait for a background wrk and read its figures."""
    stdout, stderr = process.communicate(timeout=seconds + 60)
    return _wrk_result(process.returncode, stdout, stderr)


def probe(base: str, request: Request, cookies: dict[str, str] | None = None) -> int:
    """The status code of one request (no redirects followed)."""

    opener = urllib.request.build_opener(_NoRedirect)
    headers = dict(request.headers)
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    prepared = urllib.request.Request(base + request.path, method=request.method, headers=headers)  # noqa: S310
    try:
        with opener.open(prepared, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# -- the run ---------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure CivicBoard's pages under load against a bare Flask app.")
    parser.add_argument(
        "--only",
        default=os.environ.get("BENCH_ONLY", ""),
        help="comma-separated words: measure only the targets whose name or client contains one "
        "('exports' for the home page under export load, 'notifications' for the 10,000-follower "
        "response); default: everything",
    )
    parser.add_argument("--duration", type=int, default=DURATION, help="seconds of load per target")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per target, each followed by hello")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    global DURATION, ROUNDS  # the command line overrides the environment's defaults
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for target in TARGETS:
            print(target.label)
        return 0
    DURATION, ROUNDS = args.duration, args.rounds
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    url = database_url()
    secret = secrets.token_urlsafe(32)
    env = server_env(url, secret)
    ensure_seeded(url, env)
    print("Building the stored exports and figures (skipped when the data has not changed)...", flush=True)
    print(flask(["exports", "build"], env).strip())
    print(flask(["insights", "compute"], env).strip())
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civicboard-bench-") as tmp:
        workdir = Path(tmp)
        app = start_gunicorn("civicboard", "wsgi:app", ROOT, env, workdir)
        hello = start_gunicorn("hello", "hello:app", BENCH, env, workdir)
        try:
            wait_healthy(app, "/healthz")
            wait_healthy(hello)
            report = measure(app, hello, url, env, workdir, args.only)
        finally:
            stop(app)
            stop(hello)
            # The server's log (a crashed worker's Python stacks among it: PYTHONFAULTHANDLER) outlives the run.
            shutil.copyfile(app.log, RESULTS / "civicboard.log")
    if not args.only or "notif" in args.only.lower():
        report["notifications"] = measure_notifications()
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {path.relative_to(ROOT)}")
    errors = [check["target"] for check in report["checks"] if check.get("errors")]
    if errors:
        print(f"\nFAILED: error answers from {', '.join(errors)}", file=sys.stderr)
        return 2
    failed = [check for check in report["checks"] if not check["ok"]]
    return 1 if failed and os.environ.get("BENCH_STRICT") == "1" else 0


def selected_targets(only: str) -> list[Target]:
    """The targets whose label contains one of the comma-separated words (all when empty)."""
    words = [w.strip().lower() for w in only.split(",") if w.strip()]
    if not words:
        return list(TARGETS)
    chosen = [t for t in TARGETS if any(w in t.label.lower() for w in words)]
    if not chosen and "exports" not in words:
        raise SystemExit(f"No target matches {only!r}; targets: " + "; ".join(t.label for t in TARGETS))
    return chosen


def client_cookies(target: Target, facts: dict[str, Any]) -> dict[str, str] | None:
    """None for a cookie-less client; the jar a cookie-keeping client starts with otherwise."""
    if target.client == SIGNED_IN:
        return dict(facts["session_cookies"])
    if target.client == BROWSER:
        return {}
    return None


def measure(app: Server, hello: Server, url: str, env: dict[str, str], workdir: Path, only: str) -> dict[str, Any]:
    targets = selected_targets(only)
    facts = gather_facts(url, env, app.url)
    plans = [(target, target.build(facts)) for target in targets]
    print(
        f"\n{WORKERS} gunicorn {WORKER_CLASS} workers x {THREADS} threads; wrk: {CONNECTIONS} connections, "
        f"{DURATION} s per page in {ROUNDS} rounds, each followed by a hello round"
    )
    print("Status of each target before the load:")
    for target, requests in plans:
        codes = sorted({probe(app.url, r, client_cookies(target, facts)) for r in requests[:4]})
        print(f"  {target.label:<46} {requests[0].method} {requests[0].path[:50]:<50} -> {codes}")

    seconds = max(2, round(DURATION / ROUNDS))
    hello_load = [Request("/")]
    run_wrk(hello.url, hello_load, WARMUP, workdir)
    hello_runs = [run_wrk(hello.url, hello_load, seconds, workdir)]
    print(f"\n  {'hello':<46} {hello_runs[0]['rps']:8.0f} req/s")
    results = []
    for target, requests in plans:
        cookies = client_cookies(target, facts)
        run_wrk(app.url, requests, WARMUP, workdir, cookies=cookies)
        runs, around = [], [hello_runs[-1]]
        # Page and hello take turns, so a drift in the machine's speed touches both alike.
        for _ in range(ROUNDS):
            runs.append(run_wrk(app.url, requests, seconds, workdir, cookies=cookies))
            hello_runs.append(run_wrk(hello.url, hello_load, seconds, workdir))
            around.append(hello_runs[-1])
        page = combine(runs)
        page["hello_rps"] = sum(r["rps"] for r in around) / len(around)
        page["hello_p99_ms"] = max(r["p99_ms"] for r in around)
        page["ratio"] = page["rps"] / page["hello_rps"] if page["hello_rps"] else 0.0
        results.append((target, requests, page))
        print(
            f"  {target.label:<46} {page['rps']:8.0f} req/s  ratio {page['ratio']:.3f}  "
            f"p50 {page['p50_ms']:6.1f} ms  p99 {page['p99_ms']:6.1f} ms  {page['kb']:7.1f} KB  "
            f"statuses {page['statuses']}  | hello {page['hello_rps']:.0f} req/s",
            flush=True,
        )
    under_load = None
    if not only or "exports" in only.lower():
        home = next((r for t, r in plans if t.name == "home"), None) or [Request("/")]
        under_load = measure_under_export_load(app, home, workdir)
        under_load["control"] = measure_control(hello, workdir)
        under_load["outside_control"] = measure_outside_control(app, home, Path(env["EXPORT_FOLDER"]), workdir)
    rss = worker_rss_mb(app)
    report = summarise(results, hello_runs, rss, url, under_load)
    if under_load:
        report["checks"].append(under_load.pop("check"))
        report["home_under_export_load"] = under_load
    deaths = worker_deaths(app)
    report["worker_deaths"] = deaths
    print(f"Workers lost during the run: {len(deaths)}{': ' + '; '.join(deaths) if deaths else ''}")
    report["checks"].append(
        {"target": "gunicorn workers", "ok": not deaths, "errors": bool(deaths), "problems": deaths}
    )
    return report


def worker_deaths(server: Server) -> list[str]:
    """The master's lines about workers that died (a signal such as SIGSEGV, a timeout): each
    one dropped the connections it held, so a run with any is a failed run."""
    pattern = re.compile(r"was sent SIG|WORKER TIMEOUT|exited with code|terminated due to signal")
    return [line.strip() for line in server.log.read_text(errors="replace").splitlines() if pattern.search(line)]


def measure_under_export_load(app: Server, home: list[Request], workdir: Path) -> dict[str, Any]:
    """The home page alone, then while EXPORT_LOAD_CONNECTIONS more connections pull the exports
    and figures in a loop; rounds alternate so the machine's drift touches both alike."""
    print(
        f"\nHome page at {CONNECTIONS} connections, alone and while {EXPORT_LOAD_CONNECTIONS} connections pull exports:"
    )
    for request in EXPORT_LOAD:
        print(f"  {request.path:<28} {request.headers or ''} -> {probe(app.url, request)}")
    home_alone, home_loaded, exports_pulled, ratio, megabytes = alone_and_pulled(app, home, EXPORT_LOAD, workdir)
    problems = []
    if ratio < UNDER_LOAD_GOAL:
        problems.append(f"home under export load at {ratio:.2f} of alone (goal {UNDER_LOAD_GOAL})")
    if home_loaded["non_200"] or exports_pulled["non_200"]:
        problems.append(f"non-200: home {home_loaded['statuses']}, exports {exports_pulled['statuses']}")
    print(
        f"  home alone {home_alone['rps']:.0f} req/s; with exports pulled {home_loaded['rps']:.0f} req/s "
        f"(ratio {ratio:.2f}, goal >= {UNDER_LOAD_GOAL}); exports and figures served "
        f"{exports_pulled['rps']:.1f} req/s, {megabytes:.0f} MB/s {exports_pulled['statuses']}: "
        f"{'ok' if not problems else 'MISSED: ' + '; '.join(problems)}"
    )
    return {
        "home_alone_rps": round(home_alone["rps"], 1),
        "home_loaded_rps": round(home_loaded["rps"], 1),
        "home_loaded_p99_ms": round(home_loaded["p99_ms"], 2),
        "ratio": round(ratio, 4),
        "goal": UNDER_LOAD_GOAL,
        "exports_rps": round(exports_pulled["rps"], 2),
        "megabytes_per_second": round(megabytes, 1),
        "exports_statuses": exports_pulled["statuses"],
        "check": {"target": "home while exports are pulled", "ok": not problems, "problems": problems},
    }


def alone_and_pulled(
    server: Server, page: list[Request], pulled: list[Request], workdir: Path, source: str | None = None
) -> tuple:
    """`page` alone, then while EXPORT_LOAD_CONNECTIONS more connections pull `pulled` in a
    loop (from `source`, the same server by default), in alternating rounds so the machine's
    drift touches both alike: the page alone, the page loaded, the pulls, the loaded-to-alone
    ratio and the MB/s pulled."""
    seconds = max(2, round(DURATION / ROUNDS))
    alone, loaded, pulls = [], [], []
    for _ in range(ROUNDS):
        alone.append(run_wrk(server.url, page, seconds, workdir))
        background = start_wrk(source or server.url, pulled, seconds + 2, workdir, EXPORT_LOAD_CONNECTIONS)
        time.sleep(1)  # the pulls are flowing before the page is measured
        loaded.append(run_wrk(server.url, page, seconds, workdir))
        pulls.append(finish_wrk(background, seconds + 2))
    page_alone, page_loaded = combine(alone), combine(loaded)
    ratio = page_loaded["rps"] / page_alone["rps"] if page_alone["rps"] else 0.0
    megabytes = sum(r["bytes"] for r in pulls) / 1e6 / sum(r["requests"] / r["rps"] for r in pulls if r["rps"])
    return page_alone, page_loaded, combine(pulls), ratio, megabytes


def measure_control(hello: Server, workdir: Path) -> dict[str, Any]:
    """The same measurement on the bare app: hello alone, then while the same export files are
    pulled from it. What it loses is what moving the bytes costs this machine (the kernel's
    copies on both sides, the client included), which no app can avoid."""
    figures = alone_and_pulled(hello, [Request("/")], CONTROL_LOAD, workdir)
    return _control_report("a bare Flask app sending the same files: hello", *figures)


def measure_outside_control(app: Server, home: list[Request], folder: Path, workdir: Path) -> dict[str, Any] | None:
    """The board's home page while nginx, outside the board altogether, sends the same export
    files from disk (sendfile): what the bytes alone cost the other readers on this machine.
    None when nginx is not installed."""
    if shutil.which("nginx") is None:
        print("  control from nginx skipped: nginx is not installed (apt-get install nginx-light)")
        return None
    nginx = start_nginx(folder, workdir)
    try:
        figures = alone_and_pulled(app, home, CONTROL_LOAD, workdir, source=nginx.url)
    finally:
        stop(nginx)
    return _control_report("the same files sent by nginx beside the board: home", *figures)


def _control_report(
    what: str, alone: dict[str, Any], loaded: dict[str, Any], pulled: dict[str, Any], ratio: float, megabytes: float
) -> dict[str, Any]:
    print(
        f"  control, {what} alone {alone['rps']:.0f} req/s, while they are pulled {loaded['rps']:.0f} req/s "
        f"(ratio {ratio:.2f}); {pulled['rps']:.1f} files/s, {megabytes:.0f} MB/s {pulled['statuses']}"
    )
    return {
        "alone_rps": round(alone["rps"], 1),
        "loaded_rps": round(loaded["rps"], 1),
        "ratio": round(ratio, 4),
        "files_rps": round(pulled["rps"], 2),
        "megabytes_per_second": round(megabytes, 1),
    }


NGINX_CONF = """daemon off;
worker_processes 1;
error_log {workdir}/nginx-error.log;
pid {workdir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    types {{ text/csv csv; application/json json; }}
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        location /exports/ {{
            alias {folder}/;
            gzip_static on;
        }}
    }}
}}
"""


def start_nginx(folder: Path, workdir: Path) -> Server:
    """nginx sending the stored export files on a free loopback port (the bench's control)."""
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workdir=workdir, port=port, folder=folder))
    log = workdir / "nginx.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed command
            ["nginx", "-c", str(conf), "-p", str(workdir)],  # noqa: S607 - found on PATH above
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server("nginx", process, f"http://127.0.0.1:{port}", log)
    wait_healthy(server, CONTROL_LOAD[0].path)
    return server


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure from several runs of a page: total requests over total time; p50 weighted by
    requests, p99 and max the worst of the runs (conservative)."""
    requests = sum(r["requests"] for r in runs)
    statuses: dict[int, int] = {}
    for run in runs:
        for code, count in run["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    return {
        "rps": requests / sum(r["requests"] / r["rps"] for r in runs if r["rps"]) if requests else 0.0,
        "requests": requests,
        "p50_ms": sum(r["p50_ms"] * r["requests"] for r in runs) / requests if requests else 0.0,
        "p99_ms": max(r["p99_ms"] for r in runs),
        "max_ms": max(r["max_ms"] for r in runs),
        "statuses": statuses,
        "non_200": sum(r["non_200"] for r in runs),
        "socket_errors": {k: sum(r["socket_errors"][k] for r in runs) for k in runs[0]["socket_errors"]},
        "runs_rps": [round(r["rps"], 1) for r in runs],
        "kb": sum(r["bytes"] for r in runs) / requests / 1024 if requests else 0.0,
        "set_cookie": sum(r["set_cookie"] for r in runs),
    }


def measure_notifications() -> dict[str, Any]:
    """A response's commit time with 10 vs 10,000 followers, and 10,000 emails to an SMTP sink (bench/notify.py)."""
    print("\nNotification fan-out (bench/notify.py, its own SQLite database and SMTP sink)...", flush=True)
    done = subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, str(BENCH / "notify.py"), "--json"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  response commit: {result['commit_ms_10_followers']:.1f} ms with 10 followers, "
        f"{result['commit_ms_10000_followers']:.1f} ms with 10,000; worker fan-out {result['worker_fanout_s']:.1f} s; "
        f"{result['emails_sent']} emails delivered in {result['deliver_s']:.1f} s ({result['emails_per_s']} /s)"
    )
    return result


SAME_AS_COOKIELESS = 0.80  # a cookie-keeping browser's throughput, at least this share of cookie-less


def summarise(results, hello_runs, rss: list[float], url: str, under_load: dict[str, Any] | None) -> dict[str, Any]:
    """Print the one table and the verdicts; the JSON report."""
    checks = []
    cookieless = {t.name: page for t, _r, page in results if t.client == ANONYMOUS}
    header = (
        f"{'target':<24} {'client':<25} {'req/s':>7} {'ratio':>6} {'goal':>5} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'KB':>6}  verdict"
    )
    lines = ["", header, "-" * len(header)]
    for target, _requests, page in results:
        problems = []
        if page["non_200"] or any(page["socket_errors"].values()):
            problems.append(f"ERRORS: {page['non_200']} non-200 {page['statuses']} {page['socket_errors']}")
        if target.min_ratio is not None and page["ratio"] < target.min_ratio:
            problems.append(f"ratio below {target.min_ratio}")
        if target.page and page["p99_ms"] >= P99_LIMIT_MS:
            problems.append(f"p99 >= {P99_LIMIT_MS:.0f} ms")
        if target.max_kb is not None and page["kb"] > target.max_kb:
            problems.append(f"{page['kb']:.0f} KB > {target.max_kb:.0f} KB")
        if target.max_p50_ms is not None and page["p50_ms"] > target.max_p50_ms:
            problems.append(f"p50 > {target.max_p50_ms:.0f} ms")
        if target.client in (ANONYMOUS, BROWSER) and page["set_cookie"]:
            problems.append(f"{page['set_cookie']} anonymous responses set a cookie")
        alone = cookieless.get(target.name)
        if target.client == BROWSER and alone and page["rps"] < SAME_AS_COOKIELESS * alone["rps"]:
            problems.append(f"{page['rps'] / alone['rps']:.2f} of the cookie-less client")
        errors = bool(page["non_200"] or any(page["socket_errors"].values()))
        checks.append({"target": target.label, "ok": not problems, "errors": errors, "problems": problems})
        goal = f"{target.min_ratio:.2f}" if target.min_ratio is not None else "-"
        lines.append(
            f"{target.name:<24} {target.client:<25} {page['rps']:7.0f} {page['ratio']:6.3f} {goal:>5} "
            f"{page['p50_ms']:7.1f} {page['p99_ms']:7.1f} {page['kb']:6.1f}  "
            f"{'ok' if not problems else 'MISSED: ' + '; '.join(problems)}"
        )
    if under_load:
        ok = under_load["check"]["ok"]
        lines.append(
            f"{'home, 4 pulling exports':<24} {ANONYMOUS:<25} {under_load['home_loaded_rps']:7.0f} "
            f"{under_load['ratio']:6.2f} {under_load['goal']:5.2f} {'':>7} {under_load['home_loaded_p99_ms']:7.1f} "
            f"{'':>6}  {'ok' if ok else 'MISSED: ' + '; '.join(under_load['check']['problems'])}"
            "  (ratio: to the home page alone)"
        )
        control = under_load.get("control")
        if control:
            lines.append(
                f"{'control: hello, 4 pulling':<24} {'the same files, bare Flask':<25} "
                f"{control['loaded_rps']:7.0f} "
                f"{control['ratio']:6.2f} {'-':>5} {'':>7} {'':>7} {'':>6}  (ratio: to hello alone; "
                f"{control['megabytes_per_second']:.0f} MB/s pulled)"
            )
        outside = under_load.get("outside_control")
        if outside:
            lines.append(
                f"{'control: home, 4 pulling':<24} {'the same files, from nginx':<25} "
                f"{outside['loaded_rps']:7.0f} "
                f"{outside['ratio']:6.2f} {'-':>5} {'':>7} {'':>7} {'':>6}  (ratio: to the home page alone; "
                f"{outside['megabytes_per_second']:.0f} MB/s pulled)"
            )
    rss_ok = bool(rss) and all(size <= RSS_LIMIT_MB for size in rss)
    checks.append({"target": "worker RSS", "ok": rss_ok, "errors": False, "problems": [] if rss_ok else [f"RSS {rss}"]})
    hello_rps = [r["rps"] for r in hello_runs]
    hello_mean = sum(hello_rps) / len(hello_rps)
    lines.append(
        f"{'hello (mean of runs)':<24} {'':<25} {hello_mean:7.0f}   (runs ranged {min(hello_rps):.0f}-"
        f"{max(hello_rps):.0f} req/s: the machine's own noise)"
    )
    lines.append(
        f"gunicorn worker RSS after the run: {', '.join(f'{s:.0f} MB' for s in rss)} "
        f"(goal <= {RSS_LIMIT_MB:.0f} MB each: {'ok' if rss_ok else 'MISSED'})"
    )
    lines.append(
        f"Ratios are to hello in the same run; p99 < {P99_LIMIT_MS:.0f} ms on pages; every response 200; "
        f"a cookie-keeping browser >= {SAME_AS_COOKIELESS:.0%} of the cookie-less client."
    )
    print("\n".join(lines))
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "gunicorn": {"workers": WORKERS, "threads": THREADS, "worker_class": WORKER_CLASS},
        "wrk": {"connections": CONNECTIONS, "threads": 1, "duration_s": DURATION, "rounds": ROUNDS},
        "hello_rps": [round(r["rps"], 1) for r in hello_runs],
        "targets": [
            {
                "name": target.name,
                "client": target.client,
                "requests": [f"{r.method} {r.path}" for r in requests[:10]],
                "rps": round(page["rps"], 1),
                "ratio": round(page["ratio"], 4),
                "min_ratio": target.min_ratio,
                "p50_ms": round(page["p50_ms"], 2),
                "p99_ms": round(page["p99_ms"], 2),
                "max_ms": round(page["max_ms"], 2),
                "kb": round(page["kb"], 1),
                "statuses": page["statuses"],
                "non_200": page["non_200"],
                "set_cookie": page["set_cookie"],
                "socket_errors": page["socket_errors"],
                "runs_rps": page["runs_rps"],
                "hello_rps_around": round(page["hello_rps"], 1),
                "hello_p99_ms_around": round(page["hello_p99_ms"], 2),
            }
            for target, requests, page in results
        ],
        "worker_rss_mb": [round(s, 1) for s in rss],
        "checks": checks,
    }


if __name__ == "__main__":
    raise SystemExit(main())
