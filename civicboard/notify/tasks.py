"""The worker's notification tasks: dispatch after each commit that notified, a sweep, digests.

Huey runs periodic tasks in UTC: digests go out at 07:00 UTC, daily, and on Mondays for the
weekly one. A digest run that finds nothing to tell sends nothing.
"""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from civicboard.notify import dispatch
from civicboard.outbox.worker import huey, in_app_context
from civicboard.problems.notifications import NOTIFY_FLAG

log = logging.getLogger(__name__)


@huey.task()
def dispatch_notifications() -> None:
    """Turn pending notifications into email (enqueued after each commit that wrote some)."""
    report = in_app_context(dispatch.run)
    if report.emailed or report.digest or report.fanouts:
        log.info("Notifications: %s", report)


@huey.periodic_task(crontab(minute="*"))
def sweep_notifications() -> None:
    """Every minute: dispatch what a lost wake-up left pending."""
    in_app_context(dispatch.run)


@huey.periodic_task(crontab(minute="0", hour="7"))
def daily_digests() -> None:
    """Every day at 07:00 UTC: the daily digests."""
    in_app_context(lambda: dispatch.send_digests("daily"))


@huey.periodic_task(crontab(minute="0", hour="7", day_of_week="1"))
def weekly_digests() -> None:
    """Mondays at 07:00 UTC: the weekly digests."""
    in_app_context(lambda: dispatch.send_digests("weekly"))


def wake() -> None:
    """Tell the worker there are notifications; a failure is only logged (the sweep finds them)."""
    try:
        dispatch_notifications()
    except Exception:
        log.exception("Could not reach the task queue; the periodic sweep will dispatch the notifications")


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(NOTIFY_FLAG, False):
        wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(NOTIFY_FLAG, None)
