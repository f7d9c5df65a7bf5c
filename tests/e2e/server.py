"""A real CivicBoard server for the browser tests: a fresh database, migrated and seeded, served
by gunicorn on 127.0.0.1 in a subprocess, and stopped again.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.databases import temporary_database

ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE = 60.0  # seconds for gunicorn to bind and /healthz to answer
COMMAND_DEADLINE = 180.0  # seconds for `flask db upgrade` or `flask demo seed`
POLL_INTERVAL = 0.05
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")

# Throttles high enough that a journey of many logins and registrations is never slowed down.
UNTHROTTLED = "100000 per minute"


@dataclass
class LiveServer:
    """A running server: its base URL, database, process and log file."""

    url: str
    database_url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def fresh_database(workdir: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a PostgreSQL database next to TEST_DATABASE_URL."""
    with temporary_database(os.environ.get("TEST_DATABASE_URL"), workdir, "e2e") as url:
        yield url


def server_environment(database_url: str, instance: Path) -> dict[str, str]:
    """The server's environment: development settings, its own instance folder, no throttling."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "RATELIMIT_", "MAIL_")) and key not in {"REDIS_URL", "SECRET_KEY"}
    }
    env.update(
        {
            "CIVICBOARD_ENV": "development",
            "CIVICBOARD_INSTANCE": str(instance),
            "DATABASE_URL": database_url,
            "RATELIMIT_LOGIN": UNTHROTTLED,
            "RATELIMIT_REGISTER": UNTHROTTLED,
            "RATELIMIT_PASSWORD_RESET": UNTHROTTLED,
            # The demo city (Somerville); the browser tests block the tile server (no network).
            "MAP_BOUNDS": "-71.135,42.370,-71.070,42.420",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def flask_command(args: list[str], env: dict[str, str]) -> None:
    """Run `flask --app wsgi ARGS` with this Python; raise with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_DEADLINE,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _wait_for_port(process: subprocess.Popen, log_path: Path, deadline: float) -> int:
    while time.monotonic() < deadline:
        match = LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            return int(match.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
        time.sleep(POLL_INTERVAL)
    raise RuntimeError(f"the server did not bind in time:\n{log_path.read_text()}")


def _wait_for_health(url: str, process: subprocess.Popen, log_path: Path, deadline: float) -> None:
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = str(exc)
        time.sleep(POLL_INTERVAL)
    raise RuntimeError(f"/healthz did not answer in time ({last_error}):\n{log_path.read_text()}")


def start(database_url: str, workdir: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    """Migrate and seed the database, then serve it with gunicorn on a free loopback port."""
    env = {**server_environment(database_url, workdir / "instance"), **(extra_env or {})}
    flask_command(["db", "upgrade"], env)
    flask_command(["demo", "seed"], env)
    log_path = workdir / "server.log"
    log = log_path.open("w")
    # Port 0: the kernel picks a free port, and gunicorn logs the one it got.
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--threads",
        "2",
        "--graceful-timeout",
        "5",
        "--log-level",
        "info",
        "wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    try:
        deadline = time.monotonic() + START_DEADLINE
        port = _wait_for_port(process, log_path, deadline)
        url = f"http://127.0.0.1:{port}"
        _wait_for_health(url, process, log_path, deadline)
    except BaseException:
        stop_process(process)
        raise
    return LiveServer(url=url, database_url=database_url, process=process, log_path=log_path)


def start_worker(database_url: str, workdir: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """`flask worker` beside a server started with the same database, folder and settings."""
    env = {**server_environment(database_url, workdir / "instance"), **(extra_env or {})}
    log = (workdir / "worker.log").open("w")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--max-delay", "0.5"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return process


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop gunicorn (and its workers, in the same process group) within a bounded time."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
