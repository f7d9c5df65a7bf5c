"""Real web processes for the operations tests: gunicorn on 127.0.0.1, against a database of
their own, with residents and API tokens made in the test process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.e2e.server import (
    ROOT,
    START_DEADLINE,
    UNTHROTTLED,
    LiveServer,
    _wait_for_health,
    _wait_for_port,
    flask_command,
    server_environment,
    stop_process,
)

# Writers act as fast as they can: no per-account throttle may slow or refuse them.
UNTHROTTLED_WRITES = dict.fromkeys(
    ("RATELIMIT_PROBLEMS", "RATELIMIT_COMMENTS", "RATELIMIT_VOTES", "RATELIMIT_API", "RATELIMIT_REFUSED"), UNTHROTTLED
)


def environment(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The server's (and its commands') environment: development settings on this database."""
    env = server_environment(database_url, workdir / "instance")
    env.update(UNTHROTTLED_WRITES)
    env["UPLOAD_FOLDER"] = str(workdir / "uploads")
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    flask_command(["db", "upgrade"], env)


def flask(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` in a subprocess; the caller checks the outcome."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_gunicorn(
    env: dict[str, str], workdir: Path, name: str = "web", workers: int = 1, threads: int = 1
) -> LiveServer:
    """gunicorn on a free loopback port with these settings (the database already migrated)."""
    log_path = workdir / f"{name}.log"
    log = log_path.open("w")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        "127.0.0.1:0",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
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
    return LiveServer(url=url, database_url=env["DATABASE_URL"], process=process, log_path=log_path)


@contextlib.contextmanager
def running(env: dict[str, str], workdir: Path, **kwargs) -> Iterator[LiveServer]:
    server = start_gunicorn(env, workdir, **kwargs)
    try:
        yield server
    finally:
        stop_process(server.process)


def residents_with_tokens(database_url: str, count: int) -> list[str]:
    """Make `count` confirmed residents on that database; return an API token for each."""
    from civicboard.auth import services as auth_services
    from civicboard.extensions import db
    from tests.conftest import make_app

    app = make_app(database_url)
    tokens = []
    with app.app_context():
        for n in range(count):
            user = auth_services.create_user(f"writer{n}@example.org", f"Writer {n}", "correct horse battery", [], None)
            db.session.flush()
            _token, raw = auth_services.create_api_token(user, "load")
            tokens.append(raw)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def start_writers(url: str, tokens: list[str], seconds: float, stop: Path) -> list[subprocess.Popen]:
    """One writer process per token (tests/ops/writer.py), each until `stop` exists or for `seconds`."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tests.ops.writer", url, token, str(seconds), str(n), str(stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for n, token in enumerate(tokens)
    ]


def wait_for_writers(writers: list[subprocess.Popen], timeout: float = 120) -> list[dict]:
    """What each writer reports; a writer that fails fails the test with its output."""
    import json

    reports = []
    for process in writers:
        out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, f"writer failed: {err}"
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2) -> None:
    """Poll predicate until it holds; AssertionError naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def row_count(database_url: str, table: str) -> int:
    """Rows in a table, read straight from the database (pages and API totals may be cached)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
    finally:
        engine.dispose()
