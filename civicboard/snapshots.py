"""Stored snapshots of heavy public reads: where they live, how they are written, who builds.

Exports and the insights figures grow with the whole board, so they are built in the
background and requests are served from what was stored. This module knows no feature; it
gives the features three things:

- `folder(app)`: EXPORT_FOLDER (default `instance/snapshots`), created on first use.
- `write_atomically(path)`: a temporary file beside the target, renamed over it when complete,
  so a reader sees the old file or the new one, never half of one.
- `build_lock(app, name)`: a non-blocking file lock (flock) shared by threads and processes on
  this host, so two builders never collide; the second one simply skips.
- `start_background(app, name, work)`: run `work()` in a daemon thread inside an app context,
  at most one thread per name in this process (a page view may ask for a refresh many times).

The snapshots are files on the web host's disk. With several hosts, give each its own
builder (the `flask exports build` / `flask insights compute` commands or the worker), or
point EXPORT_FOLDER at a shared volume.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from flask import Flask

log = logging.getLogger(__name__)

_running: set[tuple[int, str]] = set()
_running_guard = threading.Lock()


def folder(app: Flask) -> Path:
    """The folder holding the snapshots (EXPORT_FOLDER, else instance/snapshots)."""
    path = Path(app.config.get("EXPORT_FOLDER") or Path(app.instance_path) / "snapshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def write_atomically(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write `path` through a temporary file in the same folder, renamed over it on success."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, mode) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; the web server may run as another user than cron.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    """A stored JSON document, or None when there is none (or it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Store a JSON document atomically."""
    with write_atomically(path, "w") as stream:
        json.dump(document, stream, ensure_ascii=False)


@contextlib.contextmanager
def build_lock(app: Flask, name: str) -> Iterator[bool]:
    """Hold the builder's lock for `name` if it is free; yields False when someone else holds it.

    flock locks belong to an open file, so two threads of one process exclude each other as
    two processes do; the lock goes with the process if it dies.
    """
    path = folder(app) / f".{name}.lock"
    with open(path, "a") as stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)


def background_enabled(app: Flask) -> bool:
    """Whether the web process may start builds in a thread (SNAPSHOT_RUNNER = "thread")."""
    return app.config.get("SNAPSHOT_RUNNER", "thread") == "thread"


def start_background(app: Flask, name: str, work: Callable[[], Any]) -> bool:
    """Run `work()` in a daemon thread with an app context; False if one is already running."""
    key = (id(app), name)
    with _running_guard:
        if key in _running:
            return False
        _running.add(key)

    def run() -> None:
        try:
            with app.app_context():
                work()
        except Exception:  # a failed build leaves the previous snapshot in place
            log.exception("background build of %s failed", name)
        finally:
            with _running_guard:
                _running.discard(key)

    threading.Thread(target=run, name=f"snapshot-{name}", daemon=True).start()
    return True
