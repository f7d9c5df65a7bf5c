"""The demo city's neighbourhoods: Somerville's seven wards before 2022, simplified (see the file's description)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from civicboard.extensions import db
from civicboard.places import services
from civicboard.places.models import Neighbourhood

DEMO_BOUNDARIES = Path(__file__).resolve().parent / "data" / "somerville-wards.geojson"


def seed_demo() -> dict[str, int]:
    """Load the demo boundaries unless some are loaded already."""
    if db.session.execute(select(Neighbourhood.id).limit(1)).first() is not None:
        return {"neighbourhoods": 0}
    result = services.import_boundaries(DEMO_BOUNDARIES.read_text(encoding="utf-8"))
    return {"neighbourhoods": result.created}
