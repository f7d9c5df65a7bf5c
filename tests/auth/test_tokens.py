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


def _token_for(user) -> str:
    from civicboard.auth import services

    _token, raw = services.create_api_token(user, "script")
    db.session.commit()
    return raw


def test_a_bearer_token_wins_over_a_remember_cookie(whoami, client, user_factory, login):
    browser_user, script_user = user_factory(), user_factory()
    login(client, browser_user, remember=True)
    raw = _token_for(script_user)
    response = client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.get_json() == {"id": script_user.id}


def test_a_bearer_token_works_beside_a_remember_cookie_alone(whoami, client, user_factory, login):
    user = user_factory()
    login(client, user, remember=True)
    with client.session_transaction() as sess:
        sess.clear()  # a new browser session: only the remember cookie is left
    raw = _token_for(user)
    response = client.post("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.get_json() == {"id": user.id}


def test_a_bogus_bearer_header_does_not_ride_on_a_remember_cookie(whoami, client, user_factory, login):
    login(client, user_factory(), remember=True)
    with client.session_transaction() as sess:
        sess.clear()
    response = client.get("/api/v1/_whoami", headers={"Authorization": "Bearer nonsense"})
    assert response.get_json() == {"id": None}


def _active_tokens(user) -> int:
    db.session.expire_all()
    rows = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    return len(rows.scalars().all())


def test_changing_the_password_revokes_every_token(whoami, logged_in, make_client):
    from tests.conftest import DEFAULT_PASSWORD

    client, user = logged_in
    raw = _token_for(user)
    _token_for(user)
    response = client.form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "brand new password", "confirm": "brand new password"},
    )
    assert response.status_code == 302
    assert _active_tokens(user) == 0
    script = make_client().get("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"})
    assert script.get_json() == {"id": None}
    assert "API token revoked" in client.get("/account").get_data(as_text=True)


def test_a_password_reset_revokes_every_token(whoami, client, user_factory):
    from civicboard.auth import services

    user = user_factory()
    raw = _token_for(user)
    reset = services.make_reset_token(user)
    response = client.form(f"/password/reset/{reset}", {"password": "a fresh password", "confirm": "a fresh password"})
    assert response.status_code == 302
    assert _active_tokens(user) == 0
    assert client.get("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"}).get_json() == {"id": None}


def test_the_account_page_says_a_password_change_revokes_tokens(logged_in):
    client, _ = logged_in
    assert "revokes all your API tokens" in client.get("/account").get_data(as_text=True)


def test_the_account_page_revokes_all_tokens(whoami, logged_in, make_client, user_factory):
    client, user = logged_in
    raws = [_token_for(user), _token_for(user)]
    someone_else = user_factory()
    theirs = _token_for(someone_else)
    assert "Revoke all tokens" in client.get("/account").get_data(as_text=True)
    response = client.form("/account/tokens/revoke-all", follow_redirects=True)
    assert "2 API tokens revoked" in response.get_data(as_text=True)
    for raw in raws:
        assert make_client().get("/api/v1/_whoami", headers={"Authorization": f"Bearer {raw}"}).get_json() == {
            "id": None
        }
    assert _active_tokens(someone_else) == 1
    assert make_client().get("/api/v1/_whoami", headers={"Authorization": f"Bearer {theirs}"}).get_json() == {
        "id": someone_else.id
    }


def test_revoking_all_tokens_needs_a_csrf_token(logged_in):
    client, user = logged_in
    _token_for(user)
    assert client.post("/account/tokens/revoke-all").status_code == 400
    assert _active_tokens(user) == 1


def test_logging_out_other_devices_says_tokens_are_kept(logged_in):
    client, _ = logged_in
    assert "API tokens keep working until you revoke them" in client.get("/account").get_data(as_text=True)
