"""Area alerts for a neighbourhood: follow it from its page; new problems placed inside it notify."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.places import services as places
from civicboard.places.models import Neighbourhood
from civicboard.problems import notifications
from civicboard.problems.models import AreaFollow, Notification
from civicboard.problems.services import create_problem

INSIDE = {"latitude": 42.38, "longitude": -71.09}
OUTSIDE = {"latitude": 42.50, "longitude": -71.00}


@pytest.fixture
def square(app):
    """A neighbourhood, Union Square: a box around INSIDE (OUTSIDE is beyond it)."""
    ring = [[-71.1, 42.37], [-71.08, 42.37], [-71.08, 42.39], [-71.1, 42.39], [-71.1, 42.37]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Union Square"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    places.import_boundaries(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    db.session.commit()
    return db.session.execute(select(Neighbourhood)).scalar_one()


def _propose(author, **fields):
    fields.setdefault("title", "Broken streetlight")
    problem = create_problem(author, description="Dark all night.", data_request="Streetlight outages.", **fields)
    db.session.commit()
    return problem


def _alerted():
    return sorted(db.session.execute(select(Notification.user_id).where(Notification.kind == "area_alert")).scalars())


def _follows(user):
    return db.session.execute(select(AreaFollow.neighbourhood_id).where(AreaFollow.user_id == user.id)).scalars().all()


def test_follow_and_unfollow_from_the_neighbourhood_page(logged_in, square):
    client, user = logged_in
    page = client.get(f"/neighbourhoods/{square.id}").get_data(as_text=True)
    assert f'action="/neighbourhoods/{square.id}/alerts"' in page
    response = client.form(f"/neighbourhoods/{square.id}/alerts", {"next": f"/neighbourhoods/{square.id}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/neighbourhoods/{square.id}"
    assert _follows(user) == [square.id]
    page = client.get(f"/neighbourhoods/{square.id}").get_data(as_text=True)
    assert f'action="/neighbourhoods/{square.id}/alerts/delete"' in page
    assert client.form(f"/neighbourhoods/{square.id}/alerts/delete").status_code == 302
    assert _follows(user) == []


def test_following_twice_is_still_once(logged_in, square):
    client, user = logged_in
    assert client.form(f"/neighbourhoods/{square.id}/alerts").status_code == 302
    assert client.form(f"/neighbourhoods/{square.id}/alerts").status_code == 302
    assert _follows(user) == [square.id]
    assert notifications.follow_area(user, neighbourhood_id=square.id) is False


def test_the_redirect_back_stays_on_the_site(logged_in, square):
    client, _user = logged_in
    response = client.form(f"/neighbourhoods/{square.id}/alerts", {"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/neighbourhoods/{square.id}"


def test_anonymous_visitors_are_sent_to_log_in(client, square):
    page = client.get(f"/neighbourhoods/{square.id}").get_data(as_text=True)
    assert "/alerts" not in page and "Union Square" in page
    response = client.form(f"/neighbourhoods/{square.id}/alerts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.execute(select(func.count()).select_from(AreaFollow)).scalar_one() == 0


def test_the_service_refuses_anonymous_followers(app, square):
    from flask_login import AnonymousUserMixin

    with pytest.raises(PermissionDenied):
        notifications.follow_area(AnonymousUserMixin(), neighbourhood_id=square.id)


def test_a_follow_without_csrf_token_is_refused(logged_in, square):
    client, user = logged_in
    assert client.post(f"/neighbourhoods/{square.id}/alerts").status_code == 400
    client.form(f"/neighbourhoods/{square.id}/alerts")
    assert client.post(f"/neighbourhoods/{square.id}/alerts/delete").status_code == 400
    assert _follows(user) == [square.id]


def test_an_unknown_neighbourhood_is_not_found(logged_in):
    client, _user = logged_in
    assert client.get("/neighbourhoods/999").status_code == 404
    assert client.form("/neighbourhoods/999/alerts").status_code == 404


def test_a_problem_placed_inside_alerts_followers_and_one_outside_does_not(app, user_factory, square):
    follower, author = user_factory(), user_factory()
    notifications.follow_area(follower, neighbourhood_id=square.id)
    notifications.follow_area(author, neighbourhood_id=square.id)
    db.session.commit()
    _propose(author, **OUTSIDE)
    assert _alerted() == []
    inside = _propose(author, **INSIDE)
    assert inside.neighbourhood_id == square.id
    assert _alerted() == [follower.id]  # never the author


def test_a_follower_of_the_neighbourhood_and_category_hears_once(app, user_factory, category_factory, square):
    category = category_factory()
    person = user_factory()
    notifications.follow_area(person, neighbourhood_id=square.id)
    notifications.follow_area(person, category_id=category.id)
    db.session.commit()
    _propose(user_factory(), category_id=category.id, **INSIDE)
    assert _alerted() == [person.id]


def test_many_neighbourhood_followers_are_told_by_the_worker(app, user_factory, residents, square):
    from civicboard.notify import dispatch

    app.config["NOTIFY_INLINE_MAX"] = 2
    people = residents(3)
    for person in people:
        notifications.follow_area(person, neighbourhood_id=square.id)
    db.session.commit()
    _propose(user_factory(), **INSIDE)
    assert _alerted() == []
    dispatch.run()
    assert _alerted() == sorted(p.id for p in people)


def test_the_settings_page_lists_and_removes_the_follow(logged_in, square):
    client, user = logged_in
    notifications.follow_area(user, neighbourhood_id=square.id)
    db.session.commit()
    page = client.get("/account/notifications").get_data(as_text=True)
    assert f'href="/neighbourhoods/{square.id}">Union Square</a>' in page
    [(follow_id, kind, name, ref)] = notifications.followed_areas(user)
    assert (kind, name, ref) == ("neighbourhood", "Union Square", square.id)
    assert client.form(f"/account/alerts/{follow_id}/delete").status_code == 302
    assert notifications.followed_areas(user) == []


def test_the_database_holds_one_area_per_follow(app, user_factory, dataset_factory, square):
    user, dataset = user_factory(), dataset_factory()
    for fields in ({}, {"dataset_id": dataset.id, "neighbourhood_id": square.id}):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(AreaFollow(user_id=user.id, **fields))
    db.session.add(AreaFollow(user_id=user.id, neighbourhood_id=square.id))
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(AreaFollow(user_id=user.id, neighbourhood_id=square.id))


def test_the_page_lists_the_problems_placed_inside(client, user_factory, square):
    _propose(user_factory(), **INSIDE)
    elsewhere = _propose(user_factory(), title="Pothole far away", **OUTSIDE)
    page = client.get(f"/neighbourhoods/{square.id}").get_data(as_text=True)
    assert "Broken streetlight" in page and elsewhere.title not in page
    assert f'href="/neighbourhoods/{square.id}"' in client.get("/neighbourhoods").get_data(as_text=True)
