"""GET/POST /datasets and GET/PATCH /datasets/<id>."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from tests.api.conftest import error_of


def test_list_pages_by_number_with_next(anonymous, dataset_factory, matches_schema):
    for i in range(5):
        dataset_factory(title=f"Dataset {i}")
    first = anonymous.get("/datasets?limit=2&sort=title")
    body = first.get_json()
    matches_schema(body, "DatasetList")
    assert body["total"] == 5 and [d["title"] for d in body["items"]] == ["Dataset 0", "Dataset 1"]
    assert "page=2" in body["next"] and first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    titles = []
    url = "/datasets?limit=2&sort=title"
    while url:
        page = anonymous.get(url).get_json()
        titles += [d["title"] for d in page["items"]]
        url = page["next"]
    assert titles == [f"Dataset {i}" for i in range(5)]


def test_filters_by_text_keyword_publisher_and_status(anonymous, dataset_factory):
    dataset_factory(title="Street Trees", keywords=["trees", "parks"], publisher="Parks Department")
    dataset_factory(title="Parking Tickets", keywords=["parking"], publisher="Traffic")
    dataset_factory(title="Old Trees", keywords=["trees"], status="withdrawn")

    def titles(query: str) -> list[str]:
        return [d["title"] for d in anonymous.get(f"/datasets?{query}").get_json()["items"]]

    assert titles("q=trees") == ["Street Trees"]
    assert titles("keyword=TREES") == ["Street Trees"]
    assert titles("publisher=Traffic") == ["Parking Tickets"]
    assert titles("status=withdrawn") == ["Old Trees"]


@pytest.mark.parametrize("query", ["sort=random", "status=deleted", "page=0", "page=x", "limit=500"])
def test_bad_dataset_arguments_are_400(anonymous, query):
    response = anonymous.get(f"/datasets?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in error_of(response)["fields"]


def test_show_one_dataset_with_distributions(anonymous, dataset_factory):
    dataset = dataset_factory(
        title="Bike Lanes", distributions=[("GeoJSON", "https://data.example.org/b.geojson", "GeoJSON")]
    )
    body = anonymous.get(f"/datasets/{dataset.id}").get_json()
    assert body["title"] == "Bike Lanes"
    assert body["distributions"] == [
        {"title": "GeoJSON", "url": "https://data.example.org/b.geojson", "format": "GeoJSON", "media_type": None}
    ]
    assert body["url"].endswith(f"/datasets/{dataset.id}")


def test_unknown_dataset_is_404(anonymous):
    assert anonymous.get("/datasets/777").status_code == 404


def test_staff_create_a_dataset(as_staff):
    response = as_staff.post(
        "/datasets",
        json={
            "title": "Snow Routes",
            "keywords": ["snow", "winter"],
            "distributions": [{"title": "CSV", "url": "https://data.example.org/snow.csv", "format": "csv"}],
            "source": "smuggled",
            "problem_count": 40,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/datasets/{body['id']}")
    assert (body["source"], body["problem_count"], body["keywords"]) == ("manual", 0, ["snow", "winter"])
    assert "dataset.create" in db.session.execute(select(AuditEntry.action)).scalars().all()


def test_staff_patch_and_withdraw_a_dataset(as_staff, dataset_factory):
    dataset = dataset_factory(title="Old Name")
    body = as_staff.patch(f"/datasets/{dataset.id}", json={"title": "New Name", "status": "withdrawn"}).get_json()
    assert (body["title"], body["status"]) == ("New Name", "withdrawn")
    assert body["withdrawn_at"].endswith("Z")
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).title == "New Name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"landing_page": "javascript:alert(1)"}, "landing_page"),
        ({"keywords": {"a": 1}}, "keywords"),
        ({"distributions": [{"url": 5}]}, "distributions"),
        ({"status": "gone"}, "status"),
    ],
)
def test_bad_dataset_fields_are_422(as_staff, dataset_factory, body, field):
    dataset = dataset_factory()
    response = as_staff.patch(f"/datasets/{dataset.id}", json=body)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_residents_get_403_writing_datasets(as_resident, dataset_factory):
    assert as_resident.post("/datasets", json={"title": "Mine"}).status_code == 403
    assert as_resident.patch(f"/datasets/{dataset_factory().id}", json={"title": "Mine"}).status_code == 403
