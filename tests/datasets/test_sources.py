"""/datasets/sources: staff configure catalog sources, see their runs, refresh one now."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.datasets import jobs, services
from civicboard.datasets.models import CatalogSource, Dataset, ImportRun
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.validation import ConflictError, ValidationError
from tests.datasets.conftest import count, fixture_path, runs

SOURCE = {"name": "somerville", "title": "Somerville", "url": "https://data.example.org/data.json", "format": "dcat"}


def add_source(**fields) -> CatalogSource:
    source = CatalogSource(**{**SOURCE, **fields})
    db.session.add(source)
    db.session.commit()
    return source


def the_source() -> CatalogSource:
    db.session.expire_all()
    return db.session.execute(select(CatalogSource)).scalar_one()


def audit_entries(prefix: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action.like(prefix + "%")).order_by(AuditEntry.id)
    return list(db.session.execute(query).scalars())


def test_staff_add_a_source(staff_client, staff):
    response = staff_client.form("/datasets/sources", {**SOURCE, "enabled": "y"})

    assert response.status_code == 302
    source = the_source()
    assert (source.name, source.url, source.format, source.enabled) == (
        "somerville",
        "https://data.example.org/data.json",
        "dcat",
        True,
    )
    [entry] = audit_entries("catalog_source.")
    assert (entry.action, entry.actor_id) == ("catalog_source.create", staff.id)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "file:///etc/passwd"),
        ("url", "javascript:alert(1)"),
        ("name", "manual"),
        ("name", "Has Spaces"),
        ("format", "csv"),
    ],
)
def test_bad_sources_are_refused(staff_client, field, value):
    response = staff_client.form("/datasets/sources", {**SOURCE, field: value})

    assert response.status_code == 422
    assert count(CatalogSource) == 0


def test_a_second_source_with_the_same_name_is_a_conflict(app, staff):
    add_source()

    with pytest.raises(ConflictError):
        services.create_source(staff, SOURCE)


def test_staff_edit_a_source_but_not_its_name(staff_client):
    source = add_source()

    response = staff_client.form(
        f"/datasets/sources/{source.id}/edit",
        {"name": "renamed", "title": "City catalog", "url": "https://other.example.org/data.json", "format": "auto"},
    )

    assert response.status_code == 302
    edited = the_source()
    assert (edited.name, edited.title, edited.url, edited.enabled) == (
        "somerville",
        "City catalog",
        "https://other.example.org/data.json",
        False,
    )


def test_staff_disable_and_enable_a_source(staff_client):
    source = add_source()

    staff_client.form(f"/datasets/sources/{source.id}/disable")
    assert the_source().enabled is False
    staff_client.form(f"/datasets/sources/{source.id}/enable")
    assert the_source().enabled is True
    assert [e.action for e in audit_entries("catalog_source.")] == ["catalog_source.update"] * 2


def test_the_sources_page_shows_each_sources_last_run(staff_client):
    add_source(name="good")
    add_source(name="bad", url="https://bad.example.org/data.json")
    db.session.add_all(
        [
            ImportRun(source="good", added=1, updated=2, unchanged=3, withdrawn=4, skipped=5),
            ImportRun(source="good", added=7, updated=0, unchanged=14, withdrawn=0, skipped=1),
            ImportRun(source="bad", status="failed", error="could not fetch the catalog: boom"),
        ]
    )
    db.session.commit()

    html = staff_client.get("/datasets/sources").get_data(as_text=True)

    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "added 7, updated 0, unchanged 14, withdrawn 0, skipped 1" in table
    assert "added 1, updated 2" not in table
    assert "Failed: could not fetch the catalog: boom" in table


def page_text(client) -> str:
    return client.get("/datasets/sources").get_data(as_text=True)


def the_run() -> ImportRun:
    [run] = runs()
    return run


def test_refresh_now_answers_at_once_with_a_queued_run_while_the_catalog_server_is_slow(
    staff_client, catalog_server, allow_private
):
    source = add_source(url=catalog_server.url("/slow/somerville_ma.data.v1_0.json"), format="auto")

    started = time.monotonic()
    response = staff_client.form(f"/datasets/sources/{source.id}/refresh", follow_redirects=True)
    elapsed = time.monotonic() - started

    # The server holds the catalog back for up to 10 s: the request did not wait for it.
    assert elapsed < 5
    assert "Refresh of somerville queued" in response.get_data(as_text=True)
    assert the_run().status in ("queued", "running")
    assert re.search(r">(Queued|Running)<", page_text(staff_client))
    assert count(Dataset) == 0


def test_a_queued_refresh_completes_in_the_background_and_shows_its_summary(
    staff_client, catalog_server, allow_private
):
    source = add_source(url=catalog_server.url("/slow/somerville_ma.data.v1_0.json"), format="auto")
    staff_client.form(f"/datasets/sources/{source.id}/refresh")

    catalog_server.release.set()
    jobs.wait_for_background()

    run = the_run()
    assert (run.status, run.added, run.skipped, run.error) == ("succeeded", 14, 1, None)
    assert run.started_at is not None and run.finished_at >= run.started_at >= run.queued_at
    assert count(Dataset, Dataset.source == "somerville") == 14
    assert "Succeeded</span> added 14, updated 0, unchanged 0, withdrawn 0, skipped 1" in page_text(staff_client)


def test_a_refresh_that_fails_in_the_background_is_recorded_and_shown(staff_client, catalog_server, allow_private):
    source = add_source(url=catalog_server.url("/status/500"), format="auto")

    staff_client.form(f"/datasets/sources/{source.id}/refresh")
    jobs.wait_for_background()

    run = the_run()
    assert run.status == "failed" and "HTTP 500" in run.error
    assert run.finished_at is not None
    assert f"Failed: {run.error}" in page_text(staff_client)
    assert count(Dataset) == 0


def test_a_refresh_the_safe_fetcher_refuses_fails_without_fetching(staff_client, catalog_server, app):
    app.config["CATALOG_ALLOW_PRIVATE_ADDRESSES"] = False
    source = add_source(url=catalog_server.url("/files/somerville_ma.data.v1_0.json"))

    staff_client.form(f"/datasets/sources/{source.id}/refresh")
    jobs.wait_for_background()

    assert catalog_server.paths == [] and count(Dataset) == 0
    assert the_run().status == "failed" and "not a public address" in the_run().error


def test_refresh_now_is_audited_with_its_run(staff_client, staff, catalog_server, allow_private):
    source = add_source(url=catalog_server.url("/files/ny_state.data.v1_1.json"))

    staff_client.form(f"/datasets/sources/{source.id}/refresh")

    [entry] = audit_entries("catalog_source.refresh")
    assert entry.actor_id == staff.id and entry.details["run_id"] == the_run().id
    jobs.wait_for_background()
    assert the_run().requested_by_id == staff.id


def test_a_second_refresh_while_one_is_running_is_refused(staff_client):
    source = add_source()
    db.session.add(ImportRun(source="somerville", location=source.url, status="running"))
    db.session.commit()

    response = staff_client.form(f"/datasets/sources/{source.id}/refresh", follow_redirects=True)

    assert "A refresh of somerville is already running" in response.get_data(as_text=True)
    assert [r.status for r in runs()] == ["running"]
    assert audit_entries("catalog_source.refresh") == []


def test_a_run_left_running_by_a_dead_process_does_not_block_refreshes(staff_client, app):
    app.config["CATALOG_RUNNER"] = "off"
    source = add_source()
    long_ago = datetime(2020, 1, 1)
    db.session.add(
        ImportRun(source="somerville", location=source.url, status="running", queued_at=long_ago, started_at=long_ago)
    )
    db.session.commit()

    staff_client.form(f"/datasets/sources/{source.id}/refresh")

    dead, fresh = runs()
    assert dead.status == "failed" and dead.error.startswith("abandoned")
    assert fresh.status == "queued"
    assert "Failed: abandoned" in page_text(staff_client)


def test_a_queued_run_is_claimed_by_one_runner_only(staff, catalog_server, allow_private):
    source = add_source(url=catalog_server.url("/files/ny_state.data.v1_1.json"))
    run = jobs.queue_refresh(staff, source)
    db.session.commit()

    assert jobs.claim_run(run.id) is True
    assert jobs.claim_run(run.id) is False
    assert jobs.execute_run(run.id) is None


def test_with_the_runner_off_a_queued_refresh_waits_for_run_queued(staff_client, runner, catalog_server, app):
    app.config.update(CATALOG_RUNNER="off", CATALOG_ALLOW_PRIVATE_ADDRESSES=True)
    source = add_source(url=catalog_server.url("/files/ny_state.data.v1_1.json"))
    staff_client.form(f"/datasets/sources/{source.id}/refresh")
    assert the_run().status == "queued" and catalog_server.paths == []

    result = runner.invoke(args=["datasets", "run-queued"])

    assert result.exit_code == 0, result.output
    assert "somerville: added 1" in result.output
    assert the_run().status == "succeeded"


def test_refresh_now_refuses_a_mass_withdrawal_and_records_why(staff_client, catalog_server, allow_private):
    source = add_source(url=catalog_server.url("/files/somerville_ma.data.v1_0.json"))
    staff_client.form(f"/datasets/sources/{source.id}/refresh")
    jobs.wait_for_background()
    # The source now points at a file holding one, unrelated, dataset.
    source = the_source()
    source.url = catalog_server.url("/files/ny_state.data.v1_1.json")
    db.session.commit()

    staff_client.form(f"/datasets/sources/{source.id}/refresh")
    jobs.wait_for_background()

    last = runs()[-1]
    assert last.status == "failed"
    assert "would withdraw 14 of the 14 active datasets of somerville" in last.error
    assert count(Dataset, Dataset.source == "somerville", Dataset.status == "active") == 14
    assert "Failed: this import would withdraw 14 of the 14" in page_text(staff_client)


def test_residents_get_403_on_the_sources_pages(resident_client):
    source = add_source()

    assert resident_client.get("/datasets/sources").status_code == 403
    assert resident_client.form("/datasets/sources", {**SOURCE, "name": "other"}).status_code == 403
    assert resident_client.get(f"/datasets/sources/{source.id}/edit").status_code == 403
    assert resident_client.form(f"/datasets/sources/{source.id}/disable").status_code == 403
    assert resident_client.form(f"/datasets/sources/{source.id}/refresh").status_code == 403
    assert count(CatalogSource) == 1 and count(ImportRun) == 0


def test_residents_may_not_use_the_source_services(app, resident):
    source = add_source()

    for call in (
        lambda: services.create_source(resident, {**SOURCE, "name": "other"}),
        lambda: services.update_source(resident, source, {"enabled": False}),
        lambda: jobs.queue_refresh(resident, source),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert count(ImportRun) == 0


def test_a_source_is_never_read_from_a_local_file(app, staff):
    with pytest.raises(jobs.ImportFailed, match="must be an http"):
        jobs.load_catalog(fixture_path("somerville_ma.data.v1_0.json"))


@pytest.mark.parametrize(
    ("value", "pairs"),
    [
        ("", []),
        ("city=https://a.example/data.json", [("city", "https://a.example/data.json")]),
        (
            "a=https://a.example/x, b=https://b.example/y\nc=https://c.example/z",
            [("a", "https://a.example/x"), ("b", "https://b.example/y"), ("c", "https://c.example/z")],
        ),
    ],
)
def test_configured_sources_are_read_as_name_url_pairs(value, pairs):
    assert services.parse_config_sources(value) == pairs


def test_a_configured_source_with_a_bad_url_is_refused(app):
    with pytest.raises(ValidationError):
        services.sync_config_sources([("city", "file:///etc/passwd")])
