"""Points, the city's bounds and bounding boxes: parsing, checking, and which neighbourhood holds a point.

Latitudes and longitudes are WGS 84 degrees (GeoJSON's and the browser's), kept to 6 decimals
(about 10 cm). MAP_BOUNDS, "minLon,minLat,maxLon,maxLat" as in a GeoJSON bbox, is the city:
a location outside it is refused with a message that says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from civicboard.extensions import db
from civicboard.places.models import Neighbourhood
from civicboard.validation import ValidationError

DECIMALS = 6
ADDRESS_MAX_LENGTH = 200


@dataclass(frozen=True)
class Bounds:
    """A box in degrees: west, south, east, north (GeoJSON's bbox order)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    def as_list(self) -> list[float]:
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lon) of the box's middle."""
        return (self.min_lat + self.max_lat) / 2, (self.min_lon + self.max_lon) / 2


def parse_bounds(raw: str | None) -> Bounds | None:
    """ "minLon,minLat,maxLon,maxLat" as a Bounds; None when empty; ValueError when malformed."""
    if raw is None or not str(raw).strip():
        return None
    parts = [part.strip() for part in str(raw).split(",")]
    if len(parts) != 4:
        raise ValueError("a box is four numbers: minLon,minLat,maxLon,maxLat")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    except ValueError:
        raise ValueError("a box is four numbers: minLon,minLat,maxLon,maxLat") from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise ValueError("a box's numbers must be finite")
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise ValueError("a box runs west to east (-180..180) and south to north (-90..90), minimum first")
    return Bounds(min_lon, min_lat, max_lon, max_lat)


def city_bounds() -> Bounds | None:
    """MAP_BOUNDS of the running app (checked when the app starts), or None when unset."""
    return parse_bounds(current_app.config.get("MAP_BOUNDS"))


def _number(value: Any, name: str, label: str) -> float | None:
    """A coordinate typed in a form or sent in JSON; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        message = _("%(label)s must be a number.", label=label)
        raise ValidationError(message, {name: message})
    try:
        number = float(str(value).strip().replace("\u2212", "-")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        message = _("%(label)s must be a number in decimal degrees, such as 42.3876.", label=label)
        raise ValidationError(message, {name: message}) from None
    if not math.isfinite(number):
        message = _("%(label)s must be a number.", label=label)
        raise ValidationError(message, {name: message})
    return number


def clean_location(latitude: Any, longitude: Any, *, bounds: Bounds | None = None) -> tuple[float, float] | None:
    """(lat, lon) rounded to DECIMALS, or None when both are blank.

    Refuses one without the other, numbers outside the globe, and points outside `bounds`
    (MAP_BOUNDS), naming the fields: `latitude` and `longitude`.
    """
    lat = _number(latitude, "latitude", _("Latitude"))
    lon = _number(longitude, "longitude", _("Longitude"))
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        name = "latitude" if lat is None else "longitude"
        message = _("Give both latitude and longitude, or neither.")
        raise ValidationError(message, {name: message})
    errors = {}
    if not -90 <= lat <= 90:
        errors["latitude"] = _("Latitude is between -90 and 90 degrees.")
    if not -180 <= lon <= 180:
        errors["longitude"] = _("Longitude is between -180 and 180 degrees.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    if bounds is not None and not bounds.contains(lat, lon):
        message = _(
            "This point (%(lat)s, %(lon)s) is outside the area this board covers (latitude %(min_lat)s to "
            "%(max_lat)s, longitude %(min_lon)s to %(max_lon)s). Choose a place in the city.",
            lat=format(lat, ".5f"),
            lon=format(lon, ".5f"),
            min_lat=format(bounds.min_lat, "g"),
            max_lat=format(bounds.max_lat, "g"),
            min_lon=format(bounds.min_lon, "g"),
            max_lon=format(bounds.max_lon, "g"),
        )
        raise ValidationError(message, {"latitude": message, "longitude": message})
    return round(lat, DECIMALS), round(lon, DECIMALS)


def parse_bbox(raw: str | None) -> Bounds | None:
    """A `bbox=minLon,minLat,maxLon,maxLat` query argument; ValidationError naming `bbox` when malformed."""
    try:
        return parse_bounds(raw)
    except ValueError as exc:
        message = _("bbox must be minLon,minLat,maxLon,maxLat in degrees: %(error)s.", error=exc)
        raise ValidationError(message, {"bbox": message}) from None


# -- neighbourhoods ------------------------------------------------------------------------------


def neighbourhood_for(lat: float, lon: float) -> Neighbourhood | None:
    """The neighbourhood whose polygon holds the point, or None (one query on the bounding boxes).

    On a shared border the first by name wins, so the answer does not depend on load order.
    """
    candidates = db.session.execute(
        select(Neighbourhood)
        .where(
            Neighbourhood.min_lon <= lon,
            Neighbourhood.max_lon >= lon,
            Neighbourhood.min_lat <= lat,
            Neighbourhood.max_lat >= lat,
        )
        .order_by(Neighbourhood.name)
    ).scalars()
    from shapely.geometry import Point, shape  # not in every web worker (places.services)

    point = Point(lon, lat)
    for candidate in candidates:
        if shape(json.loads(candidate.geometry)).covers(point):
            return candidate
    return None
