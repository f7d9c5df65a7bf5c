"""Neighbourhood boundaries: `flask places import-boundaries`, and located problems placed in them."""

from __future__ import annotations

import itertools
import json

import pytest

from civicboard.extensions import db
from civicboard.places import geo, services
from civicboard.places.demo import DEMO_BOUNDARIES
from civicboard.places.models import Neighbourhood
from civicboard.problems.models import Problem
from civicboard.validation import ValidationError


def box(name_key: str, name: str, west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "properties": {name_key: name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_the_command_loads_polygons_and_places_located_problems(runner, tmp_path, problem_factory):
    inside = problem_factory("In the square", latitude=42.38, longitude=-71.09, neighbourhood="Typed")
    outside = problem_factory("Far away", latitude=42.5, longitude=-71.0, neighbourhood="Typed")
    path = tmp_path / "hoods.geojson"
    path.write_text(
        collection(box("NBHD", "Union Square", -71.1, 42.37, -71.08, 42.39), {"type": "Feature", "properties": {}})
    )
    result = runner.invoke(args=["places", "import-boundaries", str(path), "--name-property", "NBHD"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "1 located problem(s) placed anew" in result.output
    assert "skipped feature 1" in result.output
    db.session.expire_all()
    assert db.session.get(Problem, inside.id).neighbourhood == "Union Square"
    assert db.session.get(Problem, outside.id).neighbourhood == "Typed"


def test_a_second_import_replaces_the_set(app):
    services.import_boundaries(collection(box("name", "A", 0, 0, 1, 1), box("name", "B", 1, 0, 2, 1)))
    result = services.import_boundaries(collection(box("name", "A", 0, 0, 3, 1)))
    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    assert [n.name for n in db.session.query(Neighbourhood)] == ["A"]


def test_a_self_intersecting_polygon_is_repaired_not_refused(app):
    bowtie = {
        "type": "Feature",
        "properties": {"name": "Bowtie"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    }
    assert services.import_boundaries(collection(bowtie)).created == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ('{"type": "Point", "coordinates": [0, 0]}', "FeatureCollection"),
        (collection(box("name", "Projected", 760000, 2950000, 770000, 2960000)), "WGS 84"),
        (collection(box("other", "No name", 0, 0, 1, 1)), "No neighbourhood polygon"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(app, text, message):
    with pytest.raises(ValidationError, match=message):
        services.import_boundaries(text)


def test_the_demo_file_loads_and_says_what_it_is(app):
    document = json.loads(DEMO_BOUNDARIES.read_text())
    description = document["description"]
    for source in ("data.somervillema.gov", "ym5n-phxd", "bhrutledge/somerville-city-council", "bc40b0f", "CC0"):
        assert source in description
    assert "before the 2022 redistricting" in description and "NOT the current wards" in description
    assert services.import_boundaries(DEMO_BOUNDARIES.read_text()).created == len(document["features"])


def test_the_demo_file_is_somervilles_seven_wards(app):
    from shapely.geometry import shape

    wards = {f["properties"]["name"]: shape(f["geometry"]) for f in json.loads(DEMO_BOUNDARIES.read_text())["features"]}
    assert sorted(wards) == [f"Ward {n}" for n in range(1, 8)]
    assert all(w.geom_type == "Polygon" and w.is_valid and not w.is_empty for w in wards.values())
    for first, second in itertools.combinations(sorted(wards), 2):
        shared = wards[first].intersection(wards[second]).area
        # The simplification leaves slivers (about 2 m wide) along shared borders, no more.
        assert shared < 0.001 * min(wards[first].area, wards[second].area), (first, second)


def test_the_demo_wards_place_city_hall_in_ward_3(app):
    services.import_boundaries(DEMO_BOUNDARIES.read_text())
    # Somerville City Hall, 93 Highland Ave: about 170 m inside Ward 3 (the unsimplified lines agree).
    assert geo.neighbourhood_for(42.3866, -71.0972).name == "Ward 3"
    assert geo.neighbourhood_for(42.45, -71.0972) is None  # north of the city


def test_the_demo_city_locates_problems_in_its_neighbourhoods(app):
    from civicboard import demo as city_demo
    from civicboard.places import demo as places_demo
    from civicboard.problems import demo as problems_demo

    city_demo.seed_people()
    assert places_demo.seed_demo()["neighbourhoods"] > 0
    problems_demo.seed_demo()
    db.session.commit()
    located = db.session.query(Problem).filter(Problem.latitude.is_not(None)).all()
    assert len(located) == len(problems_demo.PLACES)
    assert all(p.neighbourhood_id is not None for p in located)  # every demo point is inside a ward
    wards = {p.address: p.neighbourhood for p in located}
    assert wards["Broadway at Ball Square"] == "Ward 5"
    assert wards["Union Square plaza"] == "Ward 3"
    assert wards["Assembly Row"] == "Ward 1"
