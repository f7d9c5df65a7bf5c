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
