"""The demo city's neighbourhoods: simplified polygons shipped with the code (see the file's description)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from civicboard.extensions import db
from civicboard.places import services
from civicboard.places.models import Neighbourhood

DEMO_BOUNDARIES = Path(__file__).resolve().parent / "data" / "demo-neighbourhoods.geojson"


def seed_demo() -> dict[str, int]:
    """Load the demo boundaries unless some are loaded already."""
    if db.session.execute(select(Neighbourhood.id).limit(1)).first() is not None:
        return {"neighbourhoods": 0}
    result = services.import_boundaries(DEMO_BOUNDARIES.read_text(encoding="utf-8"))
    return {"neighbourhoods": result.created}
