"""The worker keeps the stored exports fresh: every few minutes it rebuilds them if due and changed."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from civicboard.interop import exports
from civicboard.outbox.worker import huey, in_app_context


@huey.periodic_task(crontab(minute="*/5"))
def refresh_exports() -> str:
    """Every 5 minutes: exports.refresh (a build only when EXPORT_INTERVAL passed and the board changed)."""
    return in_app_context(lambda: exports.refresh(current_app._get_current_object()))
