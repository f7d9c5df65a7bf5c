"""Public pages are cached briefly for visitors without a session, never for anyone else."""

from __future__ import annotations

import uuid

import pytest
import redis
from flask import session

from civicboard.extensions import db
from civicboard.problems import services
from tests import databases
from tests.conftest import Client, make_app


@pytest.fixture
def cached_app(app):
    """The app with a page cache (the suite runs without one)."""
    app.config["PAGE_CACHE_SECONDS"] = 30
    from civicboard import pagecache

    pagecache.register(app)
    return app


def test_an_anonymous_visitor_gets_the_cached_page_the_second_time(cached_app, client, problem_factory):
    problem_factory(title="Potholes on Broadway")
    first = client.get("/")
    second = client.get("/")
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert "Potholes on Broadway" in second.get_data(as_text=True)


def test_cached_pages_keep_the_security_headers(cached_app, client):
    client.get("/")
    hit = client.get("/")
    assert hit.headers["X-Cache"] == "hit"
    assert "frame-ancestors 'none'" in hit.headers["Content-Security-Policy"]


def test_logged_in_users_always_get_a_fresh_page(cached_app, client, make_client, user_factory, login):
    make_client().get("/")  # an anonymous visitor fills the cache
    login(client, user_factory(name="Ada Lovelace"))
    page = client.get("/")
    assert "X-Cache" not in page.headers
    assert "Ada Lovelace" in page.get_data(as_text=True)


def test_a_visitor_with_a_session_cookie_is_not_served_from_the_cache(cached_app, client, make_client):
    make_client().get("/")
    client.get("/login")  # the login form's CSRF token starts a session
    assert "X-Cache" not in client.get("/").headers


def test_only_public_pages_are_cached(cached_app, client):
    client.get("/login")
    other = cached_app.test_client()
    assert "X-Cache" not in other.get("/login").headers
    assert "X-Cache" not in other.get("/no-such-page").headers


def test_the_cache_is_shared_through_redis(database_url, problem_factory, app):
    url = databases.redis_url()
    server = redis.Redis.from_url(url)
    server.ping()
    problem_factory(title=f"Shared {uuid.uuid4().hex[:6]}")
    worker_a = make_app(database_url, REDIS_URL=url, PAGE_CACHE_SECONDS=30)
    worker_b = make_app(database_url, REDIS_URL=url, PAGE_CACHE_SECONDS=30)
    worker_a.test_client_class = worker_b.test_client_class = Client
    path = f"/?sort=new&probe={uuid.uuid4().hex}"
    try:
        assert worker_a.test_client().get(path).headers["X-Cache"] == "miss"
        assert worker_b.test_client().get(path).headers["X-Cache"] == "hit"
        assert server.keys("civicboard:page:*")
    finally:
        for key in server.keys("civicboard:page:*"):
            server.delete(key)


def test_a_page_that_starts_a_session_is_not_cached(cached_app, client, make_client, problem_factory):
    problem = problem_factory(title="Potholes on Broadway")

    @cached_app.before_request
    def start_a_session():
        # Anything that writes the session during a public page (a flash, a CSRF token):
        # its cookie is only added when the session is saved, after every after_request.
        session["seen"] = True

    first = client.get(f"/problems/{problem.id}")
    assert first.headers.getlist("Set-Cookie")
    assert "X-Cache" not in first.headers
    other = make_client()
    second = other.get(f"/problems/{problem.id}")
    assert "X-Cache" not in second.headers
    assert second.headers.getlist("Set-Cookie")  # its own session, not the first visitor's


