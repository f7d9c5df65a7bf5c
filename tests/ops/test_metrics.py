"""/metrics: the Prometheus text format, read by prometheus_client's own parser; who may read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from civicboard.datasets.models import ImportRun, RunStatus
from civicboard.extensions import db
from civicboard.outbox.models import OutboxMessage, OutboxStatus
from civicboard.timeutil import utcnow


def scrape(client, **kwargs) -> dict[str, list]:
    """name -> samples, parsed by the Prometheus client's text parser."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type.startswith("text/plain; version=")
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {family.name: family.samples for family in families}


def value(samples, name: str, **labels) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert found, f"no {name} {labels}"
    return sum(found)


def test_requests_are_counted_by_endpoint_and_status(client):
    before = scrape(client)["civicboard_http_requests"]
    was = [s.value for s in before if s.labels == {"endpoint": "main.healthz", "method": "GET", "status": "200"}]
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    metrics = scrape(client)
    requests = metrics["civicboard_http_requests"]
    assert value(requests, "civicboard_http_requests_total", endpoint="main.healthz", status="200") == sum(was) + 2
    assert value(requests, "civicboard_http_requests_total", endpoint="unmatched", status="404") >= 1
    latency = metrics["civicboard_http_request_duration_seconds"]
    assert value(latency, "civicboard_http_request_duration_seconds_count", endpoint="main.healthz", status="200") >= 2


def test_pool_use_is_reported(client):
    pool = scrape(client)["civicboard_db_pool_connections"]
    states = {s.labels["state"] for s in pool}
    assert {"checked_out", "idle", "overflow", "size"} <= states


def test_page_cache_hits_and_misses_are_counted(app, make_client):
    from civicboard import pagecache

    app.config["PAGE_CACHE_SECONDS"] = 30
    pagecache.register(app)
    reader = make_client()
    before = scrape(reader)["civicboard_page_cache_requests"]
    hits = value(before, "civicboard_page_cache_requests_total", result="hit") if before else 0
    reader.get("/")
    reader.get("/")
    reader.get("/")
    after = scrape(reader)["civicboard_page_cache_requests"]
    assert value(after, "civicboard_page_cache_requests_total", result="hit") >= hits + 2
    assert value(after, "civicboard_page_cache_requests_total", result="miss") >= 1


def _message(n: int, status: str, attempts: int = 0, due_in: int = 0) -> OutboxMessage:
    return OutboxMessage(
        message_key=f"test:{n}",
        recipient=f"r{n}@example.org",
        subject="s",
        body="b",
        status=status,
        attempts=attempts,
        next_attempt_at=utcnow() + timedelta(seconds=due_in),
    )


def test_emails_by_state_and_the_worker_queue_depth(client):
    rows = [
        _message(1, OutboxStatus.QUEUED.value),
        _message(2, OutboxStatus.QUEUED.value, due_in=3600),
        _message(3, OutboxStatus.QUEUED.value, attempts=2),
        _message(4, OutboxStatus.SENT.value, attempts=1),
        _message(5, OutboxStatus.SENT.value, attempts=1),
        _message(6, OutboxStatus.FAILED.value, attempts=5),
    ]
    db.session.add_all(rows)
    db.session.commit()
    metrics = scrape(client)
    emails = metrics["civicboard_emails"]
    assert {s.labels["state"]: s.value for s in emails} == {
        "waiting": 2,
        "retrying": 1,
        "sending": 0,
        "sent": 2,
        "failed": 1,
    }
    assert value(metrics["civicboard_worker_queue_depth"], "civicboard_worker_queue_depth", queue="outbox") == 2


def test_catalog_refresh_results(client):
    finished = utcnow()
    db.session.add_all(
        [
            ImportRun(source="city", status=RunStatus.SUCCEEDED.value, finished_at=finished - timedelta(days=1)),
            ImportRun(source="city", status=RunStatus.FAILED.value, finished_at=finished, error="timeout"),
            ImportRun(source="county", status=RunStatus.SUCCEEDED.value, finished_at=finished),
        ]
    )
    db.session.commit()
    metrics = scrape(client)
    runs = metrics["civicboard_catalog_runs"]
    assert value(runs, "civicboard_catalog_runs", source="city", status="failed") == 1
    assert value(runs, "civicboard_catalog_runs", source="county", status="succeeded") == 1
    last = metrics["civicboard_catalog_last_run_timestamp_seconds"]
    failed = value(last, "civicboard_catalog_last_run_timestamp_seconds", source="city", status="failed")
    succeeded = value(last, "civicboard_catalog_last_run_timestamp_seconds", source="city", status="succeeded")
    assert failed - succeeded == pytest.approx(86400, abs=1)


def test_other_addresses_are_refused(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403


def test_configured_networks_are_allowed(app, client):
    app.config["METRICS_ALLOW_FROM"] = "10.0.0.0/8, 192.0.2.7"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403


def test_a_token_opens_it_from_anywhere(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-scrape-token"
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=far).status_code == 403
    bad = {"Authorization": "Bearer wrong"}
    assert client.get("/metrics", environ_base=far, headers=bad).status_code == 403
    good = {"Authorization": "Bearer s3cret-scrape-token"}
    assert client.get("/metrics", environ_base=far, headers=good).status_code == 200


def test_a_forwarded_request_through_an_untrusted_proxy_needs_the_token(client):
    # A local proxy in front: the address is the proxy's, whoever is really asking.
    response = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert response.status_code == 403


def test_with_one_trusted_proxy_the_forwarded_address_decides(database_url, _schema):
    from tests.conftest import Client, make_app

    app = make_app(database_url, TRUSTED_PROXIES=1)
    app.test_client_class = Client
    client = app.test_client()
    with app.app_context():
        outside = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
        inside = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        db.engine.dispose()
    assert outside.status_code == 403
    assert inside.status_code == 200
