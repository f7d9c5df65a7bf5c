"""flask datasets import / refresh."""

from __future__ import annotations

import json
import shutil

import pytest

from civicboard.datasets import cli as datasets_cli
from civicboard.datasets import jobs
from civicboard.datasets.models import CatalogSource, Dataset, ImportRun
from civicboard.extensions import db
from tests.datasets.conftest import count, datasets_of, fixture_path, load, runs


def test_import_of_a_file_prints_the_summary_and_skipped_reasons(runner):
    result = runner.invoke(args=["datasets", "import", fixture_path("somerville_ma.data.v1_0.json")])

    assert result.exit_code == 0, result.output
    assert "data.somervillema.gov: added 14, updated 0, unchanged 0, withdrawn 0, skipped 1" in result.output
    assert "skipped https://data.somervillema.gov/data.json: describes the catalog itself" in result.output
    assert count(Dataset, Dataset.source == "data.somervillema.gov") == 14


def test_import_takes_the_source_name_from_the_option(runner):
    result = runner.invoke(
        args=["datasets", "import", fixture_path("ny_state.data.v1_1.json"), "--source", "nys", "--format", "dcat"]
    )

    assert result.exit_code == 0, result.output
    assert set(datasets_of("nys")) == {"https://data.ny.gov/api/views/22ew-dxez"}


def test_importing_the_same_file_twice_reports_everything_unchanged(runner):
    path = fixture_path("raleigh_nc.data.v1_0.json")
    runner.invoke(args=["datasets", "import", path, "--source", "raleigh"])

    result = runner.invoke(args=["datasets", "import", path, "--source", "raleigh"])

    assert "raleigh: added 0, updated 0, unchanged 128, withdrawn 0, skipped 1" in result.output


def test_a_malformed_file_fails_changes_nothing_and_records_the_error(runner):
    runner.invoke(args=["datasets", "import", fixture_path("somerville_ma.data.v1_0.json"), "--source", "city"])

    result = runner.invoke(args=["datasets", "import", fixture_path("malformed.json"), "--source", "city"])

    assert result.exit_code != 0
    assert "import of city failed, nothing was changed" in result.output
    assert "not JSON: line 3 column 38" in result.output
    assert count(Dataset, Dataset.source == "city", Dataset.status == "active") == 14
    failed = runs()[-1]
    assert failed.source == "city" and "line 3 column 38" in failed.error
    assert failed.added == failed.withdrawn == 0


def test_a_document_of_the_wrong_shape_fails(runner):
    result = runner.invoke(args=["datasets", "import", fixture_path("unknown_shape.geojson.json")])

    assert result.exit_code != 0
    assert "unrecognised catalog shape" in result.output
    assert count(Dataset) == 0


def test_a_forced_format_that_does_not_match_fails(runner):
    result = runner.invoke(args=["datasets", "import", fixture_path("ny_state.data.v1_1.json"), "--format", "ckan"])

    assert result.exit_code != 0
    assert "expected a ckan catalog" in result.output


def test_a_missing_file_fails_with_a_clear_message(runner, tmp_path):
    missing = str(tmp_path / "nowhere.json")

    result = runner.invoke(args=["datasets", "import", missing, "--source", "x"])

    assert result.exit_code != 0
    assert f"cannot read {missing}" in result.output
    assert runs()[-1].error.startswith("cannot read")


def test_urls_other_than_http_are_refused(runner):
    result = runner.invoke(args=["datasets", "import", "ftp://example.org/data.json", "--source", "x"])

    assert result.exit_code != 0
    assert "only http and https" in result.output


def test_a_progress_bar_is_shown_on_a_terminal(runner, monkeypatch):
    monkeypatch.setattr(datasets_cli, "_on_terminal", lambda: True)

    result = runner.invoke(args=["datasets", "import", fixture_path("ny_state.data.v1_1.json")])

    assert result.exit_code == 0, result.output
    assert "Importing" in result.output


def test_no_progress_bar_without_a_terminal(runner):
    result = runner.invoke(args=["datasets", "import", fixture_path("ny_state.data.v1_1.json")])

    assert "Importing" not in result.output


