"""The city's neighbourhoods: named polygons loaded from a GeoJSON boundaries file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicboard.extensions import db
from civicboard.timeutil import utcnow


class Neighbourhood(db.Model):
    """One neighbourhood: its name, its (multi)polygon as GeoJSON, and its bounding box.

    The bounding box lets a lookup ask the database for the few candidates around a point;
    Shapely then decides which polygon holds it (places.geo.neighbourhood_for).
    """

    __tablename__ = "neighbourhoods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    geometry: Mapped[str] = mapped_column(Text, nullable=False)  # GeoJSON geometry, WGS 84
    min_lon: Mapped[float] = mapped_column(Float, nullable=False)
    min_lat: Mapped[float] = mapped_column(Float, nullable=False)
    max_lon: Mapped[float] = mapped_column(Float, nullable=False)
    max_lat: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (Index("ix_neighbourhoods_bbox", "min_lon", "max_lon", "min_lat", "max_lat"),)
