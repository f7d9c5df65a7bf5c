"""Automatic hiding is not in the hands of new accounts; reports are rate-limited."""

from __future__ import annotations

from datetime import timedelta

from civicboard.extensions import db
from civicboard.moderation import services
from civicboard.problems.models import Problem
from civicboard.timeutil import utcnow


def test_reports_from_new_accounts_do_not_hide_an_item(problem_factory, user_factory):
    problem = problem_factory()
    for _ in range(5):
        services.flag(user_factory(), "problem", problem.id, "spam", "")
    db.session.commit()
    problem = db.session.get(Problem, problem.id)
    assert not problem.is_hidden
    assert problem.flag_count == 5  # every report still reaches the moderators


def test_only_established_accounts_count_towards_the_threshold(problem_factory, user_factory, residents):
    problem = problem_factory()
    for _ in range(2):
        services.flag(user_factory(), "problem", problem.id, "spam", "")
    first, second = residents(2)
    services.flag(first, "problem", problem.id, "spam", "")
    services.flag(second, "problem", problem.id, "spam", "")
    assert not problem.is_hidden
    (third,) = residents(1)
    services.flag(third, "problem", problem.id, "spam", "")
    assert problem.is_hidden


def test_the_account_age_comes_from_the_config(app, problem_factory, user_factory):
    app.config["FLAG_MIN_ACCOUNT_AGE_HOURS"] = 1
    problem = problem_factory()
    for _ in range(3):
        reporter = user_factory()
        reporter.created_at = utcnow() - timedelta(hours=2)
        services.flag(reporter, "problem", problem.id, "spam", "")
    assert problem.is_hidden


def test_reports_are_limited_per_person(app, client, login, user_factory, problem_factory):
    app.config["RATELIMIT_FLAGS"] = "2 per minute"
    login(client, user_factory())
    problems = [problem_factory() for _ in range(3)]
    statuses = [
        client.form("/flags", {"target_type": "problem", "target_id": p.id, "reason": "spam"}).status_code
        for p in problems
    ]
    assert statuses[:2] == [302, 302] and statuses[2] == 429


def test_reports_are_limited_per_address_across_accounts(app, make_client, login, user_factory, problem_factory):
    app.config["RATELIMIT_FLAGS"] = "2 per minute"
    problem = problem_factory()
    statuses = []
    for _ in range(3):
        client = make_client()
        login(client, user_factory())
        response = client.form("/flags", {"target_type": "problem", "target_id": problem.id, "reason": "spam"})
        statuses.append(response.status_code)
    assert statuses[:2] == [302, 302] and statuses[2] == 429


def test_the_api_shares_the_report_budget_with_the_form(app, client, login, user_factory, problem_factory):
    app.config["RATELIMIT_FLAGS"] = "1 per minute"
    login(client, user_factory())
    first, second = problem_factory(), problem_factory()
    assert client.form("/flags", {"target_type": "problem", "target_id": first.id, "reason": "spam"}).status_code == 302
    response = client.post(
        "/api/v1/flags",
        json={"target_type": "problem", "target_id": second.id, "reason": "spam"},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 429
