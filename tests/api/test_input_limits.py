"""Lists from clients are counted before anything is done with their items."""

from __future__ import annotations

import time

HUGE = 60_000


def test_sixty_thousand_dataset_ids_are_refused_at_once(as_resident, dataset_factory):
    dataset = dataset_factory()
    started = time.process_time()
    response = as_resident.post(
        "/problems",
        json={"title": "Too many datasets here", "description": "Text", "dataset_ids": [dataset.id] * HUGE},
    )
    elapsed = time.process_time() - started
    assert response.status_code == 400
    assert "dataset_ids" in response.get_json()["error"]["fields"]
    assert elapsed < 2, f"took {elapsed:.2f} s"


def test_sixty_thousand_distinct_dataset_ids_on_edit_are_refused_at_once(as_resident, resident, make_problem):
    problem = make_problem(author=resident)
    started = time.process_time()
    response = as_resident.patch(f"/problems/{problem.id}", json={"dataset_ids": list(range(1, HUGE + 1))})
    elapsed = time.process_time() - started
    assert response.status_code == 400
    assert elapsed < 2, f"took {elapsed:.2f} s"


def test_refused_oversized_requests_count_against_the_problem_limit(app, as_resident, dataset_factory):
    app.config["RATELIMIT_PROBLEMS"] = "2 per minute"
    dataset = dataset_factory()
    body = {"title": "Too many datasets here", "description": "Text", "dataset_ids": [1] * 1000}
    assert [as_resident.post("/problems", json=body).status_code for _ in range(2)] == [400, 400]
    honest = {"title": "Now a proper problem", "description": "Text", "dataset_ids": [dataset.id]}
    assert as_resident.post("/problems", json=honest).status_code == 429
