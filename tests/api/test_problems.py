"""GET/POST /problems and GET/PATCH /problems/<id>."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civicboard.extensions import db
from civicboard.problems.models import Problem
from civicboard.timeutil import utcnow
from tests.api.conftest import error_of

# -- the board ---------------------------------------------------------------------------------


def test_list_has_the_contract_shape(anonymous, make_problem, matches_schema):
    make_problem(title="Potholes on Broadway")
    response = anonymous.get("/problems")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "next"}
    assert body["total"] == 1 and body["next"] is None
    assert body["items"][0]["title"] == "Potholes on Broadway"
    matches_schema(body, "ProblemList")


def test_problem_fields_follow_the_contract(anonymous, make_problem, dataset_factory, category_factory):
    dataset = dataset_factory(title="Street Lights")
    category = category_factory("Streets")
    problem = make_problem(title="Dark corner at Union Square", datasets=[dataset], category_id=category.id)
    item = anonymous.get(f"/problems/{problem.id}").get_json()
    assert item["datasets"] == [{"id": dataset.id, "title": "Street Lights"}]
    assert item["category"] == "streets"
    assert item["author"]["id"] == problem.author_id
    assert item["created_at"].endswith("Z") and item["updated_at"].endswith("Z")
    assert item["url"].endswith(f"/problems/{problem.id}")
    assert item["description_html"].startswith("<p>")


def test_next_link_and_link_header_walk_every_problem_once(anonymous, make_problem):
    ids = {make_problem().id for _ in range(7)}
    seen: list[int] = []
    url = "/problems?limit=3&sort=new"
    while url:
        response = anonymous.get(url)
        body = response.get_json()
        assert body["total"] == 7
        seen += [item["id"] for item in body["items"]]
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert "Link" not in response.headers
        url = body["next"]
    assert sorted(seen) == sorted(ids)


@pytest.mark.parametrize("sort", ["hot", "top", "new", "discussed"])
def test_each_sort_pages_without_gaps_or_repeats(anonymous, problem_factory, sort):
    now = utcnow()
    made = [
        problem_factory(vote_count=i % 3, comment_count=i % 2, created_at=now - timedelta(hours=i)).id for i in range(9)
    ]
    seen: list[int] = []
    url = f"/problems?limit=2&sort={sort}"
    while url:
        body = anonymous.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


def test_top_sort_puts_most_votes_first(anonymous, problem_factory):
    problem_factory(title="Few votes here", vote_count=1)
    problem_factory(title="Many votes here", vote_count=9)
    items = anonymous.get("/problems?sort=top").get_json()["items"]
    assert [i["title"] for i in items] == ["Many votes here", "Few votes here"]


def test_filters_narrow_the_list_and_the_total(anonymous, make_problem, dataset_factory, category_factory):
    parks = category_factory("Parks")
    trees = dataset_factory(title="Street Trees")
    wanted = make_problem(title="Dead trees on Elm", datasets=[trees], category_id=parks.id)
    make_problem(title="Another problem entirely", category_id=parks.id)
    make_problem(title="Same trees, other category", datasets=[trees], category_id=category_factory("Trees").id)
    body = anonymous.get(f"/problems?dataset={trees.id}&category=parks&status=open").get_json()
    assert [i["id"] for i in body["items"]] == [wanted.id]
    assert body["total"] == 1


def test_status_groups_filter(anonymous, problem_factory):
    problem_factory(title="Still open problem")
    problem_factory(title="Already resolved", status="resolved")
    assert [i["title"] for i in anonymous.get("/problems?status=closed").get_json()["items"]] == ["Already resolved"]
    assert [i["title"] for i in anonymous.get("/problems?status=active").get_json()["items"]] == ["Still open problem"]


def test_voted_filter_lists_my_votes_and_marks_them(api_as, resident, make_problem):
    mine = make_problem(title="I support this one")
    make_problem(title="Not voted for")
    api = api_as(resident)
    assert api.put(f"/problems/{mine.id}/vote").status_code == 200
    body = api.get("/problems?voted=1").get_json()
    assert [(i["id"], i["voted"]) for i in body["items"]] == [(mine.id, True)]
    assert body["total"] == 1


def test_voted_filter_needs_authentication(anonymous):
    response = anonymous.get("/problems?voted=1")
    assert response.status_code == 401


def test_hidden_problems_are_left_out_of_list_and_total(anonymous, problem_factory):
    problem_factory(title="Visible problem here")
    problem_factory(title="Hidden problem here", hidden_at=utcnow())
    body = anonymous.get("/problems").get_json()
    assert [i["title"] for i in body["items"]] == ["Visible problem here"]
    assert body["total"] == 1


def test_moderators_and_authors_see_hidden_problems(api_as, moderator, resident, problem_factory):
    problem_factory(title="Hidden problem here", author=resident, hidden_at=utcnow())
    for user in (moderator, resident):
        body = api_as(user).get("/problems").get_json()
        assert body["total"] == 1 and body["items"][0]["hidden"] is True


@pytest.mark.parametrize(
    "query",
    ["sort=best", "status=pending", "dataset=abc", "dataset=0", "limit=0", "limit=101", "voted=maybe", "cursor=@@@"],
)
def test_bad_query_arguments_are_400_naming_the_argument(anonymous, query):
    response = anonymous.get(f"/problems?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in error_of(response)["fields"]


def test_a_cursor_for_another_sort_is_400(anonymous, make_problem):
    for _ in range(3):
        make_problem()
    next_url = anonymous.get("/problems?limit=1&sort=new").get_json()["next"]
    response = anonymous.get(next_url.replace("sort=new", "sort=top"))
    assert response.status_code == 400


def test_a_nul_character_in_a_query_argument_is_400(anonymous):
    assert anonymous.get("/problems?category=%00").status_code == 400


# -- one problem -------------------------------------------------------------------------------


def test_show_tells_whether_i_vote(api_as, resident, make_problem):
    problem = make_problem()
    api = api_as(resident)
    assert api.get(f"/problems/{problem.id}").get_json()["voted"] is False
    api.put(f"/problems/{problem.id}/vote")
    assert api.get(f"/problems/{problem.id}").get_json()["voted"] is True


def test_hidden_problem_is_404_for_others_but_not_its_author_or_moderators(
    api_as, anonymous, resident, moderator, user_factory, problem_factory
):
    problem = problem_factory(author=resident, hidden_at=utcnow())
    assert error_of(anonymous.get(f"/problems/{problem.id}"))["code"] == "not_found"
    assert api_as(user_factory()).get(f"/problems/{problem.id}").status_code == 404
    assert api_as(resident).get(f"/problems/{problem.id}").status_code == 200
    assert api_as(moderator).get(f"/problems/{problem.id}").status_code == 200


@pytest.mark.parametrize("problem_id", ["999", "0", "99999999999999999999", "abc"])
def test_unknown_problem_is_a_json_404(anonymous, problem_id):
    response = anonymous.get(f"/problems/{problem_id}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# -- proposing ---------------------------------------------------------------------------------


def test_create_returns_201_with_location(as_resident, resident, dataset_factory, category_factory):
    dataset = dataset_factory()
    category_factory("Streets")
    response = as_resident.post(
        "/problems",
        json={
            "title": "Crosswalk needed at Holland St",
            "description": "Cars do not stop.",
            "dataset_ids": [dataset.id],
            "category": "streets",
            "neighbourhood": "Davis Square",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/problems/{body['id']}")
    assert body["category"] == "streets" and body["neighbourhood"] == "Davis Square"
    assert body["author"] == {"id": resident.id, "name": resident.name}
    assert as_resident.get(response.headers["Location"]).status_code == 200


def test_create_ignores_smuggled_fields(as_resident, resident, dataset_factory, user_factory):
    other = user_factory()
    response = as_resident.post(
        "/problems",
        json={
            "title": "Broken bench in the park",
            "description": "It wobbles.",
            "dataset_ids": [dataset_factory().id],
            "vote_count": 500,
            "comment_count": 9,
            "status": "resolved",
            "hidden": True,
            "hidden_at": "2020-01-01T00:00:00Z",
            "official": True,
            "author": {"id": other.id},
            "author_id": other.id,
            "id": 4242,
        },
    )
    assert response.status_code == 201
    stored = db.session.execute(select(Problem)).scalar_one()
    assert (stored.vote_count, stored.comment_count, stored.status) == (0, 0, "open")
    assert stored.hidden_at is None and stored.author_id == resident.id and stored.id != 4242


def test_create_a_data_request_without_datasets(as_resident):
    response = as_resident.post(
        "/problems",
        json={"title": "Publish tree inventory", "description": "We need it.", "data_request": "Every street tree."},
    )
    assert response.status_code == 201
    assert response.get_json()["data_request"] == "Every street tree."
    assert response.get_json()["data_request_status"] == "requested"


def test_missing_title_is_422_with_fields(as_resident, dataset_factory):
    response = as_resident.post("/problems", json={"description": "x", "dataset_ids": [dataset_factory().id]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "title" in error["fields"]


def test_unknown_category_slug_is_422_on_category(as_resident, dataset_factory):
    response = as_resident.post(
        "/problems",
        json={"title": "A fine title", "description": "x", "dataset_ids": [dataset_factory().id], "category": "nope"},
    )
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"category"}


def test_service_field_names_become_the_apis(as_resident, dataset_factory, category_factory):
    category_factory("Streets")
    response = as_resident.post(
        "/problems", json={"title": "A fine title", "description": "x", "dataset_ids": [dataset_factory().id]}
    )
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"category"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": None}, "title"),
        ({"dataset_ids": "1,2"}, "dataset_ids"),
        ({"dataset_ids": [1, "2"]}, "dataset_ids"),
        ({"dataset_ids": [99999999999999]}, "dataset_ids"),
        ({"dataset_ids": [True]}, "dataset_ids"),
        ({"category": 3}, "category"),
        ({"title": "nul\x00 here"}, "title"),
    ],
)
def test_fields_of_the_wrong_shape_are_422(as_resident, body, field):
    response = as_resident.post("/problems", json={"title": "A fine title", "description": "x", **body})
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ('{"a": 1}', "text/plain"), ("", None)],
)
def test_malformed_bodies_are_400(as_resident, data, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = as_resident.post("/problems", data=data, headers=headers)
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_banned_users_cannot_propose(api_as, user_factory, dataset_factory):
    user = user_factory()
    user.banned_at = utcnow()
    db.session.commit()
    response = api_as(user).post(
        "/problems", json={"title": "A fine title", "description": "x", "dataset_ids": [dataset_factory().id]}
    )
    assert response.status_code == 403


# -- editing -----------------------------------------------------------------------------------


def test_author_patches_some_fields_and_keeps_the_rest(as_resident, resident, make_problem, dataset_factory):
    dataset = dataset_factory()
    problem = make_problem(author=resident, title="The original title", datasets=[dataset])
    response = as_resident.patch(f"/problems/{problem.id}", json={"title": "A better title", "vote_count": 99})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "A better title"
    assert body["description"] == "What is wrong, and where."
    assert [d["id"] for d in body["datasets"]] == [dataset.id]
    assert body["vote_count"] == 0


def test_patch_can_clear_a_data_request(as_resident, resident, make_problem, dataset_factory):
    problem = make_problem(author=resident, datasets=[dataset_factory()], data_request="More data please.")
    body = as_resident.patch(f"/problems/{problem.id}", json={"data_request": None}).get_json()
    assert body["data_request"] is None


def test_others_cannot_patch(api_as, user_factory, make_problem):
    problem = make_problem()
    response = api_as(user_factory()).patch(f"/problems/{problem.id}", json={"title": "Taken over title"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_moderators_can_patch(as_moderator, make_problem):
    problem = make_problem()
    assert as_moderator.patch(f"/problems/{problem.id}", json={"title": "Moderated title"}).status_code == 200


def test_patch_validation_errors_are_422(as_resident, resident, make_problem):
    problem = make_problem(author=resident)
    response = as_resident.patch(f"/problems/{problem.id}", json={"title": "no"})
    assert response.status_code == 422
    assert "title" in error_of(response)["fields"]


def test_author_cannot_patch_a_locked_problem(as_resident, resident, make_problem):
    problem = make_problem(author=resident)
    problem.locked_at = utcnow()
    db.session.commit()
    assert as_resident.patch(f"/problems/{problem.id}", json={"title": "Changed title"}).status_code == 403
