"""The worker keeps the stored insights figures fresh: every few minutes, recomputed if due and changed."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from civicboard.insights import store
from civicboard.outbox.worker import huey, in_app_context


@huey.periodic_task(crontab(minute="*/5"))
def refresh_insights() -> str:
    """Every 5 minutes: store.refresh (a computation only when due and something changed)."""
    return in_app_context(lambda: store.refresh(current_app._get_current_object()))
