"""/api/v1/problems/<id>/follow: following and unfollowing through the API, as the page's button does."""

from __future__ import annotations

from civicboard.problems import notifications
from civicboard.timeutil import utcnow


def test_following_through_the_api_subscribes_the_caller(as_resident, resident, make_problem):
    problem = make_problem()
    response = as_resident.put(f"/problems/{problem.id}/follow")
    assert response.status_code == 200
    assert response.get_json() == {"following": True}
    assert notifications.is_following(resident, problem_id=problem.id)


def test_following_twice_changes_nothing(as_resident, make_problem):
    problem = make_problem()
    as_resident.put(f"/problems/{problem.id}/follow")
    assert as_resident.put(f"/problems/{problem.id}/follow").get_json() == {"following": True}


def test_unfollowing_through_the_api_stops_notifications(as_resident, resident, make_problem):
    problem = make_problem()
    as_resident.put(f"/problems/{problem.id}/follow")
    response = as_resident.delete(f"/problems/{problem.id}/follow")
    assert response.status_code == 200
    assert response.get_json() == {"following": False}
    assert not notifications.is_following(resident, problem_id=problem.id)


def test_a_hidden_problem_cannot_be_followed(as_resident, problem_factory):
    hidden = problem_factory(hidden_at=utcnow(), hidden_reason="spam")
    assert as_resident.put(f"/problems/{hidden.id}/follow").status_code == 404


def test_following_needs_authentication(anonymous, make_problem):
    assert anonymous.put(f"/problems/{make_problem().id}/follow").status_code == 401
