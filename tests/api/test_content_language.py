"""The JSON API's `language` on problems, comments and official responses (read, and written on create)."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff(user_factory):
    return user_factory(roles=["staff"], department="Transportation")


def test_the_api_reads_and_writes_a_problems_language(api_as, user_factory, dataset_factory):
    api = api_as(user_factory())
    body = {"title": "Pothole on Oak Street", "description": "Deep.", "dataset_ids": [dataset_factory().id]}
    created = api.post("/problems", json={**body, "language": "ES"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["language"] == "es"
    problem_id = created.get_json()["id"]
    assert api.patch(f"/problems/{problem_id}", json={"title": "Deep pothole on Oak"}).get_json()["language"] == "es"
    assert api.patch(f"/problems/{problem_id}", json={"language": "en"}).get_json()["language"] == "en"
    assert api.post("/problems", json=body).get_json()["language"] is None  # not stated


def test_the_api_refuses_a_language_not_offered(api_as, user_factory, make_problem, staff):
    problem = make_problem()
    api = api_as(user_factory())
    body = {"title": "Pothole on Oak Street", "description": "Deep.", "data_request": "Road defects."}
    for path, payload, who in (
        ("/problems", {**body, "language": "de"}, api),
        (f"/problems/{problem.id}/comments", {"body": "Me too.", "language": "de"}, api),
        (f"/problems/{problem.id}/responses", {"body": "We will look.", "language": "de"}, api_as(staff)),
    ):
        response = who.post(path, json=payload)
        assert response.status_code == 422, path
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and "language" in error["fields"]


def test_the_api_reads_and_writes_comment_and_response_languages(api_as, user_factory, make_problem, staff):
    problem = make_problem()
    comment = api_as(user_factory()).post(
        f"/problems/{problem.id}/comments", json={"body": "Yo también.", "language": "es"}
    )
    assert comment.status_code == 201 and comment.get_json()["language"] == "es"
    listed = api_as(None).get(f"/problems/{problem.id}/comments").get_json()["items"]
    assert [c["language"] for c in listed] == ["es"]
    answer = api_as(staff).post(f"/problems/{problem.id}/responses", json={"body": "Fixed.", "language": "en"})
    assert answer.status_code == 201 and answer.get_json()["language"] == "en"
    listed = api_as(None).get(f"/problems/{problem.id}/responses").get_json()["items"]
    assert [r["language"] for r in listed] == ["en"]
