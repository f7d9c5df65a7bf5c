"""Per-account rate limits on creating problems, comments and votes (429 with Retry-After)."""

from __future__ import annotations


def post_problem(client, dataset, n, action="post_anyway"):
    return client.form(
        "/problems/new",
        {
            "title": f"Distinct problem {n} xyz{n}",
            "description": "Text",
            "dataset_ids": [str(dataset.id)],
            "action": action,
        },
    )


def test_creating_problems_is_limited_per_account(logged_in, dataset_factory, app, make_client, login, user_factory):
    app.config["RATELIMIT_PROBLEMS"] = "2 per minute"
    client, _ = logged_in
    dataset = dataset_factory()
    assert [post_problem(client, dataset, n).status_code for n in range(2)] == [303, 303]
    response = post_problem(client, dataset, 3)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    other = make_client()
    login(other, user_factory())
    assert post_problem(other, dataset, 4).status_code == 303


def test_previews_and_failed_posts_do_not_count(logged_in, dataset_factory, app):
    app.config["RATELIMIT_PROBLEMS"] = "1 per minute"
    client, _ = logged_in
    dataset = dataset_factory()
    for n in range(3):
        assert post_problem(client, dataset, n, action="preview").status_code == 200
    assert client.form("/problems/new", {"title": "x", "description": "", "action": "post"}).status_code == 422
    assert post_problem(client, dataset, 9).status_code == 303


def test_comments_are_limited(logged_in, make_problem, app):
    app.config["RATELIMIT_COMMENTS"] = "2 per minute"
    client, _ = logged_in
    problem = make_problem()
    codes = [client.form(f"/problems/{problem.id}/comments", {"body": f"Comment {n}"}).status_code for n in range(3)]
    assert codes == [303, 303, 429]


def test_votes_are_limited_across_vote_and_unvote(logged_in, make_problem, app):
    app.config["RATELIMIT_VOTES"] = "3 per minute"
    client, _ = logged_in
    problem = make_problem()
    codes = [
        client.form(f"/problems/{problem.id}/{action}").status_code for action in ("vote", "unvote", "vote", "unvote")
    ]
    assert codes == [303, 303, 303, 429]


def test_sixty_thousand_dataset_ids_in_the_form_are_refused_at_once(logged_in, dataset_factory):
    import time
    from urllib.parse import urlencode

    client, _ = logged_in
    dataset = dataset_factory()
    fields = {"csrf_token": client.csrf_token(), "title": "Too many", "description": "Text"}
    body = urlencode(fields) + "&" + urlencode([("dataset_ids", str(dataset.id))] * 60_000)
    # CPU time of this process (the app runs in it): what the request costs, whatever else
    # the machine is doing; the quadratic de-duplication took minutes.
    started = time.process_time()
    response = client.post("/problems/new", data=body, content_type="application/x-www-form-urlencoded")
    elapsed = time.process_time() - started
    assert response.status_code == 400
    assert "Too many values" in response.get_data(as_text=True)
    assert elapsed < 2, f"took {elapsed:.2f} s"


def test_refused_oversized_forms_use_up_the_refused_budget(logged_in, dataset_factory, app):
    app.config["RATELIMIT_REFUSED"] = "1 per minute"
    client, _ = logged_in
    dataset = dataset_factory()
    oversized = {"title": "Too many datasets", "description": "Text", "dataset_ids": ["1"] * 1000}
    assert client.form("/problems/new", oversized).status_code == 400
    assert post_problem(client, dataset, 1).status_code == 429
