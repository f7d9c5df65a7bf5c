"""What each person wants to hear by email: a delivery per topic, with the board's defaults.

A topic groups notification kinds a person thinks of as one thing (a response and a status
change are both "what the city said"). Only choices that differ from the default are stored,
so a new topic or a changed default reaches everyone who never chose.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from civicboard.extensions import db
from civicboard.problems.models import NotificationKind, NotificationSetting
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError


class Delivery(enum.StrEnum):
    """How a topic's notifications reach someone."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"  # only on the site


DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("Email at once"),
    Delivery.DAILY: _l("Daily digest"),
    Delivery.WEEKLY: _l("Weekly digest"),
    Delivery.OFF: _l("Only on the site"),
}


@dataclass(frozen=True)
class Topic:
    """A setting on /account/notifications: the kinds it covers and its default delivery."""

    key: str
    label: str  # lazy: read it where the reader's language is chosen
    kinds: frozenset[str]
    default: Delivery


TOPICS: tuple[Topic, ...] = (
    Topic(
        "responses",
        _l("An official response or a status change on a problem I follow or proposed"),
        frozenset({NotificationKind.RESPONSE, NotificationKind.STATUS}),
        Delivery.IMMEDIATE,
    ),
    Topic(
        "comments",
        _l("A comment on a problem I follow, or a reply to my comment"),
        frozenset({NotificationKind.COMMENT, NotificationKind.REPLY}),
        Delivery.DAILY,
    ),
    Topic(
        "challenges",
        _l("A problem I follow added to a challenge, or a challenge I follow published or closed"),
        frozenset(
            {NotificationKind.CHALLENGE_ADDED, NotificationKind.CHALLENGE_PUBLISHED, NotificationKind.CHALLENGE_CLOSED}
        ),
        Delivery.DAILY,
    ),
    Topic(
        "data",
        _l("A data request I follow answered (the dataset published)"),
        frozenset({NotificationKind.DATA_PUBLISHED}),
        Delivery.IMMEDIATE,
    ),
    Topic(
        "moderation",
        _l("A moderator hid or restored my problem or comment"),
        frozenset({NotificationKind.HIDDEN, NotificationKind.RESTORED}),
        Delivery.IMMEDIATE,
    ),
    Topic(
        "area_alerts",
        _l("New problems in a dataset or category I follow"),
        frozenset({NotificationKind.AREA_ALERT}),
        Delivery.WEEKLY,
    ),
)
TOPICS_BY_KEY = {topic.key: topic for topic in TOPICS}
_TOPIC_OF_KIND = {kind: topic for topic in TOPICS for kind in topic.kinds}


def topic_of(kind: str) -> Topic | None:
    """The topic a notification kind belongs to; None for kinds never emailed this way.

    (A project invitation has an email of its own, sent when it is made.)
    """
    return _TOPIC_OF_KIND.get(kind)


def deliveries_for(user_ids: list[int]) -> dict[int, dict[str, Delivery]]:
    """Every listed user's delivery per topic (defaults filled in), in one query."""
    result = {uid: {topic.key: topic.default for topic in TOPICS} for uid in user_ids}
    if not user_ids:
        return result
    rows = db.session.execute(
        select(NotificationSetting.user_id, NotificationSetting.topic, NotificationSetting.delivery).where(
            NotificationSetting.user_id.in_(user_ids)
        )
    )
    for user_id, topic, delivery in rows:
        if topic in TOPICS_BY_KEY and delivery in Delivery.__members__.values():
            result[user_id][topic] = Delivery(delivery)
    return result


def settings_of(user_id: int) -> dict[str, Delivery]:
    """One user's delivery per topic."""
    return deliveries_for([user_id])[user_id]


def set_delivery(user_id: int, topic: str, delivery: str) -> None:
    """Choose how a topic reaches the user (in the current transaction)."""
    if topic not in TOPICS_BY_KEY:
        raise ValidationError(_("Unknown kind of notification."), {topic: _("Unknown kind of notification.")})
    try:
        choice = Delivery(delivery)
    except ValueError:
        raise ValidationError(_("Choose how to hear about it."), {topic: _("Choose one of the options.")}) from None
    db.session.execute(
        delete(NotificationSetting).where(NotificationSetting.user_id == user_id, NotificationSetting.topic == topic)
    )
    if choice is not TOPICS_BY_KEY[topic].default:
        db.session.add(NotificationSetting(user_id=user_id, topic=topic, delivery=choice.value, updated_at=utcnow()))
    db.session.flush()


def update_settings(user_id: int, choices: dict[str, str]) -> None:
    """Save the settings form: a delivery for each topic; every topic must be answered."""
    missing = {t.key: _("Choose one of the options.") for t in TOPICS if t.key not in choices}
    if missing:
        raise ValidationError(_("Choose how to hear about each kind of notification."), missing)
    for topic in TOPICS:
        set_delivery(user_id, topic.key, choices[topic.key])


def turn_off(user_id: int, topics: list[str]) -> None:
    """Stop emailing these topics to the user (an unsubscribe link)."""
    for topic in topics:
        set_delivery(user_id, topic, Delivery.OFF.value)
