"""POST /api/v1/problems/<id>/reopen-requests: the same service as the problem page's form."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.staff import reopen, services


def resolve(problem, staff):
    services.respond(staff, problem, "Fixed.", status="resolved")
    db.session.commit()


def test_a_resident_asks_to_reopen_a_resolved_problem(as_resident, resident, staff, make_problem, matches_schema):
    problem = make_problem()
    resolve(problem, staff)
    response = as_resident.post(f"/problems/{problem.id}/reopen-requests", json={"reason": "Still broken."})
    assert response.status_code == 201
    body = response.get_json()
    matches_schema(body, "ReopenRequest")
    assert (body["problem_id"], body["status"]) == (problem.id, "open")
    assert [r.user_id for r in reopen.open_requests(staff)] == [resident.id]


def test_a_second_request_is_409(as_resident, staff, make_problem):
    problem = make_problem()
    resolve(problem, staff)
    as_resident.post(f"/problems/{problem.id}/reopen-requests", json={"reason": "Still broken."})
    second = as_resident.post(f"/problems/{problem.id}/reopen-requests", json={"reason": "Still broken!"})
    assert second.status_code == 409


def test_an_open_problem_cannot_be_asked_to_reopen(as_resident, make_problem):
    problem = make_problem()
    response = as_resident.post(f"/problems/{problem.id}/reopen-requests", json={"reason": "Still broken."})
    assert response.status_code == 409


def test_asking_needs_a_token(anonymous, staff, make_problem):
    problem = make_problem()
    resolve(problem, staff)
    assert anonymous.post(f"/problems/{problem.id}/reopen-requests", json={"reason": "x"}).status_code == 401
