"""Personal API tokens: shown once, stored hashed, revocable."""

from __future__ import annotations

import re

import pytest
from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from civicboard.auth.models import ApiToken
from civicboard.extensions import db


@pytest.fixture
def whoami(app):
    """A tiny API route that says who the request is authenticated as."""

    @app.route("/api/v1/_whoami", methods=["GET", "POST"])
    def whoami():
        return jsonify(id=current_user.id if current_user.is_authenticated else None)


def test_token_is_shown_once_and_stored_hashed(logged_in):
    client, user = logged_in
    response = client.form("/account/tokens", {"label": "notebook"})
    assert response.status_code == 201
    raw = re.search(r'id="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert token.token_hash != raw and raw not in token.token_hash
    assert token.label == "notebook"
    assert raw not in client.get("/account").get_data(as_text=True)


def test_bearer_token_authenticates_api_requests(whoami, client, user_factory, runner):
    user = user_factory(email="api@example.org")
    raw = runner.invoke(args=["users", "token", "api@example.org", "--label", "script"]).output.strip()
    response = client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.get_json() == {"id": user.id}


def test_token_requests_need_no_csrf_token(whoami, client, user_factory, runner):
    user_factory(email="api@example.org")
    raw = runner.invoke(args=["users", "token", "api@example.org"]).output.strip()
    response = client.post("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_cookie_authenticated_api_writes_need_csrf(whoami, logged_in):
    client, _ = logged_in
    assert client.post("/api/v1/_whoami").status_code == 400
    assert client.form("/api/v1/_whoami").status_code == 200


def test_a_bogus_bearer_header_does_not_ride_on_the_cookie(whoami, logged_in):
    client, _ = logged_in
    response = client.post("/api/v1/_whoami", headers={"Authorization": "Bearer nonsense"})
    assert response.get_json() == {"id": None}


def test_revoked_token_stops_working(whoami, logged_in):
    client, user = logged_in
    page = client.form("/account/tokens", {"label": "x"}).get_data(as_text=True)
    raw = re.search(r'id="new-token">([^<]+)<', page).group(1)
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert client.form(f"/account/tokens/{token.id}/revoke").status_code == 302
    response = client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.get_json() == {"id": None}


def test_cannot_revoke_someone_elses_token(logged_in, user_factory):
    from civicboard.auth import services

    client, _ = logged_in
    other = user_factory()
    token, _raw = services.create_api_token(other, "theirs")
    db.session.commit()
    assert client.form(f"/account/tokens/{token.id}/revoke").status_code == 403
    db.session.refresh(token)
    assert token.revoked_at is None


def test_token_for_unknown_email_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert result.exit_code != 0
    assert "No account" in result.output
