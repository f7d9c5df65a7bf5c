"""GET/POST /problems/<id>/responses and /problems/<id>/evidence."""

from __future__ import annotations

import pytest

from civicboard.extensions import db
from civicboard.staff import services
from civicboard.timeutil import utcnow
from tests.api.conftest import error_of


def test_staff_respond_and_move_the_status(as_staff, staff, make_problem, matches_schema):
    problem = make_problem()
    response = as_staff.post(
        f"/problems/{problem.id}/responses", json={"body": "We are on it.", "status": "acknowledged"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    matches_schema(body, "Response")
    assert (body["status_from"], body["status_to"], body["department"]) == ("open", "acknowledged", "Transportation")
    assert as_staff.get(f"/problems/{problem.id}").get_json()["status"] == "acknowledged"


def test_staff_mark_a_duplicate(as_staff, make_problem):
    original, copy = make_problem(), make_problem()
    response = as_staff.post(
        f"/problems/{copy.id}/responses",
        json={"body": "Same as the other.", "status": "duplicate", "duplicate_of": original.id},
    )
    assert response.status_code == 201
    assert response.get_json()["duplicate_of"] == original.id


def test_residents_get_403_posting_a_response(as_resident, make_problem):
    problem = make_problem()
    response = as_resident.post(f"/problems/{problem.id}/responses", json={"body": "I am official now."})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_a_forbidden_transition_is_422_on_status(as_staff, problem_factory):
    problem = problem_factory(status="resolved")
    response = as_staff.post(f"/problems/{problem.id}/responses", json={"body": "Hmm.", "status": "in_progress"})
    assert response.status_code == 422
    assert "status" in error_of(response)["fields"]


def test_anyone_reads_responses_oldest_first(anonymous, staff, make_problem):
    problem = make_problem()
    services.respond(staff, problem, "First.")
    services.respond(staff, problem, "Second.")
    db.session.commit()
    body = anonymous.get(f"/problems/{problem.id}/responses").get_json()
    assert [r["body"] for r in body["items"]] == ["First.", "Second."]
    assert (body["total"], body["next"]) == (2, None)


def test_responses_of_a_hidden_problem_are_404(anonymous, problem_factory):
    problem = problem_factory(hidden_at=utcnow())
    assert anonymous.get(f"/problems/{problem.id}/responses").status_code == 404


def test_staff_add_evidence(as_staff, make_problem, dataset_factory, matches_schema):
    dataset = dataset_factory(title="Crash Data")
    problem = make_problem()
    response = as_staff.post(
        f"/problems/{problem.id}/evidence",
        json={
            "dataset_id": dataset.id,
            "url": "https://data.example.org/crashes?street=elm",
            "caption": "Twelve crashes in 2025.",
            "stance": "supports",
            "as_of": "2025-12-31",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    matches_schema(body, "Evidence")
    assert body["dataset"] == {"id": dataset.id, "title": "Crash Data"}
    assert body["as_of"] == "2025-12-31"
    assert [e["id"] for e in as_staff.get(f"/problems/{problem.id}/evidence").get_json()["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stance": "maybe"}, "stance"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"dataset_id": 424242}, "dataset_id"),
        ({"dataset_id": "7"}, "dataset_id"),
        ({"caption": ""}, "caption"),
    ],
)
def test_bad_evidence_is_422_on_its_field(as_staff, make_problem, dataset_factory, changes, field):
    problem = make_problem()
    body = {"dataset_id": dataset_factory().id, "caption": "A caption.", "stance": "context", **changes}
    response = as_staff.post(f"/problems/{problem.id}/evidence", json=body)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_residents_get_403_adding_evidence(as_resident, make_problem, dataset_factory):
    problem = make_problem()
    body = {"dataset_id": dataset_factory().id, "caption": "A caption.", "stance": "context"}
    assert as_resident.post(f"/problems/{problem.id}/evidence", json=body).status_code == 403


def test_removed_evidence_is_not_listed(anonymous, staff, make_problem, dataset_factory):
    problem = make_problem()
    kept = services.add_evidence(staff, problem, dataset_factory(), None, "Kept.", "context", None)
    gone = services.add_evidence(staff, problem, dataset_factory(), None, "Gone.", "context", None)
    services.remove_evidence(staff, gone, "Wrong dataset.")
    db.session.commit()
    assert [e["id"] for e in anonymous.get(f"/problems/{problem.id}/evidence").get_json()["items"]] == [kept.id]
