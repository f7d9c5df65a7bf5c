"""Suspensions: until a date or for good; sessions end at once; lifted by a moderator."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.moderation import services
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError
from tests.staff.factories import add_comment


def test_suspending_until_a_date_starts_at_that_day(moderator, user_factory):
    target = user_factory()
    until = utcnow().date() + timedelta(days=7)
    services.suspend_user(moderator, target, until, "Repeated abuse.")
    db.session.commit()
    assert target.banned_until == datetime.combine(until, datetime.min.time())
    assert target.is_banned and target.ban_reason == "Repeated abuse."


def test_a_ban_for_good_has_no_end(moderator, user_factory):
    target = user_factory()
    services.suspend_user(moderator, target, None, "Spam account.")
    assert target.is_banned and target.banned_until is None


def test_a_suspension_must_end_in_the_future(moderator, user_factory):
    with pytest.raises(ValidationError):
        services.suspend_user(moderator, user_factory(), utcnow().date(), "Too late.")


def test_lifting_a_suspension(moderator, user_factory):
    target = user_factory()
    services.suspend_user(moderator, target, None, "Spam.")
    assert services.lift_suspension(moderator, target, "Appeal accepted.") is True
    assert not target.is_banned
    assert services.lift_suspension(moderator, target) is False
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.target_type == "user")).scalars().all()
    assert actions.count("user.ban") == 1 and actions.count("user.unban") == 1


def test_suspension_ends_their_sessions_at_once(moderator_client, make_client, user_factory, login):
    target = user_factory()
    their_browser = make_client()
    login(their_browser, target)
    assert their_browser.get("/account").status_code == 200
    until = (utcnow().date() + timedelta(days=3)).isoformat()
    response = moderator_client.form(f"/moderation/users/{target.id}/suspend", {"until": until, "reason": "Abuse."})
    assert response.status_code == 302
    assert their_browser.get("/account").status_code == 302  # logged out: sent to the login page


def test_suspend_form_needs_a_date_or_a_ban_for_good(moderator_client, user_factory):
    target = user_factory()
    response = moderator_client.form(f"/moderation/users/{target.id}/suspend", {"reason": "Abuse."})
    assert response.status_code == 422
    assert "Ban for good" in response.get_data(as_text=True)
    response = moderator_client.form(f"/moderation/users/{target.id}/suspend", {"permanent": "y", "reason": "Spam."})
    assert response.status_code == 302
    db.session.expire_all()
    assert target.is_banned and target.banned_until is None


def test_lift_route(moderator_client, moderator, user_factory):
    target = user_factory()
    services.suspend_user(moderator, target, None, "Spam.")
    db.session.commit()
    assert moderator_client.form(f"/moderation/users/{target.id}/lift", {"reason": "Ok."}).status_code == 302
    db.session.expire_all()
    assert not target.is_banned


def test_user_page_shows_recent_content_including_hidden(moderator_client, moderator, user_factory, problem_factory):
    target = user_factory(name="Troll Person")
    problem = problem_factory(title="A perfectly fine problem", author=target)
    comment = add_comment(problem, target, body="Something rude.")
    services.hide(moderator, comment, "Rude.")
    services.flag(user_factory(), "problem", problem.id, "spam", "")
    db.session.commit()
    html = moderator_client.get(f"/moderation/users/{target.id}").get_data(as_text=True)
    assert "A perfectly fine problem" in html and "Something rude." in html
    assert "hidden" in html and "1 open report on their content" in html


def test_user_page_asks_a_fixed_number_of_queries(moderator_client, user_factory, problem_factory, count_queries):
    target = user_factory()
    counts = []
    for _ in range(2):
        for _ in range(10):
            add_comment(problem_factory(author=target), target)
        with count_queries() as counter:
            assert moderator_client.get(f"/moderation/users/{target.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8
