"""Catalog refreshes on the worker: staff's "Refresh now" becomes a task, and a nightly refresh of every source."""

from __future__ import annotations

from civicboard.datasets import jobs
from civicboard.datasets.models import CatalogSource, Dataset
from civicboard.extensions import db
from civicboard.outbox.worker import huey
from tests.datasets.conftest import count, runs


def _source(url: str) -> CatalogSource:
    source = CatalogSource(name="somerville", url=url, format="auto", enabled=True)
    db.session.add(source)
    db.session.commit()
    return source


def _pending_catalog_tasks() -> list:
    return [task for task in huey.pending() if task.name.endswith("execute_in_worker")]


def test_refresh_now_queues_a_task_the_worker_executes(app, staff_client, catalog_server, allow_private):
    app.config["CATALOG_RUNNER"] = "worker"
    huey.flush()
    source = _source(catalog_server.url("/files/somerville_ma.data.v1_0.json"))
    staff_client.form(f"/datasets/sources/{source.id}/refresh")
    [run] = runs()
    assert run.status == "queued" and catalog_server.paths == []  # nothing ran in the web process
    [task] = _pending_catalog_tasks()
    huey.execute(task)
    [run] = runs()
    assert (run.status, run.added) == ("succeeded", 14)
    assert task.args == (run.id,)


def test_the_worker_is_the_default_runner(database_url):
    from config import Config

    assert Config.CATALOG_RUNNER == "worker"


def test_the_nightly_refresh_reimports_every_enabled_source(app, catalog_server, allow_private):
    _source(catalog_server.url("/files/somerville_ma.data.v1_0.json"))
    jobs.nightly_refresh.call_local()
    assert count(Dataset, Dataset.source == "somerville") == 14
    assert [r.status for r in runs()] == ["succeeded"]


def test_the_nightly_refresh_is_a_periodic_task(app):
    names = {task.name for task in huey._registry.periodic_tasks}
    assert any(name.endswith("nightly_refresh") for name in names)
