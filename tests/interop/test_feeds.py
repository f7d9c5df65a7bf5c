"""Atom feeds: newest problems, a dataset's activity, a published challenge's additions."""

from __future__ import annotations

from datetime import timedelta

from civicboard.extensions import db
from civicboard.timeutil import utcnow
from tests.interop import factories
from tests.interop.conftest import ATOM, entries, parse_atom


def _hide(problem):
    problem.hidden_at = utcnow()
    db.session.commit()


# -- /feeds/problems.atom -------------------------------------------------------------------


def test_problems_feed_is_valid_atom_with_links_to_problem_pages(client, problem_factory, category_factory):
    category = category_factory("Street safety")
    problem = problem_factory("Crossing on Elm St is dangerous", category_id=category.id)
    response = client.get("/feeds/problems.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = parse_atom(response.data)
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == "http://localhost/feeds/problems.atom"
    [entry] = entries(root)
    assert entry["title"] == "Crossing on Elm St is dangerous"
    assert entry["link"] == f"http://localhost/problems/{problem.id}"
    assert entry["id"] == f"tag:localhost,{problem.created_at.date().isoformat()}:problems/{problem.id}"
    assert entry["author"] == problem.author.name
    assert "street-safety" in entry["categories"]


def test_problems_feed_names_statuses_the_same_for_every_reader(client, problem_factory):
    """A feed is data, cacheable as it is: a Spanish browser gets the statuses in the board's first language."""
    problem_factory("Crossing on Elm St is dangerous")
    feed = client.get("/feeds/problems.atom", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'label="Open"' in feed and "Abierto" not in feed


def test_problems_feed_lists_newest_first(client, problem_factory):
    now = utcnow()
    older = problem_factory("Older", created_at=now - timedelta(days=2))
    newer = problem_factory("Newer", created_at=now - timedelta(days=1))
    titles = [e["title"] for e in entries(parse_atom(client.get("/feeds/problems.atom").data))]
    assert titles == [newer.title, older.title]


def test_problems_feed_leaves_out_hidden_problems(client, problem_factory):
    problem_factory("Visible one")
    _hide(problem_factory("Hidden spam"))
    titles = [e["title"] for e in entries(parse_atom(client.get("/feeds/problems.atom").data))]
    assert titles == ["Visible one"]


def test_problems_feed_holds_at_most_50_entries(client, problem_factory):
    for _ in range(53):
        problem_factory()
    assert len(entries(parse_atom(client.get("/feeds/problems.atom").data))) == 50


def test_feed_content_is_the_sanitized_html_escaped_as_text(client, problem_factory):
    problem_factory(
        'Rats & <script>alert("x")</script> on Main',
        description="Seen **every** night. <img src=x onerror=alert(1)>",
    )
    body = client.get("/feeds/problems.atom").data
    assert b"<script>" not in body
    [entry] = entries(parse_atom(body))
    assert entry["title"] == 'Rats & <script>alert("x")</script> on Main'
    assert "<strong>every</strong>" in entry["content"]
    assert "<img" not in entry["content"]


def test_feed_drops_characters_xml_cannot_carry(client, problem_factory):
    problem_factory("Bell\x07 and form\x0cfeed")
    [entry] = entries(parse_atom(client.get("/feeds/problems.atom").data))
    assert entry["title"] == "Bell and formfeed"


def test_entry_ids_stay_the_same_when_a_problem_changes(client, problem_factory):
    problem = problem_factory("Pothole")
    before = entries(parse_atom(client.get("/feeds/problems.atom").data))[0]
    problem.title = "Pothole on Broadway"
    problem.updated_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    after = entries(parse_atom(client.get("/feeds/problems.atom").data))[0]
    assert after["id"] == before["id"]
    assert after["updated"] > before["updated"]


def test_problems_feed_asks_a_fixed_number_of_queries(client, problem_factory, category_factory, count_queries):
    category = category_factory()

    def measure(total: int) -> int:
        while db.session.query(factories.Problem).count() < total:
            problem_factory(category_id=category.id)
        with count_queries() as counter:
            assert client.get("/feeds/problems.atom").status_code == 200
        return counter.count

    small, large = measure(20), measure(40)
    assert small == large <= 2


# -- /feeds/datasets/<id>.atom --------------------------------------------------------------


def test_dataset_feed_lists_tied_problems_responses_and_evidence(
    client, dataset_factory, problem_factory, response_factory, evidence_factory
):
    dataset = dataset_factory("Traffic crashes")
    other = dataset_factory("Tree inventory")
    now = utcnow()
    tied = problem_factory("Crashes at Union Square", datasets=[dataset], created_at=now - timedelta(days=3))
    problem_factory("Dead trees", datasets=[other])
    response_factory(tied, body="A signal study is **planned**.", created_at=now - timedelta(days=2))
    evidence_factory(tied, dataset, stance="supports", caption="12 crashes in 2025", created_at=now - timedelta(days=1))
    response = client.get(f"/feeds/datasets/{dataset.id}.atom")
    assert response.status_code == 200
    found = entries(parse_atom(response.data))
    assert [e["title"] for e in found] == [
        "Evidence (supports): Crashes at Union Square",
        "Official response: Crashes at Union Square",
        "Crashes at Union Square",
    ]
    assert found[1]["author"] == "Transportation"
    assert "<strong>planned</strong>" in found[1]["content"]
    assert "12 crashes in 2025" in found[0]["content"]
    assert all(e["link"].startswith(f"http://localhost/problems/{tied.id}") for e in found)


def test_dataset_feed_leaves_out_hidden_problems_their_responses_and_removed_evidence(
    client, dataset_factory, problem_factory, response_factory, evidence_factory
):
    dataset = dataset_factory()
    hidden = problem_factory("Hidden", datasets=[dataset])
    response_factory(hidden, body="Answer to a hidden problem")
    evidence_factory(hidden, dataset, caption="Evidence on a hidden problem")
    _hide(hidden)
    visible = problem_factory("Visible", datasets=[dataset])
    evidence_factory(visible, dataset, caption="Withdrawn evidence", removed=True)
    found = entries(parse_atom(client.get(f"/feeds/datasets/{dataset.id}.atom").data))
    assert [e["title"] for e in found] == ["Visible"]


def test_dataset_feed_of_an_unknown_dataset_is_not_found(client):
    assert client.get("/feeds/datasets/999.atom").status_code == 404
    assert client.get("/feeds/datasets/99999999999.atom").status_code == 404


def test_dataset_feed_asks_a_fixed_number_of_queries(
    client, dataset_factory, problem_factory, response_factory, evidence_factory, count_queries
):
    dataset = dataset_factory()
    url = f"/feeds/datasets/{dataset.id}.atom"

    def grow(n: int) -> None:
        for _ in range(n):
            problem = problem_factory(datasets=[dataset])
            response_factory(problem)
            evidence_factory(problem, dataset)

    def measure() -> int:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    grow(10)
    small = measure()
    grow(10)
    assert measure() == small <= 4


# -- /feeds/challenges/<slug>.atom ----------------------------------------------------------


def test_challenge_feed_lists_curated_problems_and_projects(client, challenge_factory, problem_factory, user_factory):
    challenge = challenge_factory("safe-streets", title="Safe Streets")
    now = utcnow()
    problem = problem_factory("Speeding on Highland Ave")
    factories.curate(challenge, problem, note="Speed data exists", added_at=now - timedelta(days=2))
    factories.make_project(
        challenge, user_factory(), "Speed Map", repository_url="https://code.example.org/speed", created_at=now
    )
    response = client.get("/feeds/challenges/safe-streets.atom")
    assert response.status_code == 200
    found = entries(parse_atom(response.data))
    assert [e["title"] for e in found] == ["Project: Speed Map", "Speeding on Highland Ave"]
    assert "Speed data exists" in found[1]["content"]
    assert found[1]["link"] == f"http://localhost/problems/{problem.id}"
    assert 'href="https://code.example.org/speed"' in found[0]["content"]


def test_challenge_feed_of_a_draft_is_not_found(client, challenge_factory):
    challenge_factory("secret-plans", status="draft")
    assert client.get("/feeds/challenges/secret-plans.atom").status_code == 404
    assert client.get("/feeds/challenges/no-such-thing.atom").status_code == 404


def test_challenge_feed_leaves_out_hidden_problems_and_projects(
    client, challenge_factory, problem_factory, user_factory
):
    challenge = challenge_factory()
    hidden = problem_factory("Hidden problem")
    factories.curate(challenge, hidden)
    _hide(hidden)
    factories.curate(challenge, problem_factory("Visible problem"))
    factories.make_project(challenge, user_factory(), "Hidden project", hidden=True)
    titles = [e["title"] for e in entries(parse_atom(client.get("/feeds/challenges/open-streets.atom").data))]
    assert titles == ["Visible problem"]


def test_challenge_feed_asks_a_fixed_number_of_queries(
    client, challenge_factory, problem_factory, user_factory, count_queries
):
    challenge = challenge_factory()
    author = user_factory()

    def grow(n: int) -> None:
        for i in range(n):
            factories.curate(challenge, problem_factory())
            factories.make_project(challenge, author, f"Project {i}")

    def measure() -> int:
        with count_queries() as counter:
            assert client.get("/feeds/challenges/open-streets.atom").status_code == 200
        return counter.count

    grow(10)
    small = measure()
    grow(10)
    assert measure() == small <= 3


def test_feed_readers_can_poll_with_etags(client, problem_factory):
    problem_factory()
    first = client.get("/feeds/problems.atom")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/feeds/problems.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    problem_factory()
    assert client.get("/feeds/problems.atom", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_open_data_responses_set_no_cookie_even_for_a_logged_in_reader(logged_in, problem_factory):
    client, _ = logged_in
    problem_factory()
    for path in ("/feeds/problems.atom", "/exports/problems.csv", "/data.json", "/open311/v2/requests.json"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
        assert response.headers["Cache-Control"] == "public, max-age=60"
