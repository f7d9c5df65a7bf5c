"""Demo catalog: the real Somerville MA catalog, imported from a copy shipped with the app."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from civicboard.datasets import jobs
from civicboard.datasets.importers import parse
from civicboard.datasets.models import CatalogSource
from civicboard.extensions import db

DEMO_CATALOG = Path(__file__).resolve().parent / "demo_data" / "somerville_ma.data.json"
DEMO_SOURCE = "somerville"
# Where the city's catalog lives; registered disabled, because the demo never goes online.
DEMO_SOURCE_URL = "https://data.somervillema.gov/data.json"


def seed_demo() -> dict[str, int]:
    """Import the Somerville catalog as source "somerville" and register that source, disabled.

    Safe to run twice (the second import finds everything unchanged). Does not commit.
    """
    summary = jobs.import_catalog(
        DEMO_SOURCE, parse(DEMO_CATALOG.read_bytes()), location="demo_data/" + DEMO_CATALOG.name
    )
    if db.session.execute(select(CatalogSource.id).where(CatalogSource.name == DEMO_SOURCE)).first() is None:
        db.session.add(
            CatalogSource(
                name=DEMO_SOURCE,
                title="City of Somerville open data",
                url=DEMO_SOURCE_URL,
                format="dcat",
                enabled=False,
            )
        )
    db.session.flush()
    return {"datasets": summary.added + summary.updated + summary.unchanged, "catalog_sources": 1}
