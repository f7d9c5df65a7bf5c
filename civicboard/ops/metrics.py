"""The `/metrics` page: the process metrics (civicboard.metrics) plus figures read from the
database when Prometheus scrapes: the outbox (emails waiting, retrying, sent, failed; the
worker's queue depth) and the catalog refresh runs.

Figures read from the database are the same whichever process answers, so they need no
multi-process bookkeeping. Who may read the page: METRICS_ALLOW_FROM addresses, or a request
bearing METRICS_TOKEN.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from flask import Flask, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import case, func, select

from civicboard import metrics as process_metrics
from civicboard.datasets.models import ImportRun
from civicboard.extensions import db
from civicboard.outbox.models import OutboxMessage, OutboxStatus
from civicboard.timeutil import utcnow

log = logging.getLogger(__name__)

EMAIL_STATES = ("waiting", "retrying", "sending", "sent", "failed")


def allowed(app: Flask) -> bool:
    """May this request read /metrics? A valid token, or an allowed client address."""
    token = app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
    # Behind a proxy whose headers are not trusted, every request looks local: the address
    # says nothing about who asks, so only the token opens the page.
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if forwarded and not app.config.get("TRUSTED_PROXIES"):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in _networks(app.config.get("METRICS_ALLOW_FROM") or ""))


def _networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            log.warning("METRICS_ALLOW_FROM: %r is not an address or network; ignored", item)
    return networks


class _ProcessMetrics:
    """This process's own metrics, or every worker's when PROMETHEUS_MULTIPROC_DIR is set."""

    def collect(self) -> Iterator[Metric]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()


class DatabaseFigures:
    """Outbox and catalog figures, read when scraped (three small GROUP BY queries)."""

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._emails()
            yield from self._catalog()
        except Exception:
            db.session.rollback()
            log.warning("metrics: could not read the database figures", exc_info=True)

    def _emails(self) -> Iterator[Metric]:
        now = utcnow()
        queued = OutboxMessage.status == OutboxStatus.QUEUED.value
        state = case(
            (queued & (OutboxMessage.attempts > 0), "retrying"),
            (queued, "waiting"),
            else_=OutboxMessage.status,
        )
        due = func.sum(case((queued & (OutboxMessage.next_attempt_at <= now), 1), else_=0))
        rows = db.session.execute(select(state, func.count(), due).group_by(state)).all()
        counts = dict.fromkeys(EMAIL_STATES, 0)
        due_now = 0
        for name, count, due_count in rows:
            counts[name] = counts.get(name, 0) + count
            due_now += int(due_count or 0)
        emails = GaugeMetricFamily(
            "civicboard_emails",
            "Outbox messages by state: waiting (never tried), retrying (failed, will retry), sending, sent, failed.",
            labels=["state"],
        )
        for name, count in counts.items():
            emails.add_metric([name], count)
        yield emails
        depth = GaugeMetricFamily(
            "civicboard_worker_queue_depth",
            "Work waiting for a worker: outbox messages due now, and tasks in the worker's queue.",
            labels=["queue"],
        )
        depth.add_metric(["outbox"], due_now)
        tasks = _task_queue_depth()
        if tasks is not None:
            depth.add_metric(["tasks"], tasks)
        yield depth

    def _catalog(self) -> Iterator[Metric]:
        rows = db.session.execute(
            select(ImportRun.source, ImportRun.status, func.count(), func.max(ImportRun.finished_at)).group_by(
                ImportRun.source, ImportRun.status
            )
        ).all()
        runs = GaugeMetricFamily(
            "civicboard_catalog_runs",
            "Catalog import and refresh runs, by source and status.",
            labels=["source", "status"],
        )
        last = GaugeMetricFamily(
            "civicboard_catalog_last_run_timestamp_seconds",
            "When the latest run of each source and status finished (Unix time); "
            "alert when failed is newer than succeeded.",
            labels=["source", "status"],
        )
        for source, status, count, finished in rows:
            runs.add_metric([source, status], count)
            if finished is not None:
                last.add_metric([source, status], _unix(finished))
        yield runs
        yield last


def _unix(value) -> float:
    from datetime import UTC

    return value.replace(tzinfo=UTC).timestamp() if value.tzinfo is None else value.timestamp()


def _task_queue_depth() -> int | None:
    huey = current_app.extensions.get("huey")
    if huey is None:
        return None
    try:
        return int(huey.pending_count())
    except Exception:
        log.warning("metrics: the worker's task queue did not answer", exc_info=True)
        return None


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    process_metrics.observe_pool()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessMetrics())
    registry.register(DatabaseFigures())
    return generate_latest(registry), CONTENT_TYPE_LATEST
