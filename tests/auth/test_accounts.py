"""Registration, login, logout, profile and password changes."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from civicboard.auth.models import User, UserSession
from civicboard.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def register(client, email="new@example.org", name="New Person", password="a long password", confirm=None):
    return client.form(
        "/register",
        {"email": email, "name": name, "password": password, "confirm": confirm or password},
    )


def test_register_creates_account_and_logs_in(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.execute(select(User)).scalar_one()
    assert user.email == "new@example.org"
    assert client.get("/account").status_code == 200


def test_register_stores_password_hashed_not_plain(client):
    register(client, password="a long password")
    user = db.session.execute(select(User)).scalar_one()
    assert "a long password" not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")  # the test KDF; production uses scrypt


def test_email_is_unique_case_insensitively(client, make_client):
    register(client, email="Casey@Example.org")
    response = register(make_client(), email="casey@EXAMPLE.org")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 1


def test_short_password_is_rejected_with_a_clear_error(client):
    response = register(client, password="short")
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_whitespace_only_name_is_rejected(client):
    response = register(client, name="    ")
    assert response.status_code == 422
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_mismatched_confirmation_is_rejected(client):
    response = register(client, confirm="another long password")
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)


def test_invalid_email_is_rejected(client):
    response = register(client, email="not-an-address")
    assert response.status_code == 422


def test_form_errors_keep_what_was_typed(client):
    response = register(client, name="Keeps My Name", password="short")
    assert 'value="Keeps My Name"' in response.get_data(as_text=True)


def test_login_with_correct_password(client, user_factory, login):
    user = user_factory()
    response = login(client, user)
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_login_accepts_email_in_any_case(client, user_factory):
    user = user_factory(email="mixed@example.org")
    response = client.form("/login", {"email": "MIXED@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert user.id


def test_unknown_email_and_wrong_password_answer_the_same(client, user_factory, make_client):
    user_factory(email="known@example.org")
    wrong = client.form("/login", {"email": "known@example.org", "password": "wrong password!"})
    unknown = make_client().form("/login", {"email": "nobody@example.org", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 422
    assert _without_email_and_csrf(wrong) == _without_email_and_csrf(unknown)


def _without_email_and_csrf(response) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    return html.replace("known@example.org", "").replace("nobody@example.org", "")


def test_login_redirects_to_safe_next(client, user_factory):
    user = user_factory()
    response = client.form("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_remember_me_sets_a_persistent_cookie(client, user_factory, login):
    user = user_factory()
    response = login(client, user, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "Expires=" in remember[0] and "HttpOnly" in remember[0]


def test_without_remember_me_no_persistent_cookie(client, user_factory, login):
    response = login(client, user_factory())
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_logout_ends_the_session(logged_in):
    client, user = logged_in
    assert client.form("/logout").status_code == 302
    assert client.get("/account").status_code == 302
    assert db.session.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0


def test_logout_by_get_is_not_allowed(logged_in):
    client, _ = logged_in
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_profile_update(logged_in):
    client, user = logged_in
    response = client.form("/account/profile", {"name": "Renamed", "bio": "Cyclist."})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.bio) == ("Renamed", "Cyclist.")


def test_change_password_requires_the_current_one(logged_in):
    client, user = logged_in
    response = client.form(
        "/account/password",
        {
            "current_password": "not my password",
            "new_password": "brand new password",
            "confirm": "brand new password",
        },
    )
    assert response.status_code == 422
    assert "not correct" in response.get_data(as_text=True)


def test_change_password_then_login_with_new_one(logged_in, make_client):
    client, user = logged_in
    response = client.form(
        "/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "brand new password",
            "confirm": "brand new password",
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this session was renewed
    other = make_client()
    assert other.form("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 422
    assert other.form("/login", {"email": user.email, "password": "brand new password"}).status_code == 302


def test_public_profile_shows_name_and_roles(client, user_factory):
    user = user_factory(name="Pat Parks", roles=["staff"], department="Parks")
    html = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "Pat Parks" in html and "Parks" in html and "City staff" in html


def test_unknown_profile_is_404(client):
    assert client.get("/users/999").status_code == 404


def test_log_out_other_devices_keeps_this_one(client, make_client, user_factory, login):
    user = user_factory()
    login(client, user)
    other = make_client()
    login(other, user)
    assert client.form("/account/sessions/others/end").status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_production_hashes_passwords_with_scrypt(app):
    from civicboard.auth.services import hash_password

    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    assert hash_password("a long password").startswith("scrypt:")
