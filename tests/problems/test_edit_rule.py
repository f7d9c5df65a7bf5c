"""Who may edit a problem when: its author until staff close it, moderators always."""

from __future__ import annotations

import pytest

from civicboard.auth import services as auth_services
from civicboard.extensions import db
from civicboard.problems.models import Problem

CLOSED = ["resolved", "declined", "duplicate"]


def _edit_form(problem, dataset, title="A rewritten title here"):
    return {"title": title, "description": "Rewritten.", "dataset_ids": [str(dataset.id)], "action": "post"}


@pytest.mark.parametrize("status", CLOSED)
def test_author_cannot_edit_a_closed_problem_through_the_form(client, login, user_factory, make_problem, status):
    author = user_factory()
    problem = make_problem(author=author, title="The original title")
    dataset = problem.dataset_links[0].dataset
    problem.status = status
    db.session.commit()
    login(client, author)
    assert client.get(f"/problems/{problem.id}/edit").status_code == 403
    response = client.form(f"/problems/{problem.id}/edit", _edit_form(problem, dataset))
    assert response.status_code == 403
    assert "can no longer be edited" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).title == "The original title"


def test_author_cannot_patch_a_resolved_problem_through_the_api(client, user_factory, make_problem):
    author = user_factory()
    problem = make_problem(author=author, title="The original title")
    problem.status = "resolved"
    _token, raw = auth_services.create_api_token(author, "tests")
    db.session.commit()
    response = client.patch(
        f"/api/v1/problems/{problem.id}",
        json={"title": "A different question"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403
    assert "can no longer be edited" in response.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).title == "The original title"


@pytest.mark.parametrize("status", ["open", "acknowledged", "in_progress"])
def test_author_may_edit_while_staff_have_not_closed_it(user_factory, make_problem, status):
    author = user_factory()
    problem = make_problem(author=author)
    problem.status = status
    assert problem.can_edit(author)


def test_moderator_may_still_edit_a_closed_problem(client, login, user_factory, make_problem, moderator):
    problem = make_problem(title="The original title")
    dataset = problem.dataset_links[0].dataset
    problem.status = "declined"
    db.session.commit()
    assert problem.can_edit(moderator)
    login(client, moderator)
    response = client.form(f"/problems/{problem.id}/edit", _edit_form(problem, dataset, "Retitled by moderation"))
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).title == "Retitled by moderation"


def test_a_reopened_problem_is_editable_by_its_author_again(user_factory, make_problem):
    author = user_factory()
    problem = make_problem(author=author)
    problem.status = "resolved"
    assert not problem.can_edit(author)
    problem.status = "open"
    assert problem.can_edit(author)
