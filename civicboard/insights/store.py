"""The stored insights figures: computed in the background, read by /insights and /insights.csv.

Computing the figures reads every visible problem (seconds at city scale), so a reader never
does it: the figures live in a JSON file beside the export snapshots (civicboard.snapshots),
with `generated_at` (when they were computed) and the change marker they were computed from
(queries.figures_marker).

When they are recomputed:
- on a schedule: `refresh(app)`, for `flask worker` or cron (`flask insights compute`);
- after changes, debounced: a reader who finds the figures older than INSIGHTS_CACHE_SECONDS
  starts a background refresh (one thread per process, one builder per host via the lock).
  The refresh recomputes only when the marker moved (a staff response, a status change, a
  hidden problem, a new vote on a dataset...) or the figures are older than INSIGHTS_MAX_AGE
  (the target and the month window move with the clock). So staff actions mark the figures
  stale by changing what the marker sees, and they are recomputed at most every
  INSIGHTS_CACHE_SECONDS.
- with none stored yet, a small board (EXPORT_INLINE_MAX_PROBLEMS) has them computed inside
  the first request; a larger one is answered 503 with Retry-After while a thread computes.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from civicboard import snapshots
from civicboard.insights import queries
from civicboard.insights.queries import DemandRow, Figures, MonthCount, StatusCount, Timing
from civicboard.timeutil import utcnow

LOCK_NAME = "insights"
DEFAULT_DEBOUNCE = 60
DEFAULT_MAX_AGE = 3600
DEFAULT_INLINE_MAX_PROBLEMS = 2000
RETRY_AFTER_SECONDS = 15
COMPUTED, UNCHANGED, BUSY, FRESH = "computed", "unchanged", "busy", "fresh"


def _path(app: Flask, target_days: int) -> Path:
    return snapshots.folder(app) / f"insights-{target_days}.json"


def _target_days(app: Flask) -> int:
    return int(app.config["INSIGHTS_TARGET_DAYS"])


def to_document(figures: Figures) -> dict[str, Any]:
    """The figures as JSON-ready data."""
    document = asdict(figures)
    document["generated_at"] = figures.generated_at.isoformat()
    return document


def from_document(document: dict[str, Any]) -> Figures:
    """The figures back from their stored form."""
    return Figures(
        generated_at=datetime.fromisoformat(document["generated_at"]),
        target_days=document["target_days"],
        statuses=[StatusCount(**row) for row in document["statuses"]],
        overall=Timing(**document["overall"]),
        departments=[Timing(**row) for row in document["departments"]],
        datasets=[Timing(**row) for row in document["datasets"]],
        months=[MonthCount(**row) for row in document["months"]],
        demand=[DemandRow(**row) for row in document["demand"]],
    )


def _stored(app: Flask) -> dict[str, Any] | None:
    return snapshots.read_json(_path(app, _target_days(app)))


def current(app: Flask) -> Figures | None:
    """The stored figures for the configured target, or None before the first computation."""
    stored = _stored(app)
    return from_document(stored["figures"]) if stored else None


def computed_at(app: Flask) -> datetime | None:
    """When the stored figures were computed, or None."""
    stored = _stored(app)
    return datetime.fromisoformat(stored["figures"]["generated_at"]) if stored else None


def compute(app: Flask, *, force: bool = False) -> str:
    """Compute and store the figures unless nothing changed and they are not too old (or `force`).

    Runs inside an app context. Returns COMPUTED, UNCHANGED, or BUSY when another builder holds
    the lock (it skips rather than waits).
    """
    with snapshots.build_lock(app, LOCK_NAME) as held:
        if not held:
            return BUSY
        now = utcnow()
        marker = queries.figures_marker()
        stored = _stored(app)
        path = _path(app, _target_days(app))
        if stored and not force and stored["marker"] == marker:
            generated = datetime.fromisoformat(stored["figures"]["generated_at"])
            if now - generated < timedelta(seconds=int(app.config.get("INSIGHTS_MAX_AGE", DEFAULT_MAX_AGE))):
                snapshots.write_json(path, {**stored, "checked_at": now.isoformat()})
                return UNCHANGED
        figures = queries.compute(now, _target_days(app))
        document = {"figures": to_document(figures), "marker": marker, "checked_at": now.isoformat()}
        snapshots.write_json(path, document)
        return COMPUTED


def is_due(app: Flask) -> bool:
    """Whether INSIGHTS_CACHE_SECONDS have passed since the figures were last looked at."""
    stored = _stored(app)
    if stored is None:
        return True
    checked = datetime.fromisoformat(stored.get("checked_at") or stored["figures"]["generated_at"])
    debounce = int(app.config.get("INSIGHTS_CACHE_SECONDS", DEFAULT_DEBOUNCE))
    return utcnow() - checked >= timedelta(seconds=debounce)


def refresh(app: Flask) -> str:
    """The scheduled job: recompute if due and something changed (else FRESH or UNCHANGED)."""
    return compute(app) if is_due(app) else FRESH


def may_compute_inline(app: Flask) -> bool:
    """A board this small may have its first figures computed inside a request."""
    limit = int(app.config.get("EXPORT_INLINE_MAX_PROBLEMS", DEFAULT_INLINE_MAX_PROBLEMS))
    return queries.visible_problem_count() <= limit


def refresh_in_background() -> bool:
    """Start a refresh in a thread of this process if one is due and none is running."""
    app = current_app._get_current_object()
    if not snapshots.background_enabled(app) or not is_due(app):
        return False
    return snapshots.start_background(app, LOCK_NAME, lambda: refresh(app))


def compute_in_background() -> bool:
    """Start a first computation in a thread of this process (none is stored yet)."""
    app = current_app._get_current_object()
    if not snapshots.background_enabled(app):
        return False
    return snapshots.start_background(app, LOCK_NAME, lambda: compute(app))
