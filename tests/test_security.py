"""The security baseline: CSRF, POST-only state changes, safe redirects, sessions, headers."""

from __future__ import annotations

import pytest

from civicboard.auth import services
from civicboard.extensions import db
from civicboard.security import safe_next
from tests.conftest import DEFAULT_PASSWORD, csrf_field


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
    app = create_app(
        ProductionConfig,
        {
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CIVICBOARD_URL": "https://board.example.gov",
        },
    )
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


# -- absolute URLs come from CIVICBOARD_URL, never from the request --------------------------------

BOARD = "https://board.example.gov"
FOREIGN = {"Host": "attacker.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"}


@pytest.fixture
def board_url(app):
    """The app configured with a public address unlike the test client's "localhost"."""
    app.config["CIVICBOARD_URL"] = BOARD
    return BOARD


def _no_foreign_host(response) -> str:
    text = response.get_data(as_text=True) + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    assert "attacker.example" not in text and "evil.example" not in text and "localhost" not in text
    return text


def test_a_reset_link_is_on_the_configured_host_whatever_host_is_asked(board_url, client, user_factory):
    from civicboard.mail import outbox
    from civicboard.outbox.services import deliver_due

    user = user_factory()
    # The attacker's own browser: the form, its session and CSRF token, all under the foreign Host.
    form = client.get("/password/forgot", headers=FOREIGN).get_data(as_text=True)
    data = {"csrf_token": csrf_field(form), "email": user.email}
    response = client.post("/password/forgot", data=data, headers=FOREIGN)
    assert response.status_code == 200
    deliver_due()
    body = outbox()[-1].get_content()
    assert f"{BOARD}/password/reset/" in body
    assert "attacker.example" not in body and "evil.example" not in body


def test_feeds_link_only_to_the_configured_host(board_url, client, problem_factory):
    problem = problem_factory(title="Broken streetlight")
    text = _no_foreign_host(client.get("/feeds/problems.atom", headers=FOREIGN))
    assert f'href="{BOARD}/problems/{problem.id}"' in text
    assert f"tag:board.example.gov,{problem.created_at.date().isoformat()}:problems/{problem.id}" in text


def test_api_urls_and_next_links_use_the_configured_host(board_url, client, problem_factory):
    problems = [problem_factory() for _ in range(2)]
    response = client.get("/api/v1/problems?limit=1", headers=FOREIGN)
    _no_foreign_host(response)
    body = response.get_json()
    assert body["items"][0]["url"].startswith(f"{BOARD}/problems/")
    assert body["next"].startswith(f"{BOARD}/api/v1/problems?")
    assert response.headers["Link"].startswith(f"<{BOARD}/api/v1/problems?")
    assert client.get(f"/api/v1/problems/{problems[0].id}", headers=FOREIGN).get_json()["url"] == (
        f"{BOARD}/problems/{problems[0].id}"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/data.json",
        "/open311/v2/discovery.json",
        "/open311/v2/requests.json",
        "/exports/problems.json",
        "/exports/problems.csv",
        "/feeds/problems.atom",
    ],
)
def test_open_data_links_use_the_configured_host(board_url, client, problem_factory, path):
    problem_factory()
    response = client.get(path, headers=FOREIGN)
    assert response.status_code == 200
    assert BOARD in _no_foreign_host(response)


def test_challenge_links_use_the_configured_host(board_url, client, user_factory, problem_factory):
    from datetime import timedelta

    from civicboard.challenges import services as challenge_services
    from civicboard.timeutil import utcnow

    organizer = user_factory(roles=["organizer"])
    start = utcnow() + timedelta(days=7)
    challenge = challenge_services.create_challenge(
        organizer,
        title="Streets Data Jam",
        summary="Fix the streets with data.",
        starts_at=start.isoformat() + "Z",
        ends_at=(start + timedelta(days=1)).isoformat() + "Z",
        timezone="America/New_York",
        place="City Hall",
        contact="organizers@example.org",
    )
    challenge_services.add_problem(organizer, challenge, problem_factory().id)
    challenge_services.publish_challenge(organizer, challenge)
    db.session.commit()
    for path in (
        f"/api/v1/challenges/{challenge.slug}",
        f"/challenges/{challenge.slug}/brief.json",
        f"/feeds/challenges/{challenge.slug}.atom",
    ):
        response = client.get(path, headers=FOREIGN)
        assert response.status_code == 200, path
        assert BOARD in _no_foreign_host(response), path


def test_a_configured_path_prefix_is_kept(app, client, problem_factory):
    app.config["CIVICBOARD_URL"] = "https://city.example.gov/board"
    problem = problem_factory()
    body = client.get(f"/api/v1/problems/{problem.id}", headers=FOREIGN).get_json()
    assert body["url"] == f"https://city.example.gov/board/problems/{problem.id}"


def test_the_page_cache_keeps_one_copy_whatever_host_is_asked(board_url, client, make_client, problem_factory):
    from civicboard import pagecache

    app = client.application
    app.config["PAGE_CACHE_SECONDS"] = 30
    pagecache.register(app)
    problem_factory(title="Potholes on Broadway")
    first = client.get("/", headers=FOREIGN)
    assert first.headers["X-Cache"] == "miss"
    _no_foreign_host(first)
    second = make_client().get("/")
    assert second.headers["X-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    pages = [key for key in app.extensions[pagecache.EXTENSION_KEY]._cache if key != pagecache.GENERATION_KEY]
    assert len(pages) == 1