def test_a_cookie_keeping_anonymous_reader_gets_cache_hits(cached_app, client, problem_factory, user_factory):
    problem = problem_factory(title="Potholes on Broadway")
    services.add_comment(user_factory(), problem, "Seen it too.")
    db.session.commit()
    # The test client keeps cookies, as a browser does: if any page set one, later pages
    # would bypass the cache.
    pages = ("/", f"/problems/{problem.id}", "/datasets", "/challenges", "/data-requests", "/search?q=bus", "/insights")
    for url in pages:
        assert client.get(url).headers["X-Cache"] == "miss", url
        assert client.get(url).headers["X-Cache"] == "hit", url
    assert client.get_cookie(cached_app.config["SESSION_COOKIE_NAME"]) is None


def test_a_change_empties_the_cache_at_once(cached_app, client, problem_factory, user_factory):
    problem = problem_factory(title="Potholes on Broadway")
    client.get("/")
    assert client.get("/").headers["X-Cache"] == "hit"
    services.add_comment(user_factory(), problem, "Still there.")
    db.session.commit()
    fresh = client.get("/")
    assert fresh.headers["X-Cache"] == "miss"
    assert client.get("/").headers["X-Cache"] == "hit"


def test_writes_no_page_shows_keep_the_cache(cached_app, client, problem_factory, user_factory):
    from civicboard.outbox.models import OutboxMessage

    problem_factory(title="Potholes on Broadway")
    client.get("/")
    user = user_factory()
    client.get("/")
    db.session.add(OutboxMessage(message_key="k", user_id=user.id, recipient="a@example.org", subject="s", body="b"))
    db.session.commit()
    assert client.get("/").headers["X-Cache"] == "hit"


def test_a_rolled_back_change_keeps_the_cache(cached_app, client, problem_factory):
    problem = problem_factory(title="Potholes on Broadway")
    client.get("/")
    problem.title = "Changed, then rolled back"
    db.session.flush()
    db.session.rollback()
    assert client.get("/").headers["X-Cache"] == "hit"


def test_the_api_problem_list_is_cached_for_callers_without_a_token(cached_app, client, problem_factory, user_factory):
    from civicboard.auth import services as auth_services

    for _ in range(3):
        problem_factory()
    first, second = client.get("/api/v1/problems?limit=2"), client.get("/api/v1/problems?limit=2")
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert second.get_json() == first.get_json() and second.get_json()["total"] == 3
    assert second.headers["Link"] == first.headers["Link"] and 'rel="next"' in second.headers["Link"]
    _token, raw = auth_services.create_api_token(user_factory(), "tests")
    db.session.commit()
    with_token = client.get("/api/v1/problems?limit=2", headers={"Authorization": f"Bearer {raw}"})
    assert with_token.status_code == 200 and "X-Cache" not in with_token.headers


def test_a_process_keeps_pages_within_its_memory_budget():
    from civicboard.pagecache import GENERATION_KEY, BoundedCache

    store = BoundedCache(max_bytes=50_000, threshold=2000, default_timeout=60)
    store.set(GENERATION_KEY, "g1", timeout=0)
    for n in range(20):
        store.set(f"page{n}", ("g1", b"x" * 10_000, []))
    kept = [n for n in range(20) if store.get(f"page{n}") is not None]
    assert kept == list(range(16, 20))  # the newest four pages fit in 50 KB, pickled
    assert store.get(GENERATION_KEY) == "g1"


def test_pages_built_together_expire_apart(cached_app, client, problem_factory):
    import time

    from civicboard.pagecache import EXTENSION_KEY

    problem_factory(title="Potholes on Broadway")
    started = time.time()
    paths = [f"/search?q=word{n}" for n in range(30)]
    for path in paths:
        assert client.get(path).headers["X-Cache"] == "miss"
    store = cached_app.extensions[EXTENSION_KEY]
    expiries = [expires - started for key, (expires, _value) in store._cache.items() if "search" in key]
    assert len(expiries) == len(paths)
    # PAGE_CACHE_SECONDS is 30: each kept 22.5 to 30 seconds, not all alike.
    assert all(22 <= seconds <= 31 for seconds in expiries), expiries
    assert len({round(seconds) for seconds in expiries}) > 3
