"""Every request has an id (sent as X-Request-ID, shown on error pages) and one log line."""

from __future__ import annotations

import json
import logging
import re

import pytest

from civicboard import requestlog
from tests.conftest import Client, make_app


def test_a_request_gets_a_new_id_in_its_response(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_sane_incoming_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:42"})
    assert response.headers["X-Request-ID"] == "lb-7f3a:42"


@pytest.mark.parametrize("incoming", ["", "x" * 200, "two words", "<script>", "line\tbreak"])
def test_an_unsafe_incoming_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert len(response.headers["X-Request-ID"]) == 32


def test_an_error_page_shows_the_request_id(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "ref-123"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "ref-123"
    assert "<code>ref-123</code>" in response.get_data(as_text=True)


def test_one_log_line_per_request_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="civicboard.requests"):
        client.get("/healthz", headers={"X-Request-ID": "find-me"})
    lines = [r for r in caplog.records if r.name == "civicboard.requests"]
    assert len(lines) == 1
    record = lines[0]
    assert record.request_id == "find-me"
    assert (record.method, record.path, record.status, record.endpoint) == ("GET", "/healthz", 200, "main.healthz")


def test_json_format_writes_one_json_object_per_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="civicboard.requests"):
        client.get("/healthz", headers={"X-Request-ID": "json-1"})
    record = next(r for r in caplog.records if r.name == "civicboard.requests")
    requestlog._RequestIdFilter().filter(record)
    line = requestlog.JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["request_id"] == "json-1"
    assert entry["status"] == 200 and entry["path"] == "/healthz" and entry["level"] == "INFO"
    assert entry["time"].endswith("Z")


def test_log_format_json_installs_the_json_formatter(database_url, _schema):
    make_app(database_url, LOG_FORMAT="json")
    try:
        handlers = [h for h in logging.getLogger("civicboard").handlers if getattr(h, requestlog._HANDLER_FLAG, False)]
        assert len(handlers) == 1
        assert isinstance(handlers[0].formatter, requestlog.JsonFormatter)
    finally:
        make_app(database_url)  # back to text for the rest of the run
    assert isinstance(handlers[0].formatter, requestlog.TextFormatter)


def test_sentry_dsn_without_the_sdk_only_warns(database_url, _schema, caplog, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # as if sentry-sdk were not installed
    with caplog.at_level(logging.WARNING):
        app = make_app(database_url, SENTRY_DSN="https://key@sentry.example.org/1")
    assert "sentry-sdk is not installed" in caplog.text
    app.test_client_class = Client
    with app.app_context():
        assert app.test_client().get("/healthz").status_code == 200


def test_a_server_error_page_shows_the_reference_to_quote(app, client, caplog):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO):
        response = client.get("/broken-for-test")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert f"<code>{request_id}</code>" in response.get_data(as_text=True)
    # The traceback and the request line carry the same id: the report can be found in the logs.
    error = next(r for r in caplog.records if r.levelno >= logging.ERROR)
    requestlog._RequestIdFilter().filter(error)
    assert error.request_id == request_id


SECRET = "Zm9vYmFy.s3cr3t-T0KEN_xyz"


@pytest.mark.parametrize(
    "path",
    [
        f"/verify/{SECRET}",
        f"/password/reset/{SECRET}",
        f"/account/email/confirm/{SECRET}",
        f"/unsubscribe/{SECRET}",
        f"/challenges/invitations/{SECRET}",
        f"/verify/{SECRET}/",  # a mistyped link no route answers
    ],
)
def test_the_request_log_never_writes_a_links_secret(client, caplog, path):
    with caplog.at_level(logging.INFO, logger="civicboard.requests"):
        client.get(path)
    [record] = [r for r in caplog.records if r.name == "civicboard.requests"]
    requestlog._RequestIdFilter().filter(record)
    written = requestlog.TextFormatter().format(record) + requestlog.JsonFormatter().format(record)
    assert SECRET not in written
    assert record.path == path.replace(SECRET, "<token>")


def test_a_valid_unsubscribe_link_is_logged_without_its_token(app, client, user_factory, caplog):
    from civicboard.notify.unsubscribe import make_token

    token = make_token(user_factory().id, ["comments"])
    with caplog.at_level(logging.INFO, logger="civicboard.requests"):
        assert client.get(f"/unsubscribe/{token}").status_code == 200
    assert token not in caplog.text
    assert "/unsubscribe/<token>" in caplog.text


def test_every_route_with_a_token_is_redacted(app):
    def secret(name):
        return name == "token" or name.endswith("_token")

    tokenised = [rule for rule in app.url_map.iter_rules() if any(secret(name) for name in rule.arguments)]
    assert {rule.endpoint for rule in tokenised} >= {
        "auth.verify_email",
        "auth.reset_password",
        "auth.confirm_email_change",
        "notify.unsubscribe",
        "challenges.invitation",
    }
    for rule in tokenised:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SECRET if secret(m.group(1)) else "7", rule.rule)
        assert SECRET not in requestlog.loggable_path(path, app), rule.rule


def test_secrets_in_query_strings_are_redacted(app):
    query = f"token={SECRET}&api_key={SECRET}&page=2&next=/password/reset/{SECRET}"
    assert SECRET not in requestlog.loggable_query(query, app)
    assert "page=2" in requestlog.loggable_query(query, app)
    event = {"request": {"url": f"https://board.example.gov/verify/{SECRET}?token={SECRET}", "query_string": query}}
    scrubbed = requestlog.scrub_event(app, event)
    assert SECRET not in json.dumps(scrubbed)
    assert scrubbed["request"]["url"].startswith("https://board.example.gov/verify/<token>?")
