"""The worker's side of notifications: expand large fan-outs, turn notifications into email.

Every notification is written "pending" in the transaction of the change it reports. The
worker claims a batch of pending rows (UPDATE ... WHERE email_state = 'pending', the first
statement of its transaction, with SKIP LOCKED on PostgreSQL), decides for each recipient
(their setting for the topic; nothing for unconfirmed, suspended or erased accounts) and, in
the same transaction, writes the outbox rows of immediate emails and moves the rest to
"daily"/"weekly" for the digests. A crash rolls the batch back to "pending"; two workers
never claim the same row, and each email's key ("notification:<id>") names the event and
the recipient, so none is written twice.

Each email is written in its recipient's saved language (civicboard.i18n.language_of).

Digests claim a person's waiting rows the same way and write one email for them all, so
an event is told once, and a period with nothing to tell sends nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.i18n import in_language_of
from civicboard.notify import emails, unsubscribe
from civicboard.outbox.services import queue_many
from civicboard.problems import visibility
from civicboard.problems.models import EmailState, Notification, NotificationKind
from civicboard.problems.notifications import expand_fanout, pending_fanouts
from civicboard.problems.preferences import TOPICS, Delivery, deliveries_for, topic_of
from civicboard.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH = 500
_CLAIMED = "claimed"  # never committed: the same transaction sets the final state


@dataclass
class DispatchReport:
    """What one pass did."""

    fanouts: int = 0
    emailed: int = 0
    digest: int = 0
    skipped: int = 0


def run(now: datetime | None = None) -> DispatchReport:
    """Expand pending fan-outs, then dispatch every pending notification; commits as it goes."""
    report = DispatchReport()
    for fanout_id in pending_fanouts():
        if expand_fanout(fanout_id) is not None:
            report.fanouts += 1
        db.session.commit()
    while True:
        batch = dispatch_batch(BATCH)
        db.session.commit()
        if batch is None:
            break
        report.emailed += batch.emailed
        report.digest += batch.digest
        report.skipped += batch.skipped
    return report


def _claim(conditions: list, limit: int | None = None) -> list[int]:
    """Claim rows matching the conditions (first statement of the transaction); their ids."""
    candidates = select(Notification.id).where(*conditions).order_by(Notification.id)
    if limit is not None:
        candidates = candidates.limit(limit)
    candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.execute(candidates).scalars())
    if not ids:
        return []
    return list(
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), *conditions)
            .values(email_state=_CLAIMED)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def _reachable(user: User | None) -> bool:
    """May this account receive email? Confirmed, not suspended, not erased."""
    return user is not None and user.is_confirmed and not user.is_banned and "@" in (user.email or "")


def _load(ids: list[int]) -> tuple[list[Notification], dict[int, User]]:
    notifications = list(
        db.session.execute(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)).scalars()
    )
    user_ids = sorted({n.user_id for n in notifications})
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()}
    return notifications, users


def _visible(n: Notification, user: User, facts: emails.Facts) -> bool:
    """Is what the notification names still there for this reader (not hidden from them since)?"""
    if n.kind in (NotificationKind.HIDDEN, NotificationKind.RESTORED):
        return True  # the author hears of their own item whatever its state
    problem = facts.problems.get(n.problem_id) if n.problem_id else None
    if problem is not None and not visibility.is_visible_to(problem, user):
        return False
    comment = facts.comments.get(n.comment_id) if n.comment_id else None
    return comment is None or visibility.is_visible_to(comment, user)


def dispatch_batch(limit: int = BATCH) -> DispatchReport | None:
    """Decide the email of up to `limit` pending notifications; None when there were none. Does not commit."""
    ids = _claim([Notification.email_state == EmailState.PENDING.value], limit)
    if not ids:
        return None
    notifications, users = _load(ids)
    settings = deliveries_for(sorted(users))
    facts = emails.load_facts(notifications)
    report = DispatchReport()
    states: dict[str, list[int]] = defaultdict(list)
    messages = []
    for n in notifications:
        user, topic = users.get(n.user_id), topic_of(n.kind)
        delivery = settings.get(n.user_id, {}).get(topic.key) if topic else None
        if delivery in (None, Delivery.OFF) or not _reachable(user) or not _visible(n, user, facts):
            states[EmailState.SKIPPED].append(n.id)
            report.skipped += 1
            continue
        if delivery in (Delivery.DAILY, Delivery.WEEKLY):
            states[EmailState(delivery.value)].append(n.id)
            report.digest += 1
            continue
        link = unsubscribe.unsubscribe_url(user.id, [topic.key])
        with in_language_of(user):
            event = emails.describe(n, facts)
            written = emails.single(user.name, event, topic.label, link) if event else None
        if written is None:
            states[EmailState.SKIPPED].append(n.id)
            report.skipped += 1
            continue
        subject, body = written
        messages.append(
            {
                "message_key": f"notification:{n.id}",
                "user_id": user.id,
                "recipient": user.email,
                "subject": subject,
                "body": body,
                "headers": unsubscribe.headers(link),
            }
        )
        states[EmailState.SENT].append(n.id)
        report.emailed += 1
    queue_many(messages)
    _set_states(states)
    return report


def _set_states(states: dict[str, list[int]]) -> None:
    for state, ids in states.items():
        for start in range(0, len(ids), BATCH):
            db.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids[start : start + BATCH]))
                .values(email_state=str(state))
                .execution_options(synchronize_session=False)
            )


def send_digests(period: str, now: datetime | None = None) -> int:
    """Write the digests of a period ("daily" or "weekly") for everyone with news; returns how many.

    Events written up to `now` are included; each person's events are claimed in the same
    transaction as their digest, so a second run (or a second worker) finds nothing to repeat.
    """
    state = EmailState(period)
    now = now or utcnow()
    sent = 0
    user_ids = list(
        db.session.execute(
            select(Notification.user_id)
            .where(Notification.email_state == state.value, Notification.created_at <= now)
            .distinct()
            .order_by(Notification.user_id)
        ).scalars()
    )
    db.session.commit()
    for start in range(0, len(user_ids), 100):
        chunk = user_ids[start : start + 100]
        ids = _claim(
            [
                Notification.email_state == state.value,
                Notification.created_at <= now,
                Notification.user_id.in_(chunk),
            ]
        )
        sent += _write_digests(period, ids)
        db.session.commit()
    return sent


def _write_digests(period: str, ids: list[int]) -> int:
    if not ids:
        return 0
    notifications, users = _load(ids)
    settings = deliveries_for(sorted(users))
    facts = emails.load_facts(notifications)
    per_user: dict[int, list[Notification]] = defaultdict(list)
    for n in notifications:
        per_user[n.user_id].append(n)
    states: dict[str, list[int]] = defaultdict(list)
    messages = []
    for user_id, items in per_user.items():
        user = users.get(user_id)
        if not _reachable(user):
            states[EmailState.SKIPPED] += [n.id for n in items]
            continue
        topics = [t.key for t in TOPICS if settings[user_id][t.key] is Delivery(period)] or [
            t.key for n in items if (t := topic_of(n.kind)) is not None
        ]
        link = unsubscribe.unsubscribe_url(user_id, sorted(set(topics)))
        with in_language_of(user):
            events = [e for n in items if _visible(n, user, facts) and (e := emails.describe(n, facts)) is not None]
            written = emails.digest(user.name, period, events, link) if events else None
        if written is None:
            states[EmailState.SKIPPED] += [n.id for n in items]
            continue
        subject, body = written
        messages.append(
            {
                "message_key": f"digest:{period}:{user_id}:{max(n.id for n in items)}",
                "user_id": user_id,
                "recipient": user.email,
                "subject": subject,
                "body": body,
                "headers": unsubscribe.headers(link),
            }
        )
        states[EmailState.DIGESTED] += [n.id for n in items]
    queue_many(messages)
    _set_states(states)
    return len(messages)