def test_a_url_is_imported_from_a_local_server_when_private_addresses_are_allowed(
    runner, catalog_server, allow_private
):
    url = catalog_server.url("/files/somerville_ma.data.v1_0.json")

    result = runner.invoke(args=["datasets", "import", url, "--source", "somerville"])

    assert result.exit_code == 0, result.output
    assert "added 14" in result.output
    assert catalog_server.paths == ["/files/somerville_ma.data.v1_0.json"]
    assert runs()[-1].location == url


def test_the_source_name_defaults_to_the_host(runner, catalog_server, allow_private):
    result = runner.invoke(args=["datasets", "import", catalog_server.url("/files/ny_state.data.v1_1.json")])

    assert result.exit_code == 0, result.output
    assert count(Dataset, Dataset.source == "127.0.0.1") == 1


def test_a_url_on_a_loopback_address_is_refused_by_default(runner, catalog_server, app):
    app.config["CATALOG_ALLOW_PRIVATE_ADDRESSES"] = False

    result = runner.invoke(
        args=["datasets", "import", catalog_server.url("/files/somerville_ma.data.v1_0.json"), "--source", "s"]
    )

    assert result.exit_code != 0
    assert "not a public address" in result.output
    assert catalog_server.paths == []
    assert count(Dataset) == 0 and "not a public address" in runs()[-1].error


def test_an_http_error_fails_the_import(runner, catalog_server, allow_private):
    result = runner.invoke(args=["datasets", "import", catalog_server.url("/files/absent.json"), "--source", "s"])

    assert result.exit_code != 0
    assert "HTTP 404" in result.output


def test_a_ckan_package_search_url_is_read_page_by_page(runner, catalog_server, allow_private):
    url = catalog_server.url("/api/3/action/package_search?q=")

    result = runner.invoke(args=["datasets", "import", url, "--source", "ckan"])

    assert result.exit_code == 0, result.output
    assert "added 250" in result.output
    starts = [path.split("start=")[1] for path in catalog_server.paths]
    assert starts == ["0", "100", "200"]
    assert count(Dataset, Dataset.source == "ckan") == 250


def _ckan_page(count: int, packages: list | None = None) -> bytes:
    body = json.loads(load("ckan_package_search.demo_ckan_org.json"))
    body["result"]["count"] = count
    if packages is not None:
        body["result"]["results"] = packages
    return json.dumps(body).encode()


def test_ckan_paging_withdraws_nothing_when_the_server_stops_early(runner, catalog_server, allow_private):
    url = catalog_server.url("/api/3/action/package_search")
    runner.invoke(args=["datasets", "import", url, "--source", "ckan"])
    pages = iter([_ckan_page(250)])

    summary = jobs.run_import("ckan", url, fetcher=lambda _url: next(pages, _ckan_page(250, [])))

    assert summary.full is False and summary.withdrawn == 0
    assert count(Dataset, Dataset.source == "ckan", Dataset.status == "active") == 253


def test_ckan_paging_withdraws_nothing_when_the_server_ignores_start(runner, catalog_server, allow_private):
    url = catalog_server.url("/api/3/action/package_search")
    runner.invoke(args=["datasets", "import", url, "--source", "ckan"])

    summary = jobs.run_import("ckan", url, fetcher=lambda _url: _ckan_page(250))

    assert summary.full is False and summary.withdrawn == 0


def test_an_import_uses_a_configured_sources_name_and_format(runner, catalog_server, allow_private):
    url = catalog_server.url("/files/ny_state.data.v1_1.json")
    db.session.add(CatalogSource(name="state", url=url, format="dcat"))
    db.session.commit()

    result = runner.invoke(args=["datasets", "import", url])

    assert result.exit_code == 0, result.output
    assert count(Dataset, Dataset.source == "state") == 1


def _source(name: str, url: str, enabled: bool = True) -> None:
    db.session.add(CatalogSource(name=name, title=name, url=url, format="auto", enabled=enabled))
    db.session.commit()


