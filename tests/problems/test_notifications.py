"""Notifications: written for followers and replies, listed newest first, read when seen, counted exactly."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.problems import notifications, services
from civicboard.problems.models import Notification


def unread(user) -> tuple[int, int]:
    """(stored count, rows unread)."""
    db.session.expire_all()
    stored = db.session.get(User, user.id).unread_notifications
    rows = db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()
    return stored, rows


def test_the_header_shows_the_unread_count(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem(author=user)
    services.add_comment(user_factory(), problem, "Hello")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'Notifications <span class="count">1<span class="visually-hidden"> unread', html)


def test_the_page_lists_newest_first_links_to_the_comment_and_marks_read(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem("Leaky hydrant on Elm", author=user)
    first = services.add_comment(user_factory(name="Ann"), problem, "First")
    second = services.add_comment(user_factory(name="Bob"), problem, "Second")
    db.session.commit()
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Bob") < html.index("Ann")
    assert f'href="/problems/{problem.id}?comment={second.id}#comment-{second.id}"' in html
    assert f'href="/problems/{problem.id}?comment={first.id}#comment-{first.id}"' in html
    assert html.count("is-unread") == 2
    assert unread(user) == (0, 0)
    assert "is-unread" not in client.get("/notifications").get_data(as_text=True)


def test_mark_all_read(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem(author=user)
    for _ in range(3):
        services.add_comment(user_factory(), problem, "Hi")
    db.session.commit()
    assert unread(user) == (3, 3)
    assert client.form("/notifications/read").status_code == 303
    assert unread(user) == (0, 0)


def test_the_page_is_paginated_and_marks_only_what_it_shows(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem(author=user)
    other = user_factory()
    for n in range(35):
        services.add_comment(other, problem, f"Comment {n}")
    db.session.commit()
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count('<li class="notification') == 30
    assert unread(user) == (5, 5)
    older = re.search(r'href="(/notifications\?before=\d+)" rel="next"', html).group(1)
    assert client.get(older).get_data(as_text=True).count('<li class="notification') == 5
    assert unread(user) == (0, 0)


def test_notifications_need_a_login(client):
    assert client.get("/notifications").status_code == 302


def test_notify_followers_counts_each_recipient_once(make_problem, user_factory):
    author = user_factory()
    problem = make_problem(author=author)
    followers = [user_factory() for _ in range(3)]
    for follower in followers:
        services.follow_problem(follower, problem)
    actor = followers[0]
    told = notifications.notify_followers("status", actor=actor, problem_id=problem.id, exclude_user_ids=[author.id])
    db.session.commit()
    assert told == 2
    assert [unread(f) for f in followers] == [(0, 0), (1, 1), (1, 1)]
    assert unread(author) == (0, 0)


def test_mark_all_read_lowers_the_count_by_what_it_marked(make_problem, user_factory):
    author = user_factory()
    problem = make_problem(author=author)
    services.add_comment(user_factory(), problem, "One")
    db.session.commit()
    author.unread_notifications = 5  # drift from elsewhere is not hidden by a blanket reset
    db.session.commit()
    assert notifications.mark_all_read(author) == 1
    db.session.commit()
    assert unread(author) == (4, 0)
    assert notifications.recount_unread(author.id) == 0
