"""The security baseline: CSRF, POST-only state changes, safe redirects, sessions, headers."""

from __future__ import annotations

import pytest

from civicboard.auth import services
from civicboard.extensions import db
from civicboard.security import safe_next
from tests.conftest import DEFAULT_PASSWORD


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "http://evil.example/path",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "/\t/evil.example",
        "///evil.example",
        "evil.example",
        "data:text/html,hi",
    ],
)
def test_safe_next_refuses_other_origins(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/", "/account", "/problems/3?sort=new", "/search?q=a%2Fb"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, user_factory, target):
    user = user_factory()
    response = client.form("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_form_without_csrf_token_is_refused(client, user_factory):
    user = user_factory()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_logout_without_csrf_token_is_refused(logged_in):
    client, _ = logged_in
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_state_change_with_a_forged_token_is_refused(logged_in):
    client, user = logged_in
    response = client.post("/account/profile", data={"csrf_token": "forged", "name": "Hacked", "bio": ""})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.name != "Hacked"


def test_session_is_renewed_at_login(client, user_factory):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        before = dict(sess)
    user = user_factory()
    client.form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("_user_id") != before.get("_user_id")


def _copy_cookies(source, target) -> None:
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_cookie_copied_before_logout_no_longer_works(logged_in, make_client):
    client, _ = logged_in
    thief = make_client()
    _copy_cookies(client, thief)
    assert thief.get("/account").status_code == 200
    client.form("/logout")
    assert thief.get("/account").status_code == 302


def test_remember_cookie_copied_before_logout_no_longer_works(client, user_factory, login, make_client):
    user = user_factory()
    login(client, user, remember=True)
    thief = make_client()
    for cookie in client._cookies.values():
        if cookie.key == "remember_token":
            thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    assert thief.get("/account").status_code == 200
    client.form("/logout")
    assert thief.get("/account").status_code == 302


def test_password_change_ends_other_sessions(client, make_client, user_factory, login):
    user = user_factory()
    login(client, user)
    other_device = make_client()
    login(other_device, user)
    client.form(
        "/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "brand new password",
            "confirm": "brand new password",
        },
    )
    assert other_device.get("/account").status_code == 302
    assert client.get("/account").status_code == 200


def test_ban_ends_sessions_at_once(client, user_factory, login):
    moderator = user_factory(roles=["moderator"])
    user = user_factory()
    login(client, user)
    services.ban_user(moderator, user, None, "spam")
    db.session.commit()
    assert client.get("/account").status_code == 302
    response = client.form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)


def test_cookies_are_httponly_and_samesite_lax(client, user_factory, login):
    response = login(client, user_factory(), remember=True)
    for header in response.headers.getlist("Set-Cookie"):
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Secure" not in header  # development


def test_production_cookies_are_secure(database_url, monkeypatch):
    from civicboard import create_app
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app(ProductionConfig, {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/login")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_scripts(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html
