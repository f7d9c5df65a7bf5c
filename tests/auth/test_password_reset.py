"""Password reset by email: same answer for everyone, single-use, expiring tokens."""

from __future__ import annotations

import re

from civicboard.auth import services
from civicboard.mail import outbox
from tests.conftest import DEFAULT_PASSWORD


def reset_link(app) -> str:
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_known_and_unknown_addresses_get_the_same_answer(client, user_factory, app):
    user_factory(email="known@example.org")
    known = client.form("/password/forgot", {"email": "known@example.org"})
    unknown = client.form("/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert len(outbox()) == 1
    assert outbox()[0]["To"] == "known@example.org"


def test_reset_link_sets_a_new_password(client, user_factory, app):
    user = user_factory()
    client.form("/password/forgot", {"email": user.email})
    link = reset_link(app)
    assert client.get(link).status_code == 200
    response = client.form(link, {"password": "a fresh password", "confirm": "a fresh password"})
    assert response.status_code == 302
    assert client.form("/login", {"email": user.email, "password": "a fresh password"}).status_code == 302


def test_reset_link_works_only_once(client, user_factory, app):
    user = user_factory()
    client.form("/password/forgot", {"email": user.email})
    link = reset_link(app)
    client.form(link, {"password": "a fresh password", "confirm": "a fresh password"})
    again = client.form(link, {"password": "another password", "confirm": "another password"})
    assert again.status_code == 400


def test_reset_link_dies_when_the_password_changes(logged_in, app):
    client, user = logged_in
    token = services.make_reset_token(user)
    client.form(
        "/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "brand new password",
            "confirm": "brand new password",
        },
    )
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_reset_link_expires_after_an_hour(client, user_factory, app, monkeypatch):
    user = user_factory()
    token = services.make_reset_token(user)
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 3601)
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_tampered_token_is_refused(client, user_factory):
    user = user_factory()
    token = services.make_reset_token(user)
    assert client.get(f"/password/reset/{token[:-2]}xx").status_code == 400


def test_reset_ends_existing_sessions(client, make_client, user_factory, login, app):
    user = user_factory()
    login(client, user)
    token = services.make_reset_token(user)
    make_client().form(f"/password/reset/{token}", {"password": "a fresh password", "confirm": "a fresh password"})
    assert client.get("/account").status_code == 302


def test_development_mail_goes_to_the_log(app, user_factory, caplog):
    app.config["MAIL_BACKEND"] = "log"
    user = user_factory()
    with app.test_request_context():
        services.request_password_reset(user.email)
    assert "/password/reset/" in caplog.text
