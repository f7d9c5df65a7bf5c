"""Votes: one per person, exact stored counts, hot score and dataset demand in step; JSON answers."""

from __future__ import annotations

import pytest

from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.problems import services
from civicboard.problems.ranking import hot_score
from civicboard.validation import ConflictError
from tests.conftest import DEFAULT_PASSWORD
from tests.problems.conftest import stored, vote_rows


def test_voting_counts_once(make_problem, user_factory):
    problem = make_problem()
    voter = user_factory()
    assert services.vote(voter, problem.id) == (True, 1)
    assert services.vote(voter, problem.id) == (True, 1)
    db.session.commit()
    assert stored(problem.id).vote_count == 1 == vote_rows(problem.id)


def test_withdrawing_counts_once(make_problem, user_factory):
    problem = make_problem()
    voter = user_factory()
    services.vote(voter, problem.id)
    assert services.withdraw_vote(voter, problem.id) == (False, 0)
    assert services.withdraw_vote(voter, problem.id) == (False, 0)
    db.session.commit()
    assert stored(problem.id).vote_count == 0 == vote_rows(problem.id)


def test_the_hot_score_follows_the_votes(make_problem, user_factory):
    problem = make_problem()
    for _ in range(3):
        services.vote(user_factory(), problem.id)
    db.session.commit()
    fresh = stored(problem.id)
    assert fresh.hot == hot_score(3, 0, fresh.created_at)
    assert fresh.hot > hot_score(0, 0, fresh.created_at)


def test_votes_raise_the_demand_of_tied_datasets(make_problem, user_factory, dataset_factory):
    a, b = dataset_factory(), dataset_factory()
    problem = make_problem(datasets=[a, b])
    voter = user_factory()
    services.vote(voter, problem.id)
    services.vote(user_factory(), problem.id)
    services.withdraw_vote(voter, problem.id)
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
        services.vote(user_factory(), problem.id)


def test_locked_problems_take_no_votes(make_problem, user_factory):
    problem = make_problem()
    problem.locked_at = problem.created_at
    db.session.commit()
    with pytest.raises(ConflictError):
        services.vote(user_factory(), problem.id)


def test_banned_users_cannot_vote(make_problem, user_factory):
    problem = make_problem()
    voter = user_factory()
    voter.banned_at = problem.created_at
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.vote(voter, problem.id)


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


# -- voting when not logged in: "Log in to vote", then a one-click confirmation ---------------


def test_anonymous_readers_get_a_log_in_to_vote_link_that_keeps_the_vote(client, make_problem):
    problem = make_problem()
    response = client.get(f"/problems/{problem.id}")
    html = response.get_data(as_text=True)
    assert "Log in to vote" in html
    assert f'href="/login?next=/problems/{problem.id}?vote%3D1"' in html
    assert "Set-Cookie" not in response.headers  # a link, no form: the page starts no session


def test_logging_in_to_vote_comes_back_to_a_one_click_confirmation(client, make_problem, user_factory):
    problem = make_problem()
    user = user_factory()
    response = client.form(
        "/login", {"email": user.email, "password": DEFAULT_PASSWORD, "next": f"/problems/{problem.id}?vote=1"}
    )
    assert response.headers["Location"] == f"/problems/{problem.id}?vote=1"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    confirm = html[html.index('class="panel vote-confirm"') :]
    assert f'action="/problems/{problem.id}/vote"' in confirm.split("</form>")[0]
    assert stored(problem.id).vote_count == 0  # following the link casts nothing

    response = client.form(f"/problems/{problem.id}/vote", {"next": f"/problems/{problem.id}"})
    assert response.headers["Location"] == f"/problems/{problem.id}"
    assert stored(problem.id).vote_count == 1
    assert "Your vote is counted." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_vote_confirmation_is_not_offered_once_voted(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    services.vote(user, problem.id)
    db.session.commit()
    html = client.get(f"/problems/{problem.id}?vote=1").get_data(as_text=True)
    assert "vote-confirm" not in html


def test_the_vote_confirmation_is_not_offered_on_a_closed_problem(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    problem.status = "resolved"
    db.session.commit()
    html = client.get(f"/problems/{problem.id}?vote=1").get_data(as_text=True)
    assert "vote-confirm" not in html


def test_an_anonymous_vote_post_is_sent_to_log_in_with_the_vote_kept(client, make_problem):
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/vote")
    assert response.headers["Location"] == f"/login?next=/problems/{problem.id}?vote%3D1"


@pytest.mark.parametrize("status", ["resolved", "declined", "duplicate"])
def test_anonymous_readers_are_offered_no_vote_on_a_closed_problem(client, make_problem, status):
    problem = make_problem()
    problem.status = status
    db.session.commit()
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Log in to vote" not in html
    assert f"/login?next=/problems/{problem.id}?vote" not in html
