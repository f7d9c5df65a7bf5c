"""Open311 GeoReport v2, read-only JSON: discovery, services, requests and one request."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from civicboard.extensions import db
from civicboard.timeutil import utcnow
from tests.interop import factories

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "address",
    "media_url",
    "lat",
    "long",
}


@pytest.fixture
def streets(category_factory):
    """A category owned by Public Works."""
    department = factories.make_department("Public Works")
    return category_factory("Streets", department_id=department.id, description="Potholes, paving, signs")


def _ids(response) -> list[str]:
    return [item["service_request_id"] for item in response.get_json()]


def test_discovery_names_the_specification_and_json_format(client, app):
    app.config.update(CONTACT_NAME="Open Data Team", CONTACT_EMAIL="data@city.example.org")
    body = client.get("/open311/v2/discovery.json").get_json()
    assert body["contact"] == "Open Data Team <data@city.example.org>"
    assert body["changeset"].endswith("Z") and body["key_service"]
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["formats"] == ["application/json"]


def test_services_are_the_active_categories(client, streets, category_factory):
    category_factory("Retired", active=False)
    [service] = client.get("/open311/v2/services.json").get_json()
    assert service == {
        "service_code": "streets",
        "service_name": "Streets",
        "description": "Potholes, paving, signs",
        "metadata": False,
        "type": "realtime",
        "keywords": "streets",
        "group": "Public Works",
    }


def test_requests_map_problems_to_service_requests(client, problem_factory, streets):
    created = datetime(2026, 2, 3, 4, 5, 6)
    problem = problem_factory(
        "Pothole on Broadway",
        description="Deep **hole** near the bus stop.",
        category_id=streets.id,
        neighbourhood="Winter Hill",
        created_at=created,
    )
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    [item] = response.get_json()
    assert set(item) >= REQUEST_FIELDS
    assert item["service_request_id"] == str(problem.id)
    assert item["status"] == "open"
    assert item["status_notes"] is None
    assert (item["service_code"], item["service_name"]) == ("streets", "Streets")
    assert item["description"] == "Pothole on Broadway\n\nDeep hole near the bus stop."
    assert item["agency_responsible"] == "Public Works"
    assert item["requested_datetime"] == "2026-02-03T04:05:06Z"
    assert item["updated_datetime"] == "2026-02-03T04:05:06Z"
    assert item["address"] == "Winter Hill"
    assert (item["media_url"], item["lat"], item["long"]) == (None, None, None)


def test_latest_response_gives_status_notes_and_agency(client, problem_factory, streets, response_factory):
    problem = problem_factory(category_id=streets.id, status="resolved", created_at=datetime(2026, 1, 1))
    response_factory(problem, body="Scheduled.", created_at=datetime(2026, 1, 2))
    response_factory(
        problem,
        body="Filled the **pothole** today.",
        department=factories.make_department("Highways"),
        created_at=datetime(2026, 1, 9, 10, 0),
    )
    [item] = client.get(f"/open311/v2/requests/{problem.id}.json").get_json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "Filled the pothole today."
    assert item["agency_responsible"] == "Highways"
    assert item["updated_datetime"] == "2026-01-09T10:00:00Z"


@pytest.mark.parametrize(
    ("status", "georeport"),
    [
        ("open", "open"),
        ("acknowledged", "open"),
        ("in_progress", "open"),
        ("resolved", "closed"),
        ("declined", "closed"),
        ("duplicate", "closed"),
    ],
)
def test_resolved_declined_and_duplicate_are_closed(client, problem_factory, status, georeport):
    problem_factory(status=status)
    assert client.get("/open311/v2/requests.json").get_json()[0]["status"] == georeport


def test_status_filter(client, problem_factory):
    open_one = problem_factory(status="in_progress")
    closed_one = problem_factory(status="declined")
    assert _ids(client.get("/open311/v2/requests.json?status=open")) == [str(open_one.id)]
    assert _ids(client.get("/open311/v2/requests.json?status=closed")) == [str(closed_one.id)]
    assert len(_ids(client.get("/open311/v2/requests.json?status=open,closed"))) == 2


def test_service_code_filter(client, problem_factory, streets, category_factory):
    parks = category_factory("Parks")
    on_streets = problem_factory(category_id=streets.id)
    in_parks = problem_factory(category_id=parks.id)
    problem_factory()
    assert _ids(client.get("/open311/v2/requests.json?service_code=streets")) == [str(on_streets.id)]
    both = _ids(client.get("/open311/v2/requests.json?service_code=streets,parks"))
    assert sorted(both) == sorted([str(on_streets.id), str(in_parks.id)])
    assert client.get("/open311/v2/requests.json?service_code=nothing").get_json() == []


def test_date_filters_apply_to_requested_datetime(client, problem_factory):
    problem_factory("January", created_at=datetime(2026, 1, 15))
    february = problem_factory("February", created_at=datetime(2026, 2, 15))
    problem_factory("March", created_at=datetime(2026, 3, 15))
    url = "/open311/v2/requests.json?start_date=2026-02-01T00:00:00Z&end_date=2026-02-28T23:59:59%2B00:00"
    assert _ids(client.get(url)) == [str(february.id)]
    # An offset is honoured: 2026-02-15T05:00:00+05:00 is midnight UTC.
    assert _ids(client.get("/open311/v2/requests.json?start_date=2026-02-15T05:00:00%2B05:00&end_date=2026-02-16")) == [
        str(february.id)
    ]


def test_requests_are_paged_newest_first_with_a_next_link(client, problem_factory):
    now = utcnow()
    ids = [str(problem_factory(created_at=now - timedelta(hours=i)).id) for i in range(5)]
    first = client.get("/open311/v2/requests.json?page_size=2")
    assert _ids(first) == ids[:2]
    assert "page=2" in first.headers["Link"] and 'rel="next"' in first.headers["Link"]
    assert _ids(client.get("/open311/v2/requests.json?page_size=2&page=3")) == ids[4:]
    assert "Link" not in client.get("/open311/v2/requests.json?page_size=2&page=3").headers


def test_default_page_size_is_50(client, problem_factory, user_factory):
    author = user_factory()
    for _ in range(52):
        problem_factory(author=author)
    assert len(client.get("/open311/v2/requests.json").get_json()) == 50


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=two",
        "page_size=201",
        "page_size=0",
        "page_size=-5",
        "page=99999999999999999999",
        "status=pending",
        "start_date=yesterday",
        "end_date=2026-13-01",
        "start_date=2026-03-01&end_date=2026-02-01",
        "service_code=%3Cscript%3E",
        "service_request_id=abc",
        "service_request_id=99999999999",
    ],
)
def test_bad_parameters_get_a_georeport_error(client, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and error["description"]


def test_service_request_ids_override_other_filters(client, problem_factory):
    wanted = problem_factory(status="resolved")
    problem_factory()
    url = f"/open311/v2/requests.json?service_request_id={wanted.id}&status=open"
    assert _ids(client.get(url)) == [str(wanted.id)]


def test_one_request_is_an_array_of_one(client, problem_factory):
    problem = problem_factory()
    response = client.get(f"/open311/v2/requests/{problem.id}.json")
    assert response.status_code == 200
    assert _ids(response) == [str(problem.id)]


@pytest.mark.parametrize("path", ["999", "abc", "99999999999999", "²"])
def test_a_missing_request_is_a_georeport_404(client, path):
    response = client.get(f"/open311/v2/requests/{path}.json")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404


def test_hidden_problems_never_appear(client, problem_factory):
    problem = problem_factory()
    problem.hidden_at = utcnow()
    db.session.commit()
    assert client.get("/open311/v2/requests.json").get_json() == []
    assert client.get(f"/open311/v2/requests/{problem.id}.json").status_code == 404
    assert client.get(f"/open311/v2/requests.json?service_request_id={problem.id}").get_json() == []


def test_requests_ask_a_fixed_number_of_queries(
    client, problem_factory, user_factory, streets, response_factory, dataset_factory, count_queries
):
    author = user_factory()
    dataset = dataset_factory()

    def measure(total: int) -> int:
        while db.session.query(factories.Problem).count() < total:
            problem = problem_factory(author=author, category_id=streets.id, datasets=[dataset])
            response_factory(problem)
        with count_queries() as counter:
            assert len(client.get("/open311/v2/requests.json?page_size=200").get_json()) == total
        return counter.count

    assert measure(20) == measure(40) == 1


def test_open_data_may_be_read_from_other_sites(client):
    assert client.get("/open311/v2/services.json").headers["Access-Control-Allow-Origin"] == "*"
