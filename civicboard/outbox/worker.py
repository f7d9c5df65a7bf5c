"""The background worker: a Huey queue (SQLite in development, Redis with REDIS_URL) and its tasks.

Huey needs its task registry at import, so the queue object is made here once, unbound, like
the extensions; `init_app` gives it the storage the configuration names. The web process only
enqueues (after a commit that queued mail); `flask worker` runs the consumer, which executes
the tasks and the periodic sweep, each inside an app context.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from civicboard.extensions import db
from civicboard.outbox import services

log = logging.getLogger(__name__)

# results=False: tasks report through the database, so Huey keeps no result keys.
huey = Huey("civicboard", results=False, storage_class=MemoryStorage)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage: memory in tests, Redis with REDIS_URL, else SQLite."""
    global _app
    _app = app
    app.extensions["huey"] = huey
    huey.storage = _storage_for(app)


def _storage_for(app: Flask):
    if app.config.get("TESTING"):
        return MemoryStorage(huey.name)
    if app.config.get("REDIS_URL"):
        return RedisStorage(huey.name, url=app.config["REDIS_URL"])
    path = app.config.get("HUEY_SQLITE_PATH") or str(Path(app.instance_path) / "huey.db")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage(huey.name, filename=path)


def in_app_context(function):
    """Run a task inside the worker's app context (the app `flask worker` was started with)."""
    if _app is None:
        raise RuntimeError("Start the worker with `flask worker`, which gives the tasks their app")
    with _app.app_context():
        try:
            return function()
        finally:
            db.session.remove()


@huey.task()
def deliver_outbox() -> None:
    """Send what is due now (enqueued after each commit that queued mail)."""
    report = in_app_context(services.deliver_due)
    if report.sent or report.failed or report.retried:
        log.info("Mail: %s", report)


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    """Every minute: send what is due, so a lost wake-up or a retry waits at most a minute."""
    in_app_context(services.deliver_due)


def wake() -> None:
    """Tell the worker there is mail; a failure is only logged (the sweep sends it anyway)."""
    try:
        deliver_outbox()
    except Exception:
        log.exception("Could not reach the task queue; the periodic sweep will send the mail")


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(services.WAKE_FLAG, False):
        wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    # The queued rows are gone with the transaction: nothing to tell the worker.
    session.info.pop(services.WAKE_FLAG, None)


def run_consumer(workers: int, max_delay: float = 2.0) -> None:
    """Run the Huey consumer in this process until interrupted (`flask worker`)."""
    # Huey's own progress lines; ours go through the app's logger already.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s in %(name)s: %(message)s"))
    huey_log = logging.getLogger("huey")
    huey_log.addHandler(handler)
    huey_log.setLevel(logging.INFO)
    init_app(current_app._get_current_object())
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True, max_delay=max_delay).run()
