"""Queue email in the current transaction, and deliver what is due, each message at most once.

A message is written with the change it reports and commits or rolls back with it. Delivery
claims one due row at a time with a single UPDATE ... WHERE status = 'queued' (on PostgreSQL
the candidate row is locked with SKIP LOCKED), commits the claim, then sends: two workers never
hold the same row, and a row is only sent by the worker whose claim it carries. A worker killed
after claiming leaves its row 'sending'; once that claim is stale the row is marked failed,
not sent again, because nobody can know whether the mail server already had it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update

from civicboard.extensions import db
from civicboard.mail import one_connection, send_email
from civicboard.outbox.models import OutboxMessage, OutboxStatus
from civicboard.permissions import Capability, require
from civicboard.timeutil import utcnow

log = logging.getLogger(__name__)

# Session.info flag: the transaction queued mail, so the worker is told after it commits.
WAKE_FLAG = "civicboard.outbox.wake"
INTERRUPTED = (
    "Delivery was interrupted (the worker stopped while sending), so it may or may not have "
    "arrived; it is not sent again by itself. Retry to send it once more."
)


def queue_email(
    message_key: str,
    to: str,
    subject: str,
    body: str,
    *,
    user_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction; None if its key is already there.

    The key names the event and the recipient (e.g. "password-reset:<user>:<nonce>"), so
    queueing one event twice still sends one message.
    """
    exists = db.session.execute(select(OutboxMessage.id).where(OutboxMessage.message_key == message_key)).first()
    if exists is not None:
        return None
    message = OutboxMessage(
        message_key=message_key,
        user_id=user_id,
        recipient=to,
        subject=subject,
        body=body,
        headers=dict(headers or {}),
        status=OutboxStatus.QUEUED.value,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.info[WAKE_FLAG] = True
    return message


def queue_many(messages: list[dict]) -> int:
    """Add many messages in one statement (the worker writing a large audience's mail).

    Each dict has message_key, recipient, subject, body, user_id and headers. The caller
    owns the keys' uniqueness (they name events it has claimed); a repeated key fails the
    transaction rather than sending twice.
    """
    if not messages:
        return 0
    now = utcnow()
    rows = [
        {
            "message_key": m["message_key"],
            "user_id": m.get("user_id"),
            "recipient": m["recipient"],
            "subject": m["subject"],
            "body": m["body"],
            "headers": dict(m.get("headers") or {}),
            "status": OutboxStatus.QUEUED.value,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for m in messages
    ]
    db.session.execute(insert(OutboxMessage), rows)
    db.session.info[WAKE_FLAG] = True
    return len(rows)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0


def deliver_due(limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send every message due now (at most `limit`); returns the counts. Commits as it goes."""
    report = DeliveryReport(interrupted=fail_interrupted(now))
    done = 0
    with one_connection():  # one SMTP connection for the pass
        while limit is None or done < limit:
            claim = claim_next(now)
            if claim is None:
                break
            message_id, claim_id = claim
            outcome = deliver_claimed(message_id, claim_id)
            setattr(report, outcome, getattr(report, outcome) + 1)
            done += 1
    return report


def claim_next(now: datetime | None = None) -> tuple[int, str] | None:
    """Claim the next due message for this worker and commit; (id, claim id) or None."""
    now = now or utcnow()
    claim_id = secrets.token_hex(8)
    candidate = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(OutboxMessage)
        # `=` and not IN: PostgreSQL evaluates a scalar subquery once, while an IN may be
        # rescanned, and each rescan under SKIP LOCKED could pick another row.
        .where(OutboxMessage.id == candidate.scalar_subquery(), OutboxMessage.status == OutboxStatus.QUEUED.value)
        .values(
            status=OutboxStatus.SENDING.value,
            claimed_at=now,
            claim_id=claim_id,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    message_id = db.session.execute(statement).scalar_one_or_none()
    db.session.commit()
    return None if message_id is None else (message_id, claim_id)


def deliver_claimed(message_id: int, claim_id: str) -> str:
    """Send one claimed message and record the outcome: "sent", "retried" or "failed"."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.claim_id != claim_id:
        db.session.rollback()
        return "failed"
    to, subject, body, headers, attempts = (
        message.recipient,
        message.subject,
        message.body,
        dict(message.headers or {}),
        message.attempts,
    )
    message_ref = f"<{message.message_key.replace(':', '.')}.{message.id}@{_domain()}>"
    # The row is read; end the transaction so no lock is held while the mail server talks.
    db.session.commit()
    try:
        send_email(to, subject, body, headers=headers, message_id=message_ref)
    except Exception as exc:
        # Logged for the operator (without the address); the row shows it to admins.
        current_app.logger.exception(
            "Email %r to an address at %s could not be sent (attempt %d)", subject, to.rpartition("@")[2], attempts
        )
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 5):
            values = {"status": OutboxStatus.FAILED.value, "last_error": error}
            outcome = "failed"
        else:
            values = {
                "status": OutboxStatus.QUEUED.value,
                "last_error": error,
                "next_attempt_at": utcnow() + retry_delay(attempts),
            }
            outcome = "retried"
    else:
        values = {"status": OutboxStatus.SENT.value, "sent_at": utcnow(), "last_error": ""}
        outcome = "sent"
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_id == claim_id)
        .values(claim_id=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return outcome


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the given number of failed attempts, capped at MAIL_RETRY_MAX_SECONDS."""
    base = current_app.config.get("MAIL_RETRY_BASE_SECONDS", 60)
    cap = current_app.config.get("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def fail_interrupted(now: datetime | None = None) -> int:
    """Mark messages claimed longer ago than MAIL_SENDING_STALE_SECONDS as failed; returns how many."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=current_app.config.get("MAIL_SENDING_STALE_SECONDS", 600))
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.claimed_at < stale_before)
        .values(status=OutboxStatus.FAILED.value, claim_id=None, last_error=INTERRUPTED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def retry_failed(actor, message: OutboxMessage) -> None:
    """Put a failed message back in the queue (admins), to be sent at the next pass."""
    require(actor, Capability.MANAGE_ROLES)
    if message.status != OutboxStatus.FAILED.value:
        return
    message.status = OutboxStatus.QUEUED.value
    message.next_attempt_at = utcnow()
    db.session.info[WAKE_FLAG] = True


def failed_count() -> int:
    """How many messages gave up (shown to admins)."""
    return db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED.value)
    ).scalar_one()


def failed_messages(limit: int = 20) -> list[OutboxMessage]:
    """The most recent failed messages, newest first."""
    return list(
        db.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED.value)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        ).scalars()
    )


def recent_messages(limit: int = 100) -> list[OutboxMessage]:
    """The newest messages whatever their state (the development mail page)."""
    return list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)).scalars())


def _domain() -> str:
    address = current_app.config["MAIL_FROM"].rpartition("<")[2].rstrip(">")
    return address.rpartition("@")[2] or "localhost"
