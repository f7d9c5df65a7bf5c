"""Password reset by email: same answer for everyone, single-use, expiring tokens."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

import pytest

from civicboard.auth import services
from civicboard.extensions import db
from civicboard.mail import outbox
from civicboard.outbox.services import deliver_due
from tests.conftest import DEFAULT_PASSWORD
from tests.smtp import Recorder, body_of, free_port, running


def reset_link(app) -> str:
    deliver_due()
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_known_and_unknown_addresses_get_the_same_answer(client, user_factory, app):
    user_factory(email="known@example.org")
    known = client.form("/password/forgot", {"email": "known@example.org"})
    unknown = client.form("/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    deliver_due()
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
        db.session.commit()
    deliver_due()
    assert "/password/reset/" in caplog.text


# -- a slow or broken mail server changes neither the answer nor its time ------------------------

SMTP_DELAY = 3.0  # seconds the slow server sits on each message
FAST_ENOUGH = 1.5  # an answer slower than this waited on the mail server


@pytest.fixture
def slow_smtp(smtp_to) -> Iterator[Recorder]:
    """A real SMTP server on 127.0.0.1 that takes SMTP_DELAY seconds per message."""
    handler = Recorder(delay=SMTP_DELAY)
    with running(handler) as port:
        smtp_to(port)
        yield handler


@pytest.fixture
def refused_smtp(smtp_to) -> None:
    """A mail server that is down: nothing listens on its port."""
    smtp_to(free_port())


def _timed_forgot(client, email: str):
    started = time.perf_counter()
    response = client.form("/password/forgot", {"email": email})
    return response, time.perf_counter() - started


def test_a_slow_mail_server_does_not_slow_the_answer(app, client, user_factory, slow_smtp):
    user = user_factory(email="known@example.org")
    known, known_time = _timed_forgot(client, user.email)
    unknown, unknown_time = _timed_forgot(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert known_time < FAST_ENOUGH and unknown_time < FAST_ENOUGH
    deliver_due()
    assert len(slow_smtp.messages) == 1
    assert "/password/reset/" in body_of(slow_smtp.messages[0])
    assert slow_smtp.messages[0]["To"] == "known@example.org"


def test_a_mail_server_that_is_down_changes_nothing_in_the_answer(app, client, user_factory, refused_smtp):
    user = user_factory(email="known@example.org")
    known, known_time = _timed_forgot(client, user.email)
    unknown, unknown_time = _timed_forgot(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert known_time < FAST_ENOUGH and unknown_time < FAST_ENOUGH


def test_a_mail_failure_is_logged(app, client, user_factory, refused_smtp, caplog):
    user = user_factory(email="known@example.org")
    with caplog.at_level(logging.ERROR):
        client.form("/password/forgot", {"email": user.email})
        deliver_due()
    assert "could not be sent" in caplog.text
    assert "ConnectionRefusedError" in caplog.text
