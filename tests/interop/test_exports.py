"""CSV and JSON exports: every visible problem, the content licence, safe cells, stored snapshots."""

from __future__ import annotations

import csv
import gzip
import io
import json
import threading
import time
from datetime import datetime, timedelta

import pytest

from civicboard import snapshots
from civicboard.extensions import db
from civicboard.interop import exports
from civicboard.timeutil import isoformat_z, utcnow
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


def test_a_build_asks_one_query_per_batch_whatever_the_size(app, problem_factory, user_factory, count_queries):
    app.config["EXPORT_BATCH_SIZE"] = 10
    author = user_factory()

    def measure(total: int) -> tuple[int, int]:
        while db.session.query(factories.Problem).count() < total:
            problem_factory(author=author)
        with count_queries() as counter:
            assert exports.build(app, force=True) == exports.BUILT
        rows = len(json.loads(exports.stored_file(app, "json").read_text())["items"])
        return counter.count, rows

    # Five statements for the change marker, then for each of the three formats: batches of 10,
    # 10 and 5, each its problems and their photos...
    assert measure(25) == (5 + 3 * 3 * 2, 25)
    # ...four full batches, then an empty one to learn the end (no photos to ask for)
    assert measure(40) == (5 + 3 * (4 * 2 + 1), 40)


def test_exports_keep_every_problem_in_id_order_across_batches(app, client, problem_factory):
    app.config["EXPORT_BATCH_SIZE"] = 4
    created = [problem_factory().id for _ in range(9)]
    _hide(db.session.get(factories.Problem, created[4]))
    ids = [item["id"] for item in client.get("/exports/problems.json").get_json()["items"]]
    assert ids == [pid for pid in created if pid != created[4]]


# -- stored snapshots -------------------------------------------------------------------------


def _titles(client) -> list[str]:
    return [item["title"] for item in client.get("/exports/problems.json").get_json()["items"]]


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_requests_serve_the_stored_snapshot_not_the_live_board(client, problem_factory):
    problem_factory("First")
    assert _titles(client) == ["First"]  # a small board's first snapshot is built on demand
    problem_factory("Second")
    assert _titles(client) == ["First"]


def test_a_change_appears_in_the_next_snapshot(app, client, problem_factory):
    problem_factory("First")
    assert exports.build(app) == exports.BUILT
    problem_factory("Second")
    assert exports.build(app) == exports.BUILT
    assert _titles(client) == ["First", "Second"]
    assert [row["title"] for row in _csv(client.get("/exports/problems.csv"))] == ["First", "Second"]


def test_a_new_vote_count_is_a_change(app, client, problem_factory):
    problem = problem_factory("Voted")
    exports.build(app)
    problem.vote_count += 1
    db.session.commit()
    assert exports.build(app) == exports.BUILT


def test_nothing_is_rebuilt_when_nothing_changed(app, problem_factory):
    problem_factory()
    assert exports.build(app) == exports.BUILT
    written = {fmt: exports.stored_file(app, fmt).stat().st_mtime_ns for fmt in exports.FORMATS}
    assert exports.build(app) == exports.UNCHANGED
    assert {fmt: exports.stored_file(app, fmt).stat().st_mtime_ns for fmt in exports.FORMATS} == written


def test_force_rebuilds_even_when_nothing_changed(app, problem_factory):
    problem_factory()
    exports.build(app)
    assert exports.build(app, force=True) == exports.BUILT


def test_hiding_a_problem_removes_it_from_the_next_snapshot(app, client, problem_factory):
    problem_factory("Shown")
    hidden = problem_factory("Soon hidden")
    exports.build(app)
    assert _titles(client) == ["Shown", "Soon hidden"]
    _hide(hidden)
    assert exports.build(app) == exports.BUILT
    assert _titles(client) == ["Shown"]
    assert [row["title"] for row in _csv(client.get("/exports/problems.csv"))] == ["Shown"]


def test_the_schedule_looks_at_most_every_export_interval(app, problem_factory):
    problem_factory("First")
    exports.build(app)
    problem_factory("Second")
    assert exports.refresh(app) == exports.FRESH
    app.config["EXPORT_INTERVAL"] = 0
    assert exports.refresh(app) == exports.BUILT


@pytest.mark.parametrize("path", ["/exports/problems.csv", "/exports/problems.json"])
def test_exports_carry_etag_last_modified_and_content_length(client, problem_factory, path):
    problem_factory()
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert response.headers["Accept-Ranges"] == "bytes"


