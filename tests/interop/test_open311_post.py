"""Open311 GeoReport v2 POST requests.json: other apps report problems with a personal token.

The specification's POST is a form-encoded request; the `georeport` client library reads only,
so the test posts the specification's form fields itself (with `requests`, over real HTTP to
a server on 127.0.0.1) and reads the request back with `georeport`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from georeport import GeoReport
from werkzeug.serving import make_server

from civicboard.auth import services as auth_services
from civicboard.extensions import db
from civicboard.problems import services as problem_services
from civicboard.problems.models import Problem
from civicboard.timeutil import utcnow
from tests.interop import factories


@pytest.fixture
def streets(category_factory):
    department = factories.make_department("Public Works")
    return category_factory("Streets", department_id=department.id, description="Potholes, paving, signs")


@pytest.fixture
def reporter(user_factory):
    return user_factory(name="App User")


@pytest.fixture
def api_key(reporter) -> str:
    _token, raw = auth_services.create_api_token(reporter, "my 311 app")
    db.session.commit()
    return raw


@pytest.fixture
def live_open311(app) -> Iterator[str]:
    """The app served over HTTP on 127.0.0.1 (a thread of this process): the Open311 root URL."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def report(**fields) -> dict:
    data = {
        "service_code": "streets",
        "lat": "42.3796",
        "long": "-71.0935",
        "address_string": "Union Square plaza",
        "description": "Deep pothole in the crosswalk\nIt has been there for a month.",
        "attribute[WHISHETN]": "123",
        "email": "someone@example.org",
        "first_name": "Sam",
    }
    data.update(fields)
    return data


def test_an_open311_client_posts_a_request_and_reads_it_back(
    live_open311, api_key, streets, dataset_factory, reporter, user_factory
):
    dataset = dataset_factory(title="311 requests")
    problem_services.set_default_datasets(user_factory(roles=["admin"]), streets, [dataset.id])
    db.session.commit()
    response = requests.post(f"{live_open311}/requests.json", data=report(api_key=api_key), timeout=30)
    assert response.status_code == 201, response.text
    [created] = response.json()
    request_id = created["service_request_id"]

    client = GeoReport(live_open311)
    assert "streets" in {service["service_code"] for service in client.get_service_list()}
    found = client.get_service_request(request_id)
    assert (found["lat"], found["long"], found["address"]) == (42.3796, -71.0935, "Union Square plaza")
    assert found["service_code"] == "streets" and found["status"] == "open"
    assert found["description"].startswith("Deep pothole in the crosswalk")

    problem = db.session.get(Problem, int(request_id))
    assert problem.author_id == reporter.id and problem.title == "Deep pothole in the crosswalk"
    assert [link.dataset_id for link in problem.dataset_links] == [dataset.id]
    assert problem.data_request is None


def test_a_category_without_default_datasets_makes_a_data_request(client, api_key, streets):
    response = client.post("/open311/v2/requests.json", data=report(api_key=api_key))
    assert response.status_code == 201
    problem = db.session.get(Problem, int(response.get_json()[0]["service_request_id"]))
    assert problem.dataset_links == [] and "staff, tie it to the data" in problem.data_request


def test_media_url_is_linked_not_fetched(client, api_key, streets):
    response = client.post(
        "/open311/v2/requests.json", data=report(api_key=api_key, media_url="https://photos.example.org/p/1.jpg")
    )
    problem = db.session.get(Problem, int(response.get_json()[0]["service_request_id"]))
    assert "https://photos.example.org/p/1.jpg" in problem.description
    assert 'href="https://photos.example.org/p/1.jpg"' in problem.description_html


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": "not-a-token"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"service_code": "unknown"}, 400, "not one of this board's services"),
        ({"service_code": ""}, 400, "service_code is required"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "location is required"),
        ({"lat": "91", "long": "0"}, 400, "Latitude"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_bad_requests_get_the_specifications_error_list(client, api_key, streets, fields, status, words):
    data = report(api_key=api_key)
    data.update({k: v for k, v in fields.items() if v is not None})
    if fields.get("api_key", "") is None:
        del data["api_key"]
    response = client.post("/open311/v2/requests.json", data=data)
    assert response.status_code == status
    [error] = response.get_json()
    assert error["code"] == status and words in error["description"]
    assert db.session.query(Problem).count() == 0


def test_a_point_outside_the_city_is_refused(app, client, api_key, streets):
    app.config["MAP_BOUNDS"] = "-71.135,42.370,-71.070,42.420"
    response = client.post("/open311/v2/requests.json", data=report(api_key=api_key, lat="40.7", long="-74.0"))
    assert response.status_code == 400 and "outside the area" in response.get_json()[0]["description"]


def test_a_suspended_account_cannot_post(client, api_key, reporter, streets):
    reporter.banned_at = utcnow()
    reporter.banned_until = utcnow() + timedelta(days=1)
    db.session.commit()
    response = client.post("/open311/v2/requests.json", data=report(api_key=api_key))
    assert response.status_code == 403 and "suspended" in response.get_json()[0]["description"]


def test_posting_shares_the_accounts_problem_budget(app, client, api_key, streets, reporter, api_as):
    app.config["RATELIMIT_PROBLEMS"] = "2 per minute"
    assert client.post("/open311/v2/requests.json", data=report(api_key=api_key)).status_code == 201
    body = {"title": "Through the API", "description": "Text.", "data_request": "Data.", "category": "streets"}
    assert api_as(reporter).post("/problems", json=body).status_code == 201
    assert client.post("/open311/v2/requests.json", data=report(api_key=api_key)).status_code == 429


def test_no_csrf_token_is_needed_and_cookies_are_ignored(client, logged_in, streets):
    browser, _user = logged_in
    response = browser.post("/open311/v2/requests.json", data=report())
    assert response.status_code == 403  # the session cookie does not authenticate an Open311 post
