"""The demo catalog: the real Somerville catalog, shipped with the app, no network."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from civicboard.datasets import demo
from civicboard.datasets.models import CatalogSource, Dataset
from civicboard.extensions import db
from tests.datasets.conftest import count


def test_the_demo_imports_somerville_and_registers_its_source_disabled(app):
    summary = demo.seed_demo()
    db.session.commit()

    assert summary == {"datasets": 14, "catalog_sources": 1}
    assert count(Dataset, Dataset.source == "somerville", Dataset.status == "active") == 14
    source = db.session.execute(select(CatalogSource)).scalar_one()
    assert (source.name, source.enabled) == ("somerville", False)
    assert source.url.startswith("https://")


def test_seeding_twice_changes_nothing(app):
    demo.seed_demo()
    db.session.commit()

    demo.seed_demo()
    db.session.commit()

    assert count(Dataset) == 14 and count(CatalogSource) == 1


def test_the_demo_catalog_ships_inside_the_package_not_the_tests():
    package = Path(demo.__file__).resolve().parent
    assert demo.DEMO_CATALOG.is_relative_to(package) and demo.DEMO_CATALOG.is_file()
