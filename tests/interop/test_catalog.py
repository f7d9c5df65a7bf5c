"""/data.json: a DCAT-US 1.1 catalog of the board's own exports, valid against the schemas."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "dcat-us-1.1"
BASE = "https://project-open-data.cio.gov/v1.1/schema/"


@pytest.fixture(scope="module")
def registry() -> Registry:
    """Every schema file under its published id, so relative $refs resolve locally (no network)."""
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        resources.append((BASE + path.name, Resource.from_contents(contents, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def _validator(name: str, registry: Registry, **overrides) -> Draft4Validator:
    schema = {**json.loads((SCHEMAS / name).read_text()), **overrides}
    return Draft4Validator(schema, registry=registry)


def test_data_json_is_a_valid_non_federal_dcat_us_catalog(client, problem_factory, registry):
    problem_factory()
    catalog = client.get("/data.json").get_json()
    # The catalog schema refers to the federal dataset schema; a city validates its datasets
    # against the non-federal one, as the Project Open Data dashboard does.
    catalog_schema = json.loads((SCHEMAS / "catalog.json").read_text())
    catalog_schema["properties"]["dataset"]["items"] = {"$ref": "dataset-non-federal.json"}
    errors = list(Draft4Validator(catalog_schema, registry=registry).iter_errors(catalog))
    assert errors == []
    assert catalog["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@context"].startswith("https://project-open-data.cio.gov/v1.1/schema")


def test_each_dataset_also_meets_the_federal_schema_but_for_agency_codes(client, problem_factory, registry):
    problem_factory()
    validator = _validator("dataset.json", registry)
    for dataset in client.get("/data.json").get_json()["dataset"]:
        messages = [error.message for error in validator.iter_errors(dataset)]
        assert messages == ["'bureauCode' is a required property", "'programCode' is a required property"]


def test_the_schema_check_is_not_vacuous(client, registry):
    """The same check fails once a required field of the served catalog is taken away."""
    dataset = client.get("/data.json").get_json()["dataset"][0]
    validator = _validator("dataset-non-federal.json", registry)
    assert list(validator.iter_errors(dataset)) == []
    del dataset["contactPoint"]
    dataset["distribution"][0].pop("mediaType")
    messages = sorted(error.message for error in validator.iter_errors(dataset))
    assert len(messages) == 2 and "'contactPoint' is a required property" in messages


def test_data_json_lists_the_exports_and_feed_as_distributions(client):
    problems = client.get("/data.json").get_json()["dataset"][0]
    downloads = {d["mediaType"]: d["downloadURL"] for d in problems["distribution"] if "downloadURL" in d}
    assert downloads == {
        "text/csv": "http://localhost/exports/problems.csv",
        "application/json": "http://localhost/exports/problems.json",
    }
    access = [d["accessURL"] for d in problems["distribution"] if "accessURL" in d]
    assert "http://localhost/feeds/problems.atom" in access
    assert "http://localhost/open311/v2/discovery.json" in access


def test_data_json_carries_licence_contact_and_access_level(client, app):
    app.config.update(CONTACT_NAME="Open Data Team", CONTACT_EMAIL="data@city.example.org")
    for dataset in client.get("/data.json").get_json()["dataset"]:
        assert dataset["accessLevel"] == "public"
        assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert dataset["contactPoint"]["fn"] == "Open Data Team"
        assert dataset["contactPoint"]["hasEmail"] == "mailto:data@city.example.org"
        assert dataset["keyword"] and dataset["identifier"] and dataset["publisher"]["name"]


def test_data_json_modified_is_the_last_change_to_a_visible_problem(client, problem_factory):
    problem_factory(created_at=datetime(2026, 5, 4, 3, 2, 1))
    problem_factory(created_at=datetime(2026, 6, 1, 0, 0, 0), hidden_at=datetime(2026, 6, 2))
    assert client.get("/data.json").get_json()["dataset"][0]["modified"] == "2026-05-04T03:02:01Z"
