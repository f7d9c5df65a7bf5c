"""GET /api/v1/me/export: the caller's own data, by token."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.problems import services


def test_api_export_is_the_callers_own(api_as, user_factory):
    me = user_factory(email="rosa@example.org")
    other = user_factory(email="otto@example.org")
    services.create_problem(
        other, title="Pothole on Oak Street", description="Deep.", dataset_ids=[], data_request="The data behind it."
    )
    services.create_problem(
        me, title="Broken streetlight on Elm", description="Dark.", dataset_ids=[], data_request="The data behind it."
    )
    db.session.commit()
    response = api_as(me).get("/me/export")
    assert response.status_code == 200
    data = response.get_json()
    assert data["profile"]["email"] == "rosa@example.org"
    assert [p["title"] for p in data["problems"]] == ["Broken streetlight on Elm"]
    assert "otto@example.org" not in response.get_data(as_text=True)
    assert "Pothole" not in response.get_data(as_text=True)


def test_api_export_needs_authentication(api_as):
    assert api_as(None).get("/me/export").status_code == 401


def test_api_export_holds_a_followed_neighbourhood_as_documented(api_as, user_factory, dataset_factory):
    import json

    import jsonschema

    from civicboard.api.openapi import openapi_document
    from civicboard.places.models import Neighbourhood
    from civicboard.places.services import import_boundaries
    from civicboard.problems import notifications

    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Davis"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    import_boundaries(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    davis = db.session.execute(db.select(Neighbourhood.id)).scalar_one()
    me = user_factory()
    notifications.follow_area(me, dataset_id=dataset_factory().id)
    notifications.follow_area(me, neighbourhood_id=davis)
    db.session.commit()
    data = api_as(me).get("/me/export").get_json()
    assert [(a["dataset_id"] is None, a["neighbourhood_id"]) for a in data["area_follows"]] == [
        (False, None),
        (True, 1),
    ]
    document = openapi_document()
    schema = {"$ref": "#/components/schemas/AccountExport", "components": document["components"]}
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
