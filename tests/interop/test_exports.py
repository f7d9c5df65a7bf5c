"""CSV and JSON exports: every visible problem, the content licence, safe cells, flat memory."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from civicboard.extensions import db
from civicboard.timeutil import utcnow
from tests.interop import factories


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _hide(problem):
    problem.hidden_at = utcnow()
    db.session.commit()


@pytest.fixture
def answered_problem(problem_factory, dataset_factory, category_factory, response_factory):
    """A problem tied to two datasets, with two official responses (the second is the latest)."""
    department = factories.make_department("Parks")
    category = category_factory("Trees")
    first, second = dataset_factory("Tree inventory"), dataset_factory("Street trees: planting")
    created = datetime(2026, 3, 1, 12, 0, 0)
    problem = problem_factory(
        "Dead trees on Elm",
        datasets=[first, second],
        category_id=category.id,
        neighbourhood="Davis Square",
        vote_count=7,
        comment_count=3,
        created_at=created,
    )
    response_factory(problem, body="Looking.", created_at=created + timedelta(days=1))
    response_factory(
        problem,
        body="Replaced **all four** trees.\n\nThanks for the report.",
        department=department,
        status_to="resolved",
        created_at=created + timedelta(days=5),
    )
    return problem


def test_csv_export_has_a_header_and_one_row_per_visible_problem(client, problem_factory):
    problem_factory("Shown")
    _hide(problem_factory("Hidden"))
    response = client.get("/exports/problems.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    first_line = response.get_data(as_text=True).split("\r\n", 1)[0]
    assert first_line.startswith("id,title,status,category,neighbourhood,data_request,vote_count,comment_count,")
    assert [row["title"] for row in _csv(response)] == ["Shown"]


def test_csv_export_carries_datasets_author_and_the_latest_response(client, answered_problem):
    [row] = _csv(client.get("/exports/problems.csv"))
    ids = [str(link.dataset_id) for link in answered_problem.dataset_links]
    assert row["id"] == str(answered_problem.id)
    assert row["category"] == "Trees"
    assert row["neighbourhood"] == "Davis Square"
    assert (row["vote_count"], row["comment_count"]) == ("7", "3")
    assert row["dataset_ids"] == ";".join(ids)
    assert row["dataset_titles"] == "Tree inventory | Street trees: planting"
    assert row["author"] == answered_problem.author.name
    assert row["created_at"] == "2026-03-01T12:00:00Z"
    assert row["url"] == f"http://localhost/problems/{answered_problem.id}"
    assert row["latest_response_at"] == "2026-03-06T12:00:00Z"
    assert row["latest_response_department"] == "Parks"
    assert row["latest_response_status"] == "resolved"
    assert row["latest_response_excerpt"] == "Replaced all four trees. Thanks for the report."


def test_csv_export_states_the_content_licence_in_headers(client):
    response = client.get("/exports/problems.csv")
    assert response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert response.headers["X-License"].startswith("CC BY 4.0")


def test_export_licence_follows_configuration(client, app):
    app.config.update(CONTENT_LICENSE_NAME="CC0 1.0", CONTENT_LICENSE_URL="https://creativecommons.org/zero/1.0/")
    body = client.get("/exports/problems.json").get_json()
    assert body["license"]["name"] == "CC0 1.0"
    assert body["license"]["url"] == "https://creativecommons.org/zero/1.0/"


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, problem_factory, trigger):
    problem_factory(f'{trigger}HYPERLINK("http://evil.example")', neighbourhood=f"{trigger}1+1")
    [row] = _csv(client.get("/exports/problems.csv"))
    assert row["title"] == f'\'{trigger}HYPERLINK("http://evil.example")'
    assert row["neighbourhood"] == f"'{trigger}1+1"


def test_csv_neutralises_user_text_in_every_column(client, problem_factory, dataset_factory, response_factory):
    dataset = dataset_factory("=cmd|' /C calc'!A0")
    problem = problem_factory("Fine title", datasets=[dataset], data_request="@SUM(A1)")
    response_factory(problem, body="-2+3 is the count")
    [row] = _csv(client.get("/exports/problems.csv"))
    assert row["dataset_titles"] == "'=cmd|' /C calc'!A0"
    assert row["data_request"] == "'@SUM(A1)"
    assert row["latest_response_excerpt"] == "'-2+3 is the count"


def test_csv_leaves_ordinary_text_alone(client, problem_factory):
    problem_factory("Potholes: 3 on Main St, 1+1 more", neighbourhood="Union Square")
    [row] = _csv(client.get("/exports/problems.csv"))
    assert row["title"] == "Potholes: 3 on Main St, 1+1 more"
    assert row["neighbourhood"] == "Union Square"


def test_json_export_has_the_licence_and_the_items(client, answered_problem):
    response = client.get("/exports/problems.json")
    assert response.mimetype == "application/json"
    assert response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    body = response.get_json()
    assert body["license"]["name"] == "CC BY 4.0"
    assert body["license"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    [item] = body["items"]
    ids = [link.dataset_id for link in answered_problem.dataset_links]
    assert item["datasets"] == [
        {"id": ids[0], "title": "Tree inventory"},
        {"id": ids[1], "title": "Street trees: planting"},
    ]
    assert item["author"] == {"name": answered_problem.author.name}
    assert item["latest_response"] == {
        "created_at": "2026-03-06T12:00:00Z",
        "department": "Parks",
        "status_to": "resolved",
        "excerpt": "Replaced all four trees. Thanks for the report.",
    }
    assert item["url"] == f"http://localhost/problems/{answered_problem.id}"


def test_json_export_leaves_out_hidden_problems(client, problem_factory):
    problem_factory("Shown")
    _hide(problem_factory("Hidden"))
    assert [item["title"] for item in client.get("/exports/problems.json").get_json()["items"]] == ["Shown"]


def test_exports_of_an_empty_board_are_well_formed(client):
    assert client.get("/exports/problems.json").get_json()["items"] == []
    assert client.get("/exports/problems.csv").get_data(as_text=True).count("\r\n") == 1


@pytest.mark.parametrize("path", ["/exports/problems.csv", "/exports/problems.json"])
def test_exports_are_streamed_one_query_per_batch(app, client, problem_factory, user_factory, count_queries, path):
    app.config["EXPORT_BATCH_SIZE"] = 10
    author = user_factory()

    def measure(total: int) -> tuple[int, int]:
        while db.session.query(factories.Problem).count() < total:
            problem_factory(author=author)
        with count_queries() as counter:
            response = client.get(path)
            assert response.is_streamed
            body = response.get_data(as_text=True)
        rows = len(json.loads(body)["items"]) if path.endswith(".json") else body.count("\r\n") - 1
        return counter.count, rows

    assert measure(25) == (3, 25)  # batches of 10, 10 and 5
    assert measure(40) == (5, 40)  # four full batches, then an empty one to learn the end


def test_exports_keep_every_problem_in_id_order_across_batches(app, client, problem_factory):
    app.config["EXPORT_BATCH_SIZE"] = 4
    created = [problem_factory().id for _ in range(9)]
    _hide(db.session.get(factories.Problem, created[4]))
    ids = [item["id"] for item in client.get("/exports/problems.json").get_json()["items"]]
    assert ids == [pid for pid in created if pid != created[4]]
