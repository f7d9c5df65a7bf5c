"""Loading the city's neighbourhood boundaries from a GeoJSON file (Shapely checks and repairs them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from civicboard.extensions import db
from civicboard.places.models import Neighbourhood
from civicboard.validation import ValidationError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

# Shapely (with NumPy, ~15 MB) is imported by the functions that use it, not by every web
# worker: a worker that never loads boundaries or locates a problem never pays for it.

# Properties tried, in order, for a feature's name when --name-property is not given.
NAME_PROPERTIES = ("name", "NAME", "Name", "neighborhood", "NEIGHBORHOOD", "neighbourhood", "nbhd", "NBHD", "label")
NAME_MAX_LENGTH = 120


@dataclass
class BoundariesResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """The (multi)polygon part of a geometry, repaired if invalid; None when it has no area."""
    from shapely import make_valid
    from shapely.ops import unary_union

    if not geometry.is_valid:
        geometry = make_valid(geometry)
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry if not geometry.is_empty else None
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return unary_union(parts) if parts else None


def _name_of(properties: dict[str, Any], name_property: str | None) -> str | None:
    keys = (name_property,) if name_property else NAME_PROPERTIES
    for key in keys:
        value = properties.get(key)
        if value is not None and str(value).strip():
            return " ".join(str(value).split())[:NAME_MAX_LENGTH]
    return None


def read_features(text: str) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection (or a single Feature); ValidationError otherwise."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(_("The file is not JSON: %(error)s.", error=exc), {"file": _("Not JSON.")}) from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
    elif isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    else:
        features = None
    if not isinstance(features, list):
        raise ValidationError(
            _("The file must be a GeoJSON FeatureCollection of polygons."), {"file": _("Not GeoJSON.")}
        )
    return features


def import_boundaries(text: str, *, name_property: str | None = None) -> BoundariesResult:
    """Replace the stored neighbourhoods with the polygons of a GeoJSON file.

    Each feature needs a name (`name_property`, or the first of NAME_PROPERTIES) and a Polygon
    or MultiPolygon in WGS 84 longitude/latitude (RFC 7946). Invalid rings are repaired
    (Shapely's make_valid); features sharing a name are merged; others are skipped and listed.
    Neighbourhoods missing from the file are removed (their problems keep the name as text).
    The caller commits, and then re-assigns located problems (problems.services).
    """
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    result = BoundariesResult()
    shapes: dict[str, BaseGeometry] = {}
    for index, feature in enumerate(read_features(text)):
        if not isinstance(feature, dict):
            result.skipped.append(f"feature {index}: not an object")
            continue
        properties = feature.get("properties") or {}
        name = _name_of(properties if isinstance(properties, dict) else {}, name_property)
        if not name:
            wanted = name_property or " / ".join(NAME_PROPERTIES[:3])
            result.skipped.append(f"feature {index}: no {wanted} property")
            continue
        try:
            geometry = _polygonal(shape(feature.get("geometry") or {}))
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            result.skipped.append(f"{name}: unreadable geometry ({exc.__class__.__name__})")
            continue
        if geometry is None:
            result.skipped.append(f"{name}: not a polygon")
            continue
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise ValidationError(
                _(
                    "%(name)s: coordinates are not longitude/latitude in degrees (WGS 84, as GeoJSON requires); "
                    "reproject the file first.",
                    name=name,
                ),
                {"file": _("Not WGS 84.")},
            )
        shapes[name] = unary_union([shapes[name], geometry]) if name in shapes else geometry
    if not shapes:
        raise ValidationError(_("No neighbourhood polygon with a name was found in the file."), {"file": _("Empty.")})
    existing = {n.name: n for n in db.session.execute(select(Neighbourhood)).scalars()}
    for name, geometry in shapes.items():
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        values = {
            "geometry": json.dumps(mapping(geometry), separators=(",", ":")),
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
        }
        if name in existing:
            for key, value in values.items():
                setattr(existing[name], key, value)
            result.updated += 1
        else:
            db.session.add(Neighbourhood(name=name, **values))
            result.created += 1
    gone = [n.id for name, n in existing.items() if name not in shapes]
    if gone:
        db.session.execute(delete(Neighbourhood).where(Neighbourhood.id.in_(gone)))
        result.removed = len(gone)
    db.session.flush()
    return result


def all_shapes() -> list[tuple[int, str, BaseGeometry]]:
    """Every neighbourhood as (id, name, shape), by name (for assigning many points at once)."""
    from shapely.geometry import shape

    rows = db.session.execute(
        select(Neighbourhood.id, Neighbourhood.name, Neighbourhood.geometry).order_by(Neighbourhood.name)
    )
    return [(row.id, row.name, shape(json.loads(row.geometry))) for row in rows]