def test_a_matching_etag_is_answered_304(client, problem_factory):
    problem_factory()
    etag = client.get("/exports/problems.json").headers["ETag"]
    response = client.get("/exports/problems.json", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""


def test_a_new_snapshot_has_a_new_etag(app, client, problem_factory):
    problem_factory()
    etag = client.get("/exports/problems.json").headers["ETag"]
    problem_factory()
    exports.build(app)
    response = client.get("/exports/problems.json", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_a_range_request_is_answered_206_with_those_bytes(client, problem_factory):
    problem_factory()
    whole = client.get("/exports/problems.csv").get_data()
    response = client.get("/exports/problems.csv", headers={"Range": "bytes=10-29"})
    assert response.status_code == 206
    assert response.get_data() == whole[10:30]
    assert response.headers["Content-Range"] == f"bytes 10-29/{len(whole)}"


@pytest.mark.parametrize("path", ["/exports/problems.csv", "/exports/problems.json"])
def test_gzip_is_sent_to_clients_that_accept_it(client, problem_factory, path):
    problem_factory("Zipped")
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.mimetype == plain.mimetype
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in packed.headers["Vary"]
    assert "Content-Encoding" not in plain.headers


def test_gzip_refused_with_zero_quality_is_not_sent(client, problem_factory):
    problem_factory()
    response = client.get("/exports/problems.csv", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"id,title,")


def test_a_reader_is_served_the_previous_snapshot_while_a_build_runs(app, client, problem_factory, monkeypatch):
    problem_factory("Before")
    exports.build(app)
    problem_factory("After")
    started, release = threading.Event(), threading.Event()
    real_stream_csv = exports.stream_csv

    def slow_stream_csv(*args, **kwargs):
        started.set()
        release.wait(30)
        yield from real_stream_csv(*args, **kwargs)

    monkeypatch.setattr(exports, "stream_csv", slow_stream_csv)
    outcome = {}

    def build_in_thread():
        with app.app_context():
            outcome["build"] = exports.build(app)

    builder = threading.Thread(target=build_in_thread)
    builder.start()
    try:
        assert started.wait(10), "the build did not start"
        began = time.monotonic()
        assert _titles(client) == ["Before"]
        assert time.monotonic() - began < 2
        assert exports.build(app) == exports.BUSY  # a second builder skips instead of colliding
    finally:
        release.set()
        builder.join(30)
    assert outcome["build"] == exports.BUILT
    assert _titles(client) == ["Before", "After"]


def test_a_large_board_without_a_snapshot_is_answered_503_not_built_inline(app, client, problem_factory):
    app.config["EXPORT_INLINE_MAX_PROBLEMS"] = 1
    problem_factory()
    problem_factory()
    response = client.get("/exports/problems.csv")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert exports.stored_file(app, "csv") is None


def test_a_large_board_without_a_snapshot_gets_one_built_in_the_background(app, client, problem_factory):
    app.config.update(EXPORT_INLINE_MAX_PROBLEMS=1, SNAPSHOT_RUNNER="thread")
    problem_factory("One")
    problem_factory("Two")
    assert client.get("/exports/problems.json").status_code == 503
    assert _wait_for(lambda: exports.manifest(app) is not None)
    assert _titles(client) == ["One", "Two"]


def test_an_old_snapshot_is_served_and_refreshed_in_the_background(app, client, problem_factory):
    app.config.update(EXPORT_INTERVAL=0, SNAPSHOT_RUNNER="thread")
    problem_factory("First")
    exports.build(app)
    problem_factory("Second")
    assert _titles(client) == ["First"]
    assert _wait_for(lambda: len(json.loads(exports.stored_file(app, "json").read_text())["items"]) == 2)
    assert _titles(client) == ["First", "Second"]


def test_data_json_gives_the_snapshot_time_as_modified(app, client, problem_factory):
    problem_factory(created_at=datetime(2020, 1, 1))
    exports.build(app)
    built = exports.built_at(app)
    entry = client.get("/data.json").get_json()["dataset"][0]
    assert entry["modified"] == isoformat_z(built)


def test_exports_share_a_per_address_rate_limit(app, client, problem_factory):
    app.config["RATELIMIT_EXPORTS"] = "2 per minute"
    problem_factory()
    assert client.get("/exports/problems.csv").status_code == 200
    assert client.get("/exports/problems.json").status_code == 200
    assert client.get("/exports/problems.csv").status_code == 429


def test_build_command_builds_then_skips_when_unchanged(app, runner, problem_factory):
    problem_factory()
    assert "Exports built" in runner.invoke(args=["exports", "build"]).output
    assert "Nothing changed" in runner.invoke(args=["exports", "build"]).output
    assert "Exports built" in runner.invoke(args=["exports", "build", "--force"]).output


def test_build_command_skips_while_another_build_holds_the_lock(app, runner):
    with snapshots.build_lock(app, exports.LOCK_NAME) as held:
        assert held
        result = runner.invoke(args=["exports", "build"])
    assert result.exit_code == 0
    assert "Another build is running" in result.output


def test_open311_request_list_has_a_per_address_rate_limit(app, client):
    app.config["RATELIMIT_OPEN311"] = "1 per minute"
    assert client.get("/open311/v2/requests.json").status_code == 200
    assert client.get("/open311/v2/requests.json").status_code == 429
