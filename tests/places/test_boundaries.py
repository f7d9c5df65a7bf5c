"""Neighbourhood boundaries: `flask places import-boundaries`, and located problems placed in them."""

from __future__ import annotations

import json

import pytest

from civicboard.extensions import db
from civicboard.places import services
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
    assert "NOT the city's official" in document["description"]
    assert services.import_boundaries(DEMO_BOUNDARIES.read_text()).created == len(document["features"])


def test_the_demo_city_locates_problems_in_its_neighbourhoods(app):
    from civicboard import demo as city_demo
    from civicboard.places import demo as places_demo
    from civicboard.problems import demo as problems_demo

    city_demo.seed_people()
    assert places_demo.seed_demo()["neighbourhoods"] > 0
    problems_demo.seed_demo()
    db.session.commit()
    located = db.session.query(Problem).filter(Problem.latitude.is_not(None)).all()
    assert len(located) >= 6
    assert all(p.neighbourhood_id is not None for p in located)
    assert {p.neighbourhood for p in located} >= {"Ball Square", "Union Square", "Assembly Square"}
