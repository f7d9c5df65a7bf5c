"""Digests: a period's events in one email per person, never an event twice, nothing when empty."""

from __future__ import annotations

from datetime import timedelta

from civicboard.extensions import db
from civicboard.notify import dispatch
from civicboard.outbox.services import deliver_due
from civicboard.problems import preferences
from civicboard.problems.models import EmailState, Notification
from civicboard.problems.services import add_comment
from civicboard.timeutil import utcnow
from tests.smtp import body_of


def _comments(problem, author, *bodies):
    for body in bodies:
        add_comment(author, problem, body)
    db.session.commit()


def test_a_daily_digest_groups_the_days_events_in_one_email(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory("Potholes on Elm Street")
    follower(problem, email="ana@example.org")
    _comments(problem, user_factory(name="Bo"), "First pothole.", "Second one.")
    worker_pass()
    assert dispatch.send_digests("daily") == 1
    deliver_due()
    [message] = smtp_server.messages
    body = body_of(message)
    assert message["Subject"] == "Your daily digest from CivicBoard: 2 updates"
    assert "1. Bo commented on “Potholes on Elm Street”." in body and "> First pothole." in body
    assert "2. Bo commented on “Potholes on Elm Street”." in body and "> Second one." in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_digest_never_repeats_an_event(app, problem_factory, follower, user_factory, smtp_server, worker_pass):
    problem = problem_factory()
    follower(problem)
    _comments(problem, user_factory(), "One.")
    worker_pass()
    assert dispatch.send_digests("daily") == 1
    assert dispatch.send_digests("daily") == 0  # the same period run again
    _comments(problem, user_factory(), "Two.")
    worker_pass()
    assert dispatch.send_digests("daily") == 1
    deliver_due()
    assert len(smtp_server.messages) == 2
    assert "> One." not in body_of(smtp_server.messages[1]) and "> Two." in body_of(smtp_server.messages[1])


def test_an_empty_period_sends_nothing(app, problem_factory, follower, smtp_server, worker_pass):
    follower(problem_factory())
    worker_pass()
    assert dispatch.send_digests("daily") == 0
    assert dispatch.send_digests("weekly") == 0
    deliver_due()
    assert smtp_server.messages == []


def test_events_after_the_digest_time_wait_for_the_next_one(app, problem_factory, follower, user_factory, worker_pass):
    problem = problem_factory()
    follower(problem)
    _comments(problem, user_factory(), "Later.")
    worker_pass()
    assert dispatch.send_digests("daily", now=utcnow() - timedelta(hours=1)) == 0
    assert db.session.execute(db.select(Notification.email_state)).scalar_one() == EmailState.DAILY


def test_a_weekly_digest_holds_the_weeks_events(app, problem_factory, follower, user_factory, smtp_server, worker_pass):
    problem = problem_factory()
    resident = follower(problem)
    preferences.set_delivery(resident.id, "comments", "weekly")
    db.session.commit()
    _comments(problem, user_factory(), "Weekly news.")
    worker_pass()
    assert dispatch.send_digests("daily") == 0
    assert dispatch.send_digests("weekly") == 1
    deliver_due()
    assert smtp_server.messages[0]["Subject"].startswith("Your weekly digest")


def test_one_click_on_a_digest_turns_that_digest_off(
    app, make_client, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    resident = follower(problem)
    _comments(problem, user_factory(), "Hello.")
    worker_pass()
    dispatch.send_digests("daily")
    deliver_due()
    url = smtp_server.messages[0]["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    assert make_client().post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    settings = preferences.settings_of(resident.id)
    assert settings["comments"] is preferences.Delivery.OFF and settings["challenges"] is preferences.Delivery.OFF
    assert settings["responses"] is preferences.Delivery.IMMEDIATE


def test_a_person_suspended_before_the_digest_gets_none(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    from civicboard.moderation import services as moderation

    problem = problem_factory()
    resident = follower(problem)
    _comments(problem, user_factory(), "Hello.")
    worker_pass()
    moderation.suspend_user(user_factory(roles=["moderator"]), resident, None, "Spam")
    db.session.commit()
    assert dispatch.send_digests("daily") == 0
    assert db.session.execute(db.select(Notification.email_state)).scalar_one() == EmailState.SKIPPED