def test_refresh_reimports_every_enabled_source(runner, catalog_server, allow_private):
    _source("somerville", catalog_server.url("/files/somerville_ma.data.v1_0.json"))
    _source("state", catalog_server.url("/files/ny_state.data.v1_1.json"))
    _source("off", catalog_server.url("/files/raleigh_nc.data.v1_0.json"), enabled=False)

    result = runner.invoke(args=["datasets", "refresh"])

    assert result.exit_code == 0, result.output
    assert "somerville: added 14" in result.output and "state: added 1" in result.output
    assert count(Dataset, Dataset.source == "off") == 0
    assert [r.source for r in runs()] == ["somerville", "state"]


def test_refresh_continues_past_a_failing_source_and_exits_non_zero(runner, catalog_server, allow_private):
    _source("broken", catalog_server.url("/files/malformed.json"))
    _source("state", catalog_server.url("/files/ny_state.data.v1_1.json"))

    result = runner.invoke(args=["datasets", "refresh"])

    assert result.exit_code != 0
    assert "broken: FAILED" in result.output
    assert "1 of 2 source(s) failed: broken" in result.output
    assert count(Dataset, Dataset.source == "state") == 1
    assert {r.source: r.error is None for r in runs()} == {"broken": False, "state": True}


def test_refresh_adds_the_sources_named_in_the_configuration(runner, catalog_server, allow_private, app):
    app.config["CATALOG_SOURCES"] = f"state={catalog_server.url('/files/ny_state.data.v1_1.json')}"

    result = runner.invoke(args=["datasets", "refresh"])

    assert result.exit_code == 0, result.output
    source = db.session.execute(db.select(CatalogSource)).scalar_one()
    assert (source.name, source.enabled) == ("state", True)
    assert count(Dataset, Dataset.source == "state") == 1


def test_refresh_leaves_a_configured_source_that_staff_disabled_alone(runner, app):
    _source("state", "https://data.example.org/data.json", enabled=False)
    app.config["CATALOG_SOURCES"] = "state=https://data.example.org/data.json"

    result = runner.invoke(args=["datasets", "refresh"])

    assert result.exit_code == 0, result.output
    assert "No enabled catalog sources" in result.output
    assert count(ImportRun) == 0


def test_refresh_rejects_a_malformed_source_list(runner, app):
    app.config["CATALOG_SOURCES"] = "just-a-name"

    result = runner.invoke(args=["datasets", "refresh"])

    assert result.exit_code != 0
    assert "expected name=url" in result.output


# --------------------------------------------------------------------------- #
# Which source a file is imported into
# --------------------------------------------------------------------------- #


def _copy(tmp_path, fixture: str, directory: str, name: str) -> str:
    target = tmp_path / directory / name
    target.parent.mkdir()
    shutil.copy(fixture_path(fixture), target)
    return str(target)


@pytest.mark.parametrize("names", [("data.json", "data.json"), ("data.somerville.json", "data.raleigh.json")])
def test_two_cities_catalogs_with_the_same_file_name_keep_each_others_datasets(runner, tmp_path, names):
    somerville = _copy(tmp_path, "somerville_ma.data.v1_0.json", "somerville", names[0])
    raleigh = _copy(tmp_path, "raleigh_nc.data.v1_0.json", "raleigh", names[1])

    first = runner.invoke(args=["datasets", "import", somerville])
    second = runner.invoke(args=["datasets", "import", raleigh])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "Imported into source data.somervillema.gov" in first.output
    assert "Imported into source data.raleighnc.gov" in second.output
    assert "withdrawn 0" in second.output
    assert count(Dataset, Dataset.source == "data.somervillema.gov", Dataset.status == "active") == 14
    assert count(Dataset, Dataset.source == "data.raleighnc.gov", Dataset.status == "active") == 128


@pytest.mark.parametrize(
    ("fixture", "source"),
    [
        ("somerville_ma.data.v1_0.json", "data.somervillema.gov"),
        ("raleigh_nc.data.v1_0.json", "data.raleighnc.gov"),
        ("ny_state.data.v1_1.json", "data.ny.gov"),
        ("ckan_package_search.demo_ckan_org.json", "demo.ckan.org"),
        ("socrata_discovery_catalog_v1.sodapy.json", "opendata.howardcountymd.gov"),
    ],
)
def test_a_file_is_imported_into_the_source_its_catalog_names(runner, tmp_path, fixture, source):
    path = _copy(tmp_path, fixture, "x", "data.json")

    result = runner.invoke(args=["datasets", "import", path])

    assert result.exit_code == 0, result.output
    assert f"Imported into source {source} (named from " in result.output
    assert runs()[-1].source == source


