"""Where a problem is: the point and address on the forms, the API, the map, the exports, Open311."""

from __future__ import annotations

import json

import geojson
import pytest

from civicboard.extensions import db
from civicboard.interop import exports
from civicboard.places import geo
from civicboard.places.models import Neighbourhood
from civicboard.problems.models import Problem
from civicboard.validation import ValidationError

SOMERVILLE = "-71.135,42.370,-71.070,42.420"
UNION_SQUARE = (42.379600, -71.093500)


@pytest.fixture
def bounded(app):
    app.config["MAP_BOUNDS"] = SOMERVILLE
    return app


def form_data(dataset, **changes):
    data = {
        "title": "Broken streetlight at Union Square",
        "description": "Dark since Monday.",
        "dataset_ids": [str(dataset.id)],
        "category_id": "",
        "neighbourhood": "",
        "latitude": "",
        "longitude": "",
        "address": "",
        "data_request": "",
        "action": "post",
    }
    data.update(changes)
    return data


# -- the rule ------------------------------------------------------------------------------------


def test_blank_coordinates_mean_no_location():
    assert geo.clean_location("", " ") is None
    assert geo.clean_location(None, None) is None


def test_coordinates_are_rounded_to_six_decimals():
    assert geo.clean_location("42.37960049", "\u221271.0935") == (42.3796, -71.0935)


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [("42.1", "", "longitude"), ("north", "-71", "latitude"), ("91", "0", "latitude"), ("0", "181", "longitude")],
)
def test_bad_coordinates_are_refused_naming_the_field(lat, lon, field):
    with pytest.raises(ValidationError) as caught:
        geo.clean_location(lat, lon)
    assert field in caught.value.fields


def test_a_point_outside_the_city_is_refused_with_a_clear_message():
    bounds = geo.parse_bounds(SOMERVILLE)
    with pytest.raises(ValidationError) as caught:
        geo.clean_location("40.7128", "-74.0060", bounds=bounds)
    assert "outside the area this board covers" in caught.value.message
    assert geo.clean_location(*UNION_SQUARE, bounds=bounds) == UNION_SQUARE


def test_malformed_map_bounds_stop_the_app(database_url):
    from tests.conftest import make_app

    with pytest.raises(RuntimeError, match="MAP_BOUNDS"):
        make_app(database_url, MAP_BOUNDS="-71,42,-72")


# -- the forms -----------------------------------------------------------------------------------


def test_proposing_with_a_point_and_an_address_stores_them(bounded, logged_in, dataset_factory):
    client, _user = logged_in
    dataset = dataset_factory()
    response = client.form(
        "/problems/new",
        form_data(dataset, latitude="42.3796", longitude="-71.0935", address="Union Square plaza"),
    )
    assert response.status_code == 303
    problem = db.session.query(Problem).one()
    assert (problem.latitude, problem.longitude, problem.address) == (*UNION_SQUARE, "Union Square plaza")
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Union Square plaza" in page
    assert 'data-lat="42.3796"' in page and 'data-map="points"' in page
    edit = client.get(f"/problems/{problem.id}/edit").get_data(as_text=True)
    assert 'value="42.379600"' in edit and 'value="-71.093500"' in edit


def test_the_form_works_without_javascript_fields_and_shows_the_picker(bounded, logged_in):
    client, _user = logged_in
    html = client.get("/problems/new").get_data(as_text=True)
    assert 'name="latitude"' in html and 'name="longitude"' in html and 'name="address"' in html
    assert 'data-map="picker"' in html and 'data-bounds="-71.135,42.37,-71.07,42.42"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "unpkg" not in html and "cdn" not in html.lower()


