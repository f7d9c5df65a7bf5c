"""Login, registration and reset are throttled; with REDIS_URL the limits are shared."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests import databases
from tests.conftest import Client, make_app

REDIS_URL = databases.redis_url()


def test_login_is_throttled_with_retry_after(client, app):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    for _ in range(3):
        assert client.form("/login", {"email": "a@example.org", "password": "wrong password"}).status_code == 422
    response = client.form("/login", {"email": "a@example.org", "password": "wrong password"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Slow down" in response.get_data(as_text=True)


def test_registration_is_throttled(client, app):
    app.config["RATELIMIT_REGISTER"] = "2 per minute"
    for i in range(2):
        client.form("/register", {"email": f"r{i}@example.org", "name": "R", "password": "short"})
    response = client.form("/register", {"email": "r9@example.org", "name": "R", "password": "short"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_viewing_the_login_page_is_not_throttled(client, app):
    app.config["RATELIMIT_LOGIN"] = "1 per minute"
    for _ in range(5):
        assert client.get("/login").status_code == 200


@pytest.mark.redis
def test_limits_are_kept_in_redis_and_shared(database_url):
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    server.flushdb()  # database 15 is the suite's own
    settings = {"REDIS_URL": REDIS_URL, "RATELIMIT_LOGIN": "2 per minute"}
    worker_a = make_app(database_url, **settings)
    worker_b = make_app(database_url, **settings)
    assert worker_a.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    worker_a.test_client_class = worker_b.test_client_class = Client
    a, b = worker_a.test_client(), worker_b.test_client()
    email = f"{uuid.uuid4().hex}@example.org"
    data = {"email": email, "password": "wrong password"}
    try:
        assert a.form("/login", data).status_code == 422
        assert b.form("/login", data).status_code == 422
        assert a.form("/login", data).status_code == 429
        assert b.form("/login", data).status_code == 429
        assert server.keys(f"*{email}*"), "the counters live in Redis"
    finally:
        server.flushdb()
