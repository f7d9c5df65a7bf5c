"""GET/POST /problems/<id>/comments and PUT/DELETE /problems/<id>/vote."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.timeutil import utcnow
from tests.api.conftest import error_of

# -- comments ------------------------------------------------------------------------------------


def test_comments_come_oldest_first_in_cursor_pages(anonymous, make_problem, make_comment):
    problem = make_problem()
    made = [make_comment(problem, body=f"Comment {i}").id for i in range(5)]
    seen, url = [], f"/problems/{problem.id}/comments?limit=2"
    while url:
        body = anonymous.get(url).get_json()
        assert body["total"] == 5
        seen += [c["id"] for c in body["items"]]
        url = body["next"]
    assert seen == made


def test_deleted_comment_keeps_its_place_with_an_empty_body(anonymous, make_problem, make_comment):
    problem = make_problem()
    first = make_comment(problem, body="I will regret this")
    make_comment(problem, body="Second")
    services.delete_comment(first.author, first)
    db.session.commit()
    items = anonymous.get(f"/problems/{problem.id}/comments").get_json()["items"]
    gone = items[0]
    assert (gone["id"], gone["body"], gone["deleted"], gone["author"]) == (first.id, "", True, None)
    assert items[1]["body"] == "Second"


def test_hidden_comments_only_for_moderators_and_their_author(
    api_as, anonymous, resident, moderator, make_problem, make_comment
):
    problem = make_problem()
    hidden = make_comment(problem, author=resident, body="Rude words")
    make_comment(problem, body="Polite words")
    hidden.hidden_at = utcnow()
    db.session.commit()
    url = f"/problems/{problem.id}/comments"
    assert [c["body"] for c in anonymous.get(url).get_json()["items"]] == ["Polite words"]
    assert anonymous.get(url).get_json()["total"] == 1
    for user in (resident, moderator):
        assert [c["body"] for c in api_as(user).get(url).get_json()["items"]] == ["Rude words", "Polite words"]


def test_comments_of_a_hidden_problem_are_404(anonymous, problem_factory):
    problem = problem_factory(hidden_at=utcnow())
    assert anonymous.get(f"/problems/{problem.id}/comments").status_code == 404


def test_a_tampered_comment_cursor_is_400(anonymous, make_problem):
    problem = make_problem()
    assert anonymous.get(f"/problems/{problem.id}/comments?cursor=WyJ4Il0").status_code == 400


def test_post_a_comment_and_a_reply(as_resident, resident, make_problem, matches_schema):
    problem = make_problem()
    response = as_resident.post(f"/problems/{problem.id}/comments", json={"body": "Me too, on **Elm**."})
    assert response.status_code == 201
    comment = response.get_json()
    matches_schema(comment, "Comment")
    assert comment["author"]["id"] == resident.id and "<strong>Elm</strong>" in comment["body_html"]
    reply = as_resident.post(f"/problems/{problem.id}/comments", json={"body": "And more.", "parent_id": comment["id"]})
    assert reply.status_code == 201 and reply.get_json()["parent_id"] == comment["id"]


def test_empty_comment_is_422(as_resident, make_problem):
    problem = make_problem()
    response = as_resident.post(f"/problems/{problem.id}/comments", json={"body": "   "})
    assert response.status_code == 422
    assert "body" in error_of(response)["fields"]


def test_reply_to_an_unknown_comment_is_422(as_resident, make_problem):
    problem = make_problem()
    response = as_resident.post(f"/problems/{problem.id}/comments", json={"body": "Hi", "parent_id": 12345})
    assert response.status_code == 422
    assert "parent_id" in error_of(response)["fields"]


def test_comments_on_a_locked_problem_are_409(as_resident, make_problem):
    problem = make_problem()
    problem.locked_at = utcnow()
    db.session.commit()
    assert as_resident.post(f"/problems/{problem.id}/comments", json={"body": "Hi"}).status_code == 409


# -- votes ---------------------------------------------------------------------------------------


def test_put_vote_twice_stays_voted(as_resident, make_problem):
    problem = make_problem()
    first = as_resident.put(f"/problems/{problem.id}/vote")
    second = as_resident.put(f"/problems/{problem.id}/vote")
    assert (first.status_code, first.get_json()) == (200, {"voted": True, "vote_count": 1})
    assert (second.status_code, second.get_json()) == (200, {"voted": True, "vote_count": 1})


def test_delete_vote_withdraws_and_is_idempotent(as_resident, make_problem):
    problem = make_problem()
    as_resident.put(f"/problems/{problem.id}/vote")
    assert as_resident.delete(f"/problems/{problem.id}/vote").get_json() == {"voted": False, "vote_count": 0}
    assert as_resident.delete(f"/problems/{problem.id}/vote").get_json() == {"voted": False, "vote_count": 0}


def test_votes_from_two_people_add_up(api_as, user_factory, make_problem):
    problem = make_problem()
    api_as(user_factory()).put(f"/problems/{problem.id}/vote")
    assert api_as(user_factory()).put(f"/problems/{problem.id}/vote").get_json()["vote_count"] == 2


def test_voting_on_a_closed_problem_is_409(as_resident, problem_factory):
    problem = problem_factory(status="resolved")
    response = as_resident.put(f"/problems/{problem.id}/vote")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_voting_on_a_hidden_problem_is_404(as_resident, problem_factory):
    problem = problem_factory(hidden_at=utcnow())
    assert as_resident.put(f"/problems/{problem.id}/vote").status_code == 404


def test_voting_needs_a_token(anonymous, make_problem):
    problem = make_problem()
    response = anonymous.put(f"/problems/{problem.id}/vote")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
