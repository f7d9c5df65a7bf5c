"""A challenge's followers hear when it is published or closed (topic "challenges", daily by default)."""

from __future__ import annotations

from sqlalchemy import select

from civicboard.challenges import services
from civicboard.extensions import db
from civicboard.notify import dispatch
from civicboard.outbox.services import deliver_due
from civicboard.problems import preferences
from civicboard.problems.models import EmailState, Notification
from tests.smtp import body_of


def test_closing_a_challenge_tells_its_followers(app, challenge_factory, organizer, user_factory, smtp_server):
    challenge = challenge_factory(status="published", title="Open Streets Data Jam")
    resident = user_factory(email="ana@example.org")
    services.follow_challenge(resident, challenge)
    preferences.set_delivery(resident.id, "challenges", "immediate")
    db.session.commit()
    services.close_challenge(organizer, challenge)
    db.session.commit()
    assert db.session.execute(select(Notification.kind).where(Notification.user_id == resident.id)).scalars().all() == [
        "challenge_closed"
    ]
    dispatch.run()
    deliver_due()
    [message] = smtp_server.to("ana@example.org")
    assert message["Subject"] == "The challenge “Open Streets Data Jam” is closed"
    assert f"/challenges/{challenge.slug}" in body_of(message)


def test_by_default_it_waits_for_the_daily_digest(app, challenge_factory, organizer, user_factory):
    challenge = challenge_factory(status="published")
    resident = user_factory()
    services.follow_challenge(resident, challenge)
    db.session.commit()
    services.close_challenge(organizer, challenge)
    services.publish_challenge(organizer, challenge)  # reopened
    db.session.commit()
    dispatch.run()
    rows = db.session.execute(
        select(Notification.kind, Notification.email_state).where(Notification.user_id == resident.id)
    ).all()
    assert sorted(rows) == [("challenge_closed", EmailState.DAILY), ("challenge_published", EmailState.DAILY)]