def test_a_point_outside_the_city_is_refused_and_the_form_keeps_everything(bounded, logged_in, dataset_factory):
    client, _user = logged_in
    dataset = dataset_factory()
    response = client.form(
        "/problems/new", form_data(dataset, latitude="40.7128", longitude="-74.006", address="Times Square")
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "outside the area this board covers" in html
    assert 'value="40.7128"' in html and 'value="Times Square"' in html
    assert db.session.query(Problem).count() == 0


def test_editing_moves_and_clears_the_location(logged_in, dataset_factory):
    client, _user = logged_in
    dataset = dataset_factory()
    client.form("/problems/new", form_data(dataset, latitude="42.38", longitude="-71.1"))
    problem = db.session.query(Problem).one()
    client.form(f"/problems/{problem.id}/edit", form_data(dataset, latitude="42.39", longitude="-71.11"))
    db.session.expire_all()
    assert (problem.latitude, problem.longitude) == (42.39, -71.11)
    client.form(f"/problems/{problem.id}/edit", form_data(dataset))
    db.session.expire_all()
    assert problem.latitude is None and problem.longitude is None


def test_a_located_problem_takes_its_neighbourhood_from_the_boundaries(logged_in, dataset_factory):
    square = {
        "type": "Polygon",
        "coordinates": [[[-71.1, 42.37], [-71.08, 42.37], [-71.08, 42.39], [-71.1, 42.39], [-71.1, 42.37]]],
    }
    db.session.add(
        Neighbourhood(
            name="Union Square",
            geometry=json.dumps(square),
            min_lon=-71.1,
            min_lat=42.37,
            max_lon=-71.08,
            max_lat=42.39,
        )
    )
    db.session.commit()
    client, _user = logged_in
    dataset = dataset_factory()
    client.form("/problems/new", form_data(dataset, latitude="42.3796", longitude="-71.0935", neighbourhood="Typed"))
    client.form(
        "/problems/new",
        form_data(dataset, title="Elsewhere in the city", latitude="42.41", longitude="-71.12", neighbourhood="Typed"),
    )
    inside, outside = db.session.query(Problem).order_by(Problem.id).all()
    assert inside.neighbourhood == "Union Square" and inside.neighbourhood_id is not None
    assert outside.neighbourhood == "Typed" and outside.neighbourhood_id is None


# -- the API -------------------------------------------------------------------------------------


def test_the_api_writes_and_reads_a_location(bounded, api_as, user_factory, dataset_factory):
    api = api_as(user_factory())
    dataset = dataset_factory()
    body = {"title": "Flooded underpass", "description": "After rain.", "dataset_ids": [dataset.id]}
    created = api.post(
        "/problems", json={**body, "location": {"lat": 42.3796, "lon": -71.0935}, "address": "Under the bridge"}
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["location"] == {"lat": 42.3796, "lon": -71.0935} and item["address"] == "Under the bridge"
    assert item["photos"] == []
    cleared = api.patch(f"/problems/{item['id']}", json={"location": None})
    assert cleared.get_json()["location"] is None and cleared.get_json()["address"] == "Under the bridge"


@pytest.mark.parametrize(
    "location", [{"lat": 40.71, "lon": -74.0}, {"lat": "42", "lon": -71.0}, [42, -71], {"lat": 42}]
)
def test_the_api_refuses_a_bad_location_naming_it(bounded, api_as, user_factory, dataset_factory, location):
    api = api_as(user_factory())
    body = {"title": "Flooded underpass", "description": "After rain.", "dataset_ids": [dataset_factory().id]}
    response = api.post("/problems", json={**body, "location": location})
    assert response.status_code == 422
    assert "location" in response.get_json()["error"]["fields"]


def test_bbox_lists_located_problems_inside_the_box(api_as, problem_factory):
    inside = problem_factory("Inside the box", latitude=42.38, longitude=-71.09)
    problem_factory("Outside the box", latitude=42.5, longitude=-71.09)
    problem_factory("Nowhere in particular")
    body = api_as(None).get("/problems?bbox=-71.1,42.37,-71.08,42.39").get_json()
    assert [item["id"] for item in body["items"]] == [inside.id] and body["total"] == 1


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "-71,42.4,-72,42.3", "0,0,0,0"])
def test_a_malformed_bbox_is_a_400(api_as, bbox):
    response = api_as(None).get(f"/problems?bbox={bbox}")
    assert response.status_code == 400
    assert "bbox" in response.get_json()["error"]["fields"]


# -- the map -------------------------------------------------------------------------------------


def test_the_map_lists_located_visible_problems_only(client, problem_factory, category_factory, moderator_user):
    streets = category_factory("Streets")
    shown = problem_factory("Pothole on Elm", latitude=42.38, longitude=-71.09, category_id=streets.id)
    problem_factory("Not located")
    problem_factory(
        "Hidden one", latitude=42.38, longitude=-71.1, hidden_at=shown.created_at, hidden_by_id=moderator_user.id
    )
    problem_factory("Other category", latitude=42.39, longitude=-71.1)
    html = client.get("/map").get_data(as_text=True)
    assert "Pothole on Elm" in html and "Other category" in html
    assert "Not located" not in html and "Hidden one" not in html
    assert 'id="map-list"' in html and "data-map-cluster" in html
    filtered = client.get("/map?category=streets").get_data(as_text=True)
    assert "Pothole on Elm" in filtered and "Other category" not in filtered


def test_the_map_asks_a_fixed_number_of_queries(client, problem_factory, count_queries, user_factory):
    author = user_factory()
    counts = []
    for total in (5, 25):
        while db.session.query(Problem).count() < total:
            problem_factory(author=author, latitude=42.38, longitude=-71.09)
        with count_queries() as counter:
            assert client.get("/map").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 3, counts


def test_maps_load_tiles_only_from_the_configured_server(client):
    response = client.get("/map")
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]


def test_the_dataset_page_shows_a_small_map_of_its_located_problems(client, problem_factory, dataset_factory):
    dataset = dataset_factory()
    problem_factory("Located here", datasets=[dataset], latitude=42.38, longitude=-71.09)
    html = client.get(f"/datasets/{dataset.id}").get_data(as_text=True)
    assert 'data-map="points"' in html and 'data-lat="42.38"' in html


# -- open data -----------------------------------------------------------------------------------


def test_the_geojson_export_is_valid_rfc_7946(app, client, problem_factory):
    problem_factory("Located", latitude=42.3796, longitude=-71.0935, address="Union Square")
    problem_factory("Not located")
    response = client.get("/exports/problems.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    document = geojson.loads(response.get_data(as_text=True))
    assert isinstance(document, geojson.FeatureCollection) and document.is_valid, document.errors()
    [feature] = document["features"]
    assert feature.is_valid and feature["geometry"]["coordinates"] == [-71.0935, 42.3796]
    assert feature["properties"]["title"] == "Located" and feature["properties"]["address"] == "Union Square"
    assert document["license"]["name"]


def test_the_geojson_export_leaves_out_hidden_problems(app, client, problem_factory, moderator_user):
    shown = problem_factory("Shown", latitude=42.38, longitude=-71.09)
    problem_factory(
        "Hidden", latitude=42.38, longitude=-71.09, hidden_at=shown.created_at, hidden_by_id=moderator_user.id
    )
    assert exports.build(app, force=True) == exports.BUILT
    titles = [f["properties"]["title"] for f in client.get("/exports/problems.geojson").get_json()["features"]]
    assert titles == ["Shown"]


def test_open311_gives_the_point_and_the_address(client, problem_factory):
    problem = problem_factory("Located", latitude=42.3796, longitude=-71.0935, address="12 Elm St")
    [item] = client.get(f"/open311/v2/requests/{problem.id}.json").get_json()
    assert (item["lat"], item["long"], item["address"]) == (42.3796, -71.0935, "12 Elm St")
