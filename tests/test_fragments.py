"""Per-item costs taken out of list pages: row URLs from patterns, rows and comments rendered
once per version, totals and facets kept briefly (civicboard.fragments, civicboard.briefcache)."""

from __future__ import annotations

import re

from flask import url_for

from civicboard.briefcache import remember
from civicboard.extensions import db
from civicboard.templating import item_url


def test_item_url_builds_what_url_for_builds(app):
    with app.test_request_context("/"):
        for endpoint, values in [
            ("problems.show", {"problem_id": 7}),
            ("problems.show", {"problem_id": 12, "vote": 1}),
            ("problems.edit_comment", {"problem_id": 3, "comment_id": 44}),
            ("users.profile", {"user_id": 0}),
            ("datasets.show", {"dataset_id": 123456789}),
            ("moderation.new_flag", {"target_id": 5}),
        ]:
            assert item_url(endpoint, **values) == url_for(endpoint, **values)
            assert item_url(endpoint, **values) == item_url(endpoint, **values)  # from the kept pattern
        assert item_url("problems.show", problem_id=9, _anchor="comments") == url_for(
            "problems.show", problem_id=9, _anchor="comments"
        )


def test_item_url_leaves_anything_but_ids_to_url_for(app):
    with app.test_request_context("/"):
        assert item_url("problems.index", category="a b&c") == url_for("problems.index", category="a b&c")
        assert item_url("problems.show", problem_id=True) == url_for("problems.show", problem_id=True)


def test_item_url_follows_the_script_root(app):
    with app.test_request_context("/", base_url="http://localhost/board/"):
        assert item_url("problems.show", problem_id=4) == "/board/problems/4"
    with app.test_request_context("/"):
        assert item_url("problems.show", problem_id=4) == "/problems/4"


def test_a_cached_row_changes_with_what_it_shows(app, client, problem_factory):
    app.config["FRAGMENT_CACHE_SIZE"] = 100
    problem = problem_factory(title="Potholes on Elm Street")
    assert "Potholes on Elm Street" in client.get("/").get_data(as_text=True)
    problem.title = "Potholes on Oak Street"
    problem.comment_count = 3
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Potholes on Oak Street" in html and "Potholes on Elm Street" not in html
    assert "3 comments" in html


def test_rows_are_the_same_whether_cached_or_not(app, logged_in, problem_factory):
    client, _user = logged_in
    for n in range(3):
        problem_factory(title=f"Broken streetlight {n}")

    def page() -> str:  # the signed CSRF token carries its time: the one part that may differ
        return re.sub(r'name="csrf_token" value="[^"]+"', "", client.get("/").get_data(as_text=True))

    app.config["FRAGMENT_CACHE_SIZE"] = 0
    fresh = page()
    app.config["FRAGMENT_CACHE_SIZE"] = 100
    first, second = page(), page()
    assert fresh == first == second
    assert "Broken streetlight 2" in fresh


def test_brief_cache_keeps_a_value_until_it_expires(app):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    app.config["BRIEF_CACHE_SECONDS"] = 0
    assert remember("k", compute) == 1 and remember("k", compute) == 2  # off: computed every time
    app.config["BRIEF_CACHE_SECONDS"] = 30
    assert remember("k", compute) == 3
    assert remember("k", compute) == 3  # kept
    assert remember("other", compute) == 4


def test_the_api_total_is_kept_briefly_per_viewer(app, client, problem_factory):
    app.config["BRIEF_CACHE_SECONDS"] = 30
    problem_factory()
    assert client.get("/api/v1/problems").get_json()["total"] == 1
    problem_factory()
    body = client.get("/api/v1/problems").get_json()
    assert body["total"] == 1 and len(body["items"]) == 2  # the items are fresh, the total kept
    assert client.get("/api/v1/problems?status=open").get_json()["total"] == 2  # other filters, other key


def test_a_kept_fragment_is_kept_per_language(app):
    from flask_babel import refresh
    from markupsafe import escape

    from civicboard.fragments import fragment
    from civicboard.i18n import current_language

    app.config.update(FRAGMENT_CACHE_SIZE=100, LANGUAGES=["en", "es"])
    for lang in ("en", "es", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            refresh()  # the test's app context outlives each request context: forget its language
            assert fragment(("row", 1), lambda: escape(current_language())) == lang
