"""Process metrics in the Prometheus format (prometheus_client): defined once, here.

Requests (count and latency by endpoint and status), the database connection pool and the
page cache are counted in each web process. Under gunicorn with several workers, set
PROMETHEUS_MULTIPROC_DIR to an empty folder before the server starts: every worker then
writes its values there and `/metrics` adds them up, whichever worker answers (see
README, "Operations"). Without it, each process reports only its own.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "civicboard_http_requests",
    "HTTP requests answered, by endpoint (the route's name), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "civicboard_http_request_duration_seconds",
    "Time to answer a request, by endpoint and status.",
    ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PAGE_CACHE = Counter(
    "civicboard_page_cache_requests",
    "Anonymous page-cache look-ups, by result (hit or miss).",
    ["result"],
)
DB_POOL = Gauge(
    "civicboard_db_pool_connections",
    "Database connections of the web processes' pools, by state (checked_out, idle, overflow, size).",
    ["state"],
    multiprocess_mode="livesum",
)

UNMATCHED = "unmatched"  # requests no route answered (404s): one label, not one per path


def register(app: Flask) -> None:
    """Count every request when it ends; pool figures are refreshed at the same time."""
    app.after_request(_observe)


def page_cache(result: str) -> None:
    """Count one page-cache look-up: "hit" or "miss", "skeleton-hit" or "skeleton-miss"."""
    PAGE_CACHE.labels(result).inc()


def _observe(response: Response) -> Response:
    started = g.get("request_started")
    endpoint = request.endpoint or UNMATCHED
    status = str(response.status_code)
    REQUESTS.labels(endpoint, request.method, status).inc()
    if started is not None:
        LATENCY.labels(endpoint, status).observe(time.perf_counter() - started)
    observe_pool()
    return response


def observe_pool() -> None:
    """Read this process's pool figures into the gauge (pools without them are skipped)."""
    from civicboard.extensions import db

    try:
        pool = db.engine.pool
        figures = {
            "checked_out": pool.checkedout(),
            "idle": pool.checkedin(),
            "overflow": max(pool.overflow(), 0),
            "size": pool.size(),
        }
    except (AttributeError, RuntimeError):
        return
    for state, value in figures.items():
        DB_POOL.labels(state).set(value)
