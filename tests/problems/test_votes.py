"""Votes: one per person, exact stored counts, hot score and dataset demand in step; JSON answers."""

from __future__ import annotations

import pytest

from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.problems import services
from civicboard.problems.ranking import hot_score
from civicboard.validation import ConflictError
from tests.problems.conftest import stored, vote_rows


def test_voting_counts_once(make_problem, user_factory):
    problem = make_problem()
    voter = user_factory()
    assert services.vote(voter, problem) == (True, 1)
    assert services.vote(voter, problem) == (True, 1)
    db.session.commit()
    assert stored(problem.id).vote_count == 1 == vote_rows(problem.id)


def test_withdrawing_counts_once(make_problem, user_factory):
    problem = make_problem()
    voter = user_factory()
    services.vote(voter, problem)
    assert services.withdraw_vote(voter, problem) == (False, 0)
    assert services.withdraw_vote(voter, problem) == (False, 0)
    db.session.commit()
    assert stored(problem.id).vote_count == 0 == vote_rows(problem.id)


def test_the_hot_score_follows_the_votes(make_problem, user_factory):
    problem = make_problem()
    for _ in range(3):
        services.vote(user_factory(), problem)
    db.session.commit()
    fresh = stored(problem.id)
    assert fresh.hot == hot_score(3, 0, fresh.created_at)
    assert fresh.hot > hot_score(0, 0, fresh.created_at)


def test_votes_raise_the_demand_of_tied_datasets(make_problem, user_factory, dataset_factory):
    a, b = dataset_factory(), dataset_factory()
    problem = make_problem(datasets=[a, b])
    voter = user_factory()
    services.vote(voter, problem)
    services.vote(user_factory(), problem)
    services.withdraw_vote(voter, problem)
    db.session.commit()
    db.session.expire_all()
    assert (a.demand, b.demand) == (1, 1)
    assert (a.problem_count, b.problem_count) == (1, 1)


@pytest.mark.parametrize("status", ["resolved", "declined", "duplicate"])
def test_closed_problems_take_no_votes(make_problem, user_factory, status):
    problem = make_problem()
    problem.status = status
    db.session.commit()
    with pytest.raises(ConflictError):
        services.vote(user_factory(), problem)


def test_locked_problems_take_no_votes(make_problem, user_factory):
    problem = make_problem()
    problem.locked_at = problem.created_at
    db.session.commit()
    with pytest.raises(ConflictError):
        services.vote(user_factory(), problem)


def test_banned_users_cannot_vote(make_problem, user_factory):
    problem = make_problem()
    voter = user_factory()
    voter.banned_at = problem.created_at
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.vote(voter, problem)


def test_the_vote_button_posts_and_redirects_back(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/vote", {"next": "/?sort=top"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/?sort=top"
    assert stored(problem.id).vote_count == 1


def test_the_unvote_button_withdraws(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    client.form(f"/problems/{problem.id}/vote")
    client.form(f"/problems/{problem.id}/unvote")
    assert stored(problem.id).vote_count == 0


def test_the_page_script_votes_through_the_api_with_the_session_and_csrf_token(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    headers = {"Accept": "application/json", "X-CSRFToken": client.csrf_token()}
    response = client.put(f"/api/v1/problems/{problem.id}/vote", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"voted": True, "vote_count": 1}
    response = client.delete(f"/api/v1/problems/{problem.id}/vote", headers=headers)
    assert response.get_json() == {"voted": False, "vote_count": 0}


def test_a_cookie_authenticated_api_vote_without_the_csrf_token_is_refused(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    assert client.put(f"/api/v1/problems/{problem.id}/vote").status_code == 400
    assert stored(problem.id).vote_count == 0


def test_the_vote_route_is_the_plain_form_path_even_when_json_is_asked(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/vote", headers={"Accept": "application/json"})
    assert response.status_code == 303
    assert stored(problem.id).vote_count == 1


def test_a_vote_on_a_closed_problem_is_refused_with_a_message(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    problem.status = "resolved"
    db.session.commit()
    response = client.form(f"/problems/{problem.id}/vote", follow_redirects=True)
    assert "closed" in response.get_data(as_text=True).lower()
    assert stored(problem.id).vote_count == 0


def test_anonymous_votes_are_sent_to_log_in(client, make_problem):
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/vote")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.put(f"/api/v1/problems/{problem.id}/vote").status_code == 401


def test_votes_need_a_csrf_token(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    assert client.post(f"/problems/{problem.id}/vote").status_code == 400
    assert stored(problem.id).vote_count == 0


def test_hidden_problems_cannot_be_voted_on(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    problem.hidden_at = problem.created_at
    db.session.commit()
    assert client.form(f"/problems/{problem.id}/vote").status_code == 404
