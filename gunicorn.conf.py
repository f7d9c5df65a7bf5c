"""Gunicorn settings, read when gunicorn starts in this folder (or with `-c gunicorn.conf.py`).

Start-up checks: with more than one worker and no REDIS_URL, rate limits are counted per
worker, and with more than one thread per worker, workers have crashed under load; the master
says so once in its log (see docs/operations.md). Each worker's garbage collector runs between
requests, not inside them (civicboard.ops.collector says why). And with
PROMETHEUS_MULTIPROC_DIR set (metrics added up over every worker), a worker that exits has
its live gauges dropped from /metrics.
"""

from __future__ import annotations

import os

# One thread per worker: threaded workers crashed under load (see
# civicboard.security.threaded_workers_warning); a process per request at a time instead.
threads = 1


def when_ready(server) -> None:
    """Warn once, in the master, when workers would each keep their own rate limits, or run
    several threads each."""
    from civicboard.security import per_worker_limits_warning, threaded_workers_warning

    for message in (
        per_worker_limits_warning(server.cfg.workers, os.environ.get("REDIS_URL")),
        threaded_workers_warning(server.cfg.threads),
    ):
        if message:
            server.log.warning(message)


def child_exit(server, worker) -> None:
    """Forget an exited worker's live gauges (prometheus_client's multi-process mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """The worker's garbage collector runs between requests only (civicboard.ops.collector)."""
    from civicboard.ops import collector

    collector.hold()


def post_request(worker, req, environ, resp) -> None:
    """Collect garbage after the response, as the interpreter would have during it."""
    from civicboard.ops import collector

    collector.collect_between_requests()
