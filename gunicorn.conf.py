"""Gunicorn settings, read when gunicorn starts in this folder (or with `-c gunicorn.conf.py`).

A start-up check: with more than one worker and no REDIS_URL, rate limits are counted per
worker, and the master says so once in its log (see docs/operations.md). And with
PROMETHEUS_MULTIPROC_DIR set (metrics added up over every worker), a worker that exits has
its live gauges dropped from /metrics.
"""

from __future__ import annotations

import os


def when_ready(server) -> None:
    """Warn once, in the master, when workers would each keep their own rate limits."""
    from civicboard.security import per_worker_limits_warning

    message = per_worker_limits_warning(server.cfg.workers, os.environ.get("REDIS_URL"))
    if message:
        server.log.warning(message)


def child_exit(server, worker) -> None:
    """Forget an exited worker's live gauges (prometheus_client's multi-process mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
