"""Large audiences: the request writes one fan-out row; the worker writes the notifications and emails."""

from __future__ import annotations

from sqlalchemy import func, select

from civicboard.extensions import db
from civicboard.notify import dispatch
from civicboard.outbox.models import OutboxMessage
from civicboard.problems import notifications
from civicboard.problems.models import Follow, Notification, NotificationFanout
from civicboard.staff import services as staff_services
from civicboard.timeutil import utcnow


def _follow_many(problem, users):
    db.session.add_all(Follow(user_id=u.id, problem_id=problem.id, created_at=utcnow()) for u in users)
    db.session.commit()


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_above_the_inline_limit_the_request_writes_one_row(app, problem_factory, residents, user_factory):
    app.config["NOTIFY_INLINE_MAX"] = 3
    problem = problem_factory()
    _follow_many(problem, residents(5))
    staff_services.respond(user_factory(roles=["staff"]), problem, "On it.", "acknowledged")
    db.session.commit()
    assert _count(Notification) == 0 and _count(NotificationFanout) == 1
    report = dispatch.run()
    assert report.fanouts == 1 and report.emailed == 5
    assert _count(Notification) == 5 and _count(OutboxMessage) == 5


def test_below_the_limit_the_request_writes_the_notifications(app, problem_factory, residents, user_factory):
    app.config["NOTIFY_INLINE_MAX"] = 3
    problem = problem_factory()
    _follow_many(problem, residents(3))
    staff_services.respond(user_factory(roles=["staff"]), problem, "On it.", "acknowledged")
    db.session.commit()
    assert _count(Notification) == 3 and _count(NotificationFanout) == 0


def test_a_fanout_raises_unread_counts_and_is_expanded_once(app, problem_factory, residents, user_factory):
    app.config["NOTIFY_INLINE_MAX"] = 1
    problem = problem_factory()
    people = residents(3)
    _follow_many(problem, people)
    staff_services.respond(user_factory(roles=["staff"]), problem, "On it.", "acknowledged")
    db.session.commit()
    [fanout_id] = notifications.pending_fanouts()
    assert notifications.expand_fanout(fanout_id) == 3
    db.session.commit()
    assert notifications.expand_fanout(fanout_id) is None
    db.session.commit()
    for person in people:
        db.session.refresh(person)
        assert person.unread_notifications == 1


def test_who_follows_after_the_event_is_not_told_of_it(app, problem_factory, residents, user_factory):
    app.config["NOTIFY_INLINE_MAX"] = 1
    problem = problem_factory()
    _follow_many(problem, residents(2))
    staff_services.respond(user_factory(roles=["staff"]), problem, "On it.", "acknowledged")
    db.session.commit()
    late = user_factory()
    notifications.follow(late, problem_id=problem.id)
    db.session.commit()
    dispatch.run()
    assert late.id not in db.session.execute(select(Notification.user_id)).scalars().all()
    assert _count(Notification) == 2
