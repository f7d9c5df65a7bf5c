"""The index, /me, authentication, errors shared by every endpoint, and rate limits."""

from __future__ import annotations

from tests.api.conftest import error_of

# -- index and /me -------------------------------------------------------------------------------


def test_index_links_the_resources_and_the_document(anonymous):
    body = anonymous.get("/").get_json()
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert {"problems", "datasets", "challenges", "flags", "me"} == set(body["links"])
    for url in (body["links"]["problems"], body["links"]["datasets"], body["openapi"]):
        assert anonymous.get(url).status_code == 200


def test_me_says_who_the_token_belongs_to(as_staff, staff):
    body = as_staff.get("/me").get_json()
    assert body == {"id": staff.id, "name": "Sam Staff", "roles": ["resident", "staff"], "department": "Transportation"}


def test_me_without_a_token_is_401_naming_the_scheme(anonymous):
    response = anonymous.get("/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_bogus_token_is_401(api_as, make_client):
    from tests.api.conftest import Api

    response = Api(make_client(), "not-a-real-token").get("/me")
    assert response.status_code == 401


def test_a_revoked_token_is_401(as_resident, resident):
    from civicboard.auth import services
    from civicboard.auth.models import ApiToken
    from civicboard.extensions import db

    token = db.session.execute(db.select(ApiToken)).scalar_one()
    services.revoke_api_token(resident, token)
    db.session.commit()
    assert as_resident.get("/me").status_code == 401


# -- authentication of writes --------------------------------------------------------------------


def test_an_anonymous_write_is_401_not_a_csrf_400(anonymous, make_problem):
    problem = make_problem()
    response = anonymous.post(f"/problems/{problem.id}/comments", json={"body": "Hello"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_a_cookie_session_write_without_csrf_token_is_400(logged_in, make_problem):
    client, _user = logged_in
    problem = make_problem()
    response = client.post(f"/api/v1/problems/{problem.id}/comments", json={"body": "Hello"})
    assert response.status_code == 400


def test_a_cookie_session_write_with_csrf_token_works(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    response = client.post(
        f"/api/v1/problems/{problem.id}/comments", json={"body": "Hello"}, headers={"X-CSRFToken": client.csrf_token()}
    )
    assert response.status_code == 201
    assert response.get_json()["author"]["id"] == user.id


# -- errors --------------------------------------------------------------------------------------


def test_unknown_api_paths_are_json_404(anonymous):
    response = anonymous.get("/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_json_405(as_resident):
    response = as_resident.delete("/problems")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_a_body_too_large_is_json_413(app, as_resident):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = as_resident.post("/problems", json={"title": "x" * 2000, "description": "y"})
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_a_lone_surrogate_in_a_body_is_422(as_resident):
    response = as_resident.post(
        "/problems", data='{"title": "bad \\ud800 text", "description": "y"}', content_type="application/json"
    )
    assert response.status_code == 422
    assert "title" in error_of(response)["fields"]


def test_deeply_nested_json_is_400(as_resident):
    response = as_resident.post("/problems", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400


# -- rate limits ---------------------------------------------------------------------------------


def test_every_api_request_counts_against_the_api_limit(app, as_resident, api_as, user_factory):
    app.config["RATELIMIT_API"] = "3 per minute"
    for _ in range(3):
        assert as_resident.get("/problems").status_code == 200
    response = as_resident.get("/datasets")
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    assert api_as(user_factory()).get("/problems").status_code == 200  # per account


def test_writes_count_against_the_api_limit_too(app, as_resident, make_problem):
    problem = make_problem()
    app.config["RATELIMIT_API"] = "2 per minute"
    assert as_resident.put(f"/problems/{problem.id}/vote").status_code == 200
    assert as_resident.put(f"/problems/{problem.id}/vote").status_code == 200
    assert as_resident.put(f"/problems/{problem.id}/vote").status_code == 429


def test_only_created_problems_count_against_the_problem_limit(app, as_resident, dataset_factory):
    app.config["RATELIMIT_PROBLEMS"] = "1 per minute"
    dataset = dataset_factory()
    assert as_resident.post("/problems", json={"title": "no"}).status_code == 422
    body = {"title": "A proper title", "description": "x", "dataset_ids": [dataset.id]}
    assert as_resident.post("/problems", json=body).status_code == 201
    response = as_resident.post("/problems", json=body)
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_the_problem_budget_is_shared_with_the_page(app, make_client, login, resident, api_as, dataset_factory):
    app.config["RATELIMIT_PROBLEMS"] = "1 per minute"
    dataset = dataset_factory()
    browser = make_client()
    login(browser, resident)
    form = {"title": "Proposed on the page", "description": "x", "dataset_ids": str(dataset.id), "action": "post"}
    assert browser.form("/problems/new", form).status_code == 303
    body = {"title": "Proposed through the API", "description": "x", "dataset_ids": [dataset.id]}
    assert api_as(resident).post("/problems", json=body).status_code == 429


def test_the_comment_budget_is_shared_with_the_page(app, make_client, login, resident, api_as, make_problem):
    app.config["RATELIMIT_COMMENTS"] = "2 per minute"
    problem = make_problem()
    browser = make_client()
    login(browser, resident)
    assert browser.form(f"/problems/{problem.id}/comments", {"body": "From the page"}).status_code == 303
    api = api_as(resident)
    assert api.post(f"/problems/{problem.id}/comments", json={"body": "From the API"}).status_code == 201
    assert api.post(f"/problems/{problem.id}/comments", json={"body": "One too many"}).status_code == 429


def test_the_vote_budget_is_shared_with_the_page(app, make_client, login, resident, api_as, make_problem):
    app.config["RATELIMIT_VOTES"] = "2 per minute"
    problem = make_problem()
    browser = make_client()
    login(browser, resident)
    assert browser.form(f"/problems/{problem.id}/vote").status_code == 303
    api = api_as(resident)
    assert api.delete(f"/problems/{problem.id}/vote").status_code == 200
    assert api.put(f"/problems/{problem.id}/vote").status_code == 429


def test_a_nul_character_in_a_path_is_404(anonymous):
    assert anonymous.get("/challenges/bad%00slug").status_code == 404
