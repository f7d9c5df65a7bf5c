"""The worker's chores for problems: photos uploaded for a problem that was never posted."""

from __future__ import annotations

from huey import crontab

from civicboard.extensions import db
from civicboard.outbox.worker import huey, in_app_context
from civicboard.problems import photos


def _prune() -> int:
    removed = photos.prune_pending()
    db.session.commit()
    return removed


@huey.periodic_task(crontab(minute="40"))
def prune_pending_photos() -> int:
    """Every hour: remove pending photos older than a day (a form left before posting)."""
    return in_app_context(_prune)
