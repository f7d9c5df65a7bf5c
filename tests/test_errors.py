"""Error pages without tracebacks, and the contract's JSON errors under /api/."""

from __future__ import annotations

import pytest
from flask import abort


@pytest.fixture
def failing_app(app):
    @app.get("/boom/<int:status>")
    def boom(status):
        abort(status)

    @app.get("/crash")
    def crash():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom/<int:status>")
    def api_boom(status):
        abort(status)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 429])
def test_html_error_pages(failing_app, client, status):
    response = client.get(f"/boom/{status}")
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)


def test_500_page_shows_no_traceback(failing_app, client):
    response = client.get("/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 422, 429])
def test_api_errors_use_the_contract_shape(failing_app, client, status):
    response = client.get(f"/api/v1/boom/{status}")
    assert response.status_code == status
    body = response.get_json()
    assert body["error"]["status"] == status
    assert body["error"]["code"]
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_too_large_body_is_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413


def test_anonymous_user_is_sent_to_login_for_protected_pages(client):
    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin")
