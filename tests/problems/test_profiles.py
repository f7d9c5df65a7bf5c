"""Profiles (/users/<id>): the user's visible problems and live comments, paginated."""

from __future__ import annotations

import re

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.timeutil import utcnow


def test_a_profile_lists_problems_and_comments(client, make_problem, user_factory):
    user = user_factory(name="Rosa Resident")
    problem = make_problem("Icy steps at the library", author=user)
    other = make_problem("Someone else's problem")
    services.add_comment(user, other, "I *agree* with this")
    db.session.commit()
    html = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "Rosa Resident" in html
    assert f'href="/problems/{problem.id}"' in html
    assert "Someone else&#39;s problem" in html and "<em>agree</em>" in html


def test_hidden_and_deleted_content_stays_off_profiles(client, make_problem, user_factory):
    user = user_factory()
    hidden = make_problem("Hidden problem title", author=user)
    hidden.hidden_at = utcnow()
    problem = make_problem("Visible one here")
    gone = services.add_comment(user, problem, "Deleted words")
    services.delete_comment(user, gone)
    rude = services.add_comment(user, problem, "Hidden words")
    rude.hidden_at = utcnow()
    db.session.commit()
    html = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "Hidden problem title" not in html and "Deleted words" not in html and "Hidden words" not in html


def test_profiles_paginate_by_id(client, problem_factory, user_factory):
    user = user_factory()
    problems = [problem_factory(author=user) for _ in range(23)]
    html = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert html.count('href="/problems/') == 20
    older = re.search(r'href="([^"]*problems_before=\d+[^"]*)">Older problems', html).group(1).replace("&amp;", "&")
    html = client.get(older).get_data(as_text=True)
    assert {int(i) for i in re.findall(r'href="/problems/(\d+)"', html)} == {p.id for p in problems[:3]}


def test_unknown_users_are_404(client):
    assert client.get("/users/999").status_code == 404
