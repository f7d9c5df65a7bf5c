"""The stored figures: computed in the background, served to readers without waiting."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from civicboard import snapshots
from civicboard.extensions import db
from civicboard.insights import queries, store
from civicboard.timeutil import utcnow
from tests.insights.conftest import NOW
from tests.interop import factories


def _problems(client) -> str:
    response = client.get("/insights.csv")
    assert response.status_code == 200
    line = next(row for row in response.get_data(as_text=True).splitlines() if ",All problems,problems," in row)
    return line.rsplit(",", 1)[1]


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_readers_get_the_stored_figures_until_the_next_computation(app, client, problem_factory):
    problem_factory()
    assert _problems(client) == "1"  # a small board's first figures are computed on demand
    problem_factory()
    assert _problems(client) == "1"
    assert store.compute(app) == store.COMPUTED
    assert _problems(client) == "2"


def test_stored_figures_read_back_as_they_were_computed(history, fixed_clock):
    figures = queries.compute(NOW, 14)
    assert store.from_document(store.to_document(figures)) == figures


def test_nothing_is_recomputed_when_nothing_changed(app, problem_factory):
    problem_factory()
    assert store.compute(app) == store.COMPUTED
    first = store.computed_at(app)
    assert store.compute(app) == store.UNCHANGED
    assert store.computed_at(app) == first


def test_figures_are_recomputed_when_too_old_even_if_nothing_changed(app, problem_factory, monkeypatch):
    problem_factory()
    store.compute(app)
    later = utcnow() + timedelta(seconds=app.config["INSIGHTS_MAX_AGE"] + 1)
    monkeypatch.setattr("civicboard.insights.store.utcnow", lambda: later)
    assert store.compute(app) == store.COMPUTED
    assert store.computed_at(app) == later


def test_a_staff_response_makes_the_next_computation_count_it(app, client, problem_factory, user_factory):
    problem = problem_factory()
    store.compute(app)
    factories.make_response(problem, user_factory(roles=["staff"], department="Parks"), status_to="resolved")
    assert store.compute(app) == store.COMPUTED


def test_hiding_a_problem_removes_it_from_the_next_figures(app, client, problem_factory):
    problem_factory()
    hidden = problem_factory()
    store.compute(app)
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert store.compute(app) == store.COMPUTED
    assert _problems(client) == "1"


def test_the_page_says_when_the_figures_were_computed(client, history, fixed_clock):
    page = client.get("/insights").get_data(as_text=True)
    assert "These were computed" in page
    assert "26 Nov 2026" in page or "Nov 26, 2026" in page or "2026-11-26" in page


def test_a_change_is_picked_up_in_the_background_after_the_debounce(app, client, problem_factory):
    app.config.update(SNAPSHOT_RUNNER="thread", INSIGHTS_CACHE_SECONDS=0)
    problem_factory()
    assert _problems(client) == "1"
    problem_factory()
    assert _problems(client) == "1"  # served at once; the read started a background refresh
    assert _wait_for(lambda: store.current(app).total == 2)
    assert _problems(client) == "2"


def test_reads_within_the_debounce_start_no_refresh(app, client, problem_factory):
    app.config.update(SNAPSHOT_RUNNER="thread", INSIGHTS_CACHE_SECONDS=3600)
    problem_factory()
    store.compute(app)
    problem_factory()
    assert not store.is_due(app)
    assert not store.refresh_in_background()
    assert _problems(client) == "1"


def test_a_reader_never_waits_for_a_computation(app, client, problem_factory, monkeypatch):
    problem_factory()
    store.compute(app)
    problem_factory()
    started, release = threading.Event(), threading.Event()
    real_compute = queries.compute

    def slow_compute(*args, **kwargs):
        started.set()
        release.wait(30)
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(queries, "compute", slow_compute)
    outcome = {}

    def compute_in_thread():
        with app.app_context():
            outcome["compute"] = store.compute(app)

    worker = threading.Thread(target=compute_in_thread)
    worker.start()
    try:
        assert started.wait(10), "the computation did not start"
        began = time.monotonic()
        assert client.get("/insights").status_code == 200
        assert _problems(client) == "1"
        assert time.monotonic() - began < 2
        assert store.compute(app) == store.BUSY
    finally:
        release.set()
        worker.join(30)
    assert outcome["compute"] == store.COMPUTED
    assert _problems(client) == "2"


def test_a_large_board_without_figures_is_answered_503_not_computed_inline(app, client, problem_factory):
    app.config["EXPORT_INLINE_MAX_PROBLEMS"] = 1
    problem_factory()
    problem_factory()
    for path in ("/insights", "/insights.csv"):
        response = client.get(path)
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
    assert store.current(app) is None


def test_figures_are_shared_by_every_process_using_the_folder(database_url, app, problem_factory):
    from tests.conftest import Client, make_app

    problem_factory()
    store.compute(app)
    problem_factory()
    other = make_app(database_url, EXPORT_FOLDER=app.config["EXPORT_FOLDER"])
    other.test_client_class = Client
    assert ",All problems,problems,1" in other.test_client().get("/insights.csv").get_data(as_text=True)


def test_insights_share_a_per_address_rate_limit(app, client, problem_factory):
    app.config["RATELIMIT_INSIGHTS"] = "2 per minute"
    problem_factory()
    assert client.get("/insights").status_code == 200
    assert client.get("/insights.csv").status_code == 200
    assert client.get("/insights").status_code == 429


def test_compute_command_computes_then_skips_when_unchanged(app, runner, problem_factory):
    problem_factory()
    assert "Figures computed" in runner.invoke(args=["insights", "compute"]).output
    assert "Nothing changed" in runner.invoke(args=["insights", "compute"]).output
    assert "Figures computed" in runner.invoke(args=["insights", "compute", "--force"]).output


def test_compute_command_skips_while_another_computation_holds_the_lock(app, runner):
    with snapshots.build_lock(app, store.LOCK_NAME):
        result = runner.invoke(args=["insights", "compute"])
    assert "Another computation is running" in result.output