def test_a_file_without_addresses_is_named_by_its_publisher(runner, tmp_path):
    path = tmp_path / "data.json"
    records = [{"identifier": f"d{i}", "title": f"D{i}", "publisher": {"name": "City of Example"}} for i in range(3)]
    path.write_text(json.dumps({"dataset": records}))

    result = runner.invoke(args=["datasets", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "Imported into source city-of-example (named from its publisher" in result.output


def test_a_file_that_names_no_catalog_must_be_given_a_source(runner, tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"dataset": [{"identifier": "a", "title": "A"}]}))

    result = runner.invoke(args=["datasets", "import", str(path)])

    assert result.exit_code != 0
    assert "cannot tell which catalog data.json holds" in result.output and "--source" in result.output
    assert count(Dataset) == 0


def test_a_file_copy_of_a_configured_sources_catalog_goes_into_that_source(runner, tmp_path):
    _source("somerville", "https://data.somervillema.gov/data.json")
    path = _copy(tmp_path, "somerville_ma.data.v1_0.json", "x", "data.json")

    result = runner.invoke(args=["datasets", "import", path])

    assert result.exit_code == 0, result.output
    assert "Imported into source somerville" in result.output
    assert count(Dataset, Dataset.source == "somerville") == 14


# --------------------------------------------------------------------------- #
# Mass withdrawals
# --------------------------------------------------------------------------- #


def _truncated_raleigh(tmp_path, keep: int) -> str:
    path = tmp_path / "raleigh-truncated.json"
    path.write_text(json.dumps(json.loads(load("raleigh_nc.data.v1_0.json"))[:keep]))
    return str(path)


def test_an_import_that_would_withdraw_most_datasets_is_refused_and_changes_nothing(runner, tmp_path):
    runner.invoke(args=["datasets", "import", fixture_path("raleigh_nc.data.v1_0.json"), "--source", "raleigh"])

    result = runner.invoke(args=["datasets", "import", _truncated_raleigh(tmp_path, 11), "--source", "raleigh"])

    assert result.exit_code != 0
    assert "import of raleigh failed, nothing was changed" in result.output
    assert "would withdraw 118 of the 128 active datasets of raleigh" in result.output
    assert "--allow-mass-withdrawal" in result.output
    assert count(Dataset, Dataset.source == "raleigh", Dataset.status == "active") == 128
    failed = runs()[-1]
    assert failed.status == "failed" and "would withdraw 118" in failed.error


def test_allow_mass_withdrawal_lets_a_shrunken_catalog_withdraw(runner, tmp_path):
    runner.invoke(args=["datasets", "import", fixture_path("raleigh_nc.data.v1_0.json"), "--source", "raleigh"])

    result = runner.invoke(
        args=["datasets", "import", _truncated_raleigh(tmp_path, 11), "--source", "raleigh", "--allow-mass-withdrawal"]
    )

    assert result.exit_code == 0, result.output
    assert "withdrawn 118" in result.output
    assert count(Dataset, Dataset.source == "raleigh", Dataset.status == "active") == 10


def test_scheduled_refresh_refuses_a_mass_withdrawal_unless_allowed(runner, catalog_server, allow_private):
    _source("city", catalog_server.url("/files/somerville_ma.data.v1_0.json"))
    runner.invoke(args=["datasets", "refresh"])
    source = db.session.execute(db.select(CatalogSource)).scalar_one()
    source.url = catalog_server.url("/files/ny_state.data.v1_1.json")
    db.session.commit()

    refused = runner.invoke(args=["datasets", "refresh"])

    assert refused.exit_code != 0
    assert "city: FAILED, nothing was changed: this import would withdraw 14 of the 14" in refused.output
    assert count(Dataset, Dataset.source == "city", Dataset.status == "active") == 14

    allowed = runner.invoke(args=["datasets", "refresh", "--allow-mass-withdrawal"])

    assert allowed.exit_code == 0, allowed.output
    assert count(Dataset, Dataset.source == "city", Dataset.status == "active") == 1
