"""Full-text search: ranked, highlighted safely, filtered, hidden-aware, bounded, kept in sync."""

from __future__ import annotations

import re

import flask_migrate
import pytest
from sqlalchemy import inspect, text

from civicboard.extensions import db
from civicboard.problems import search, services
from civicboard.problems.queries import ProblemFilters
from civicboard.timeutil import utcnow
from tests.conftest import make_app

RESULT = re.compile(r'id="problem-(\d+)"')


def found(client, query: str) -> list[int]:
    response = client.get("/search", query_string={"q": query} if isinstance(query, str) else query)
    assert response.status_code == 200
    return [int(i) for i in RESULT.findall(response.get_data(as_text=True))]


def test_finds_problems_by_title_and_description(client, make_problem):
    by_title = make_problem("Flooded underpass on Medford Street")
    by_text = make_problem("Drainage problem", description="The underpass floods after every storm.")
    make_problem("Broken streetlight")
    assert sorted(found(client, "underpass")) == sorted([by_title.id, by_text.id])


def test_words_are_stemmed(client, make_problem):
    problem = make_problem("Flooding near the library")
    assert found(client, "floods") == [problem.id]


def test_every_word_must_match(client, make_problem):
    both = make_problem("Snow on the bike lanes")
    make_problem("Snow on sidewalks")
    assert found(client, "snow bike") == [both.id]


def test_title_matches_rank_above_description_matches(client, make_problem):
    in_text = make_problem("Unrelated heading", description="Mentions crosswalk once among many other words here.")
    in_title = make_problem("Crosswalk paint faded")
    assert found(client, "crosswalk") == [in_title.id, in_text.id]


def test_matches_are_highlighted(client, make_problem):
    make_problem("Crosswalk paint faded", description="The crosswalk at Porter Square is invisible at night.")
    html = client.get("/search?q=crosswalk").get_data(as_text=True)
    assert "<mark>Crosswalk</mark> paint faded" in html
    assert "<mark>crosswalk</mark> at Porter Square" in html


def test_highlighting_escapes_the_text_first(client, make_problem):
    make_problem("Crosswalk <script>alert(1)</script> faded", description="A <b>bold</b> crosswalk claim")
    html = client.get("/search?q=crosswalk").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>bold" not in html
    assert "&lt;script&gt;" in html


def test_the_highlighter_never_emits_raw_html():
    assert str(search.highlight("<i>x</i> \x02word\x03")) == "&lt;i&gt;x&lt;/i&gt; <mark>word</mark>"
    assert str(search.highlight("unbalanced \x02marker")) == "unbalanced marker"


def test_query_syntax_is_inert(client, make_problem):
    problem = make_problem("Parking meters broken")
    for query in ['"parking', "parking*", "parking:", "(parking", "-parking", "^parking", 'parking "']:
        assert found(client, query) == [problem.id], query
    for query in ["title:parking", "' OR 1=1 --", "a AND b OR NOT c"]:
        found(client, query)  # answers 200, whatever it finds


def test_a_query_of_only_punctuation_finds_nothing(client, make_problem):
    make_problem("Parking meters broken")
    assert found(client, "!!! ???") == []


def test_hidden_problems_never_appear(client, make_problem):
    problem = make_problem("Graffiti on the bridge")
    problem.hidden_at = utcnow()
    db.session.commit()
    assert found(client, "graffiti") == []


def test_authors_and_moderators_find_hidden_problems(make_client, login, make_problem, user_factory, moderator):
    author = user_factory()
    problem = make_problem("Graffiti on the bridge", author=author)
    problem.hidden_at = utcnow()
    db.session.commit()
    for user in (author, moderator):
        browser = make_client()
        login(browser, user)
        assert found(browser, "graffiti") == [problem.id]


def test_search_combines_with_the_board_filters(client, make_problem, dataset_factory, category_factory, user_factory):
    parks = category_factory(name="Parks")
    dataset = dataset_factory(title="Park Inventory")
    wanted = make_problem("Broken swings", datasets=[dataset], category_id=parks.id)
    make_problem("Broken swings again", category_id=parks.id)
    closed = make_problem("Broken swings fixed", datasets=[dataset], category_id=parks.id)
    closed.status = "resolved"
    db.session.commit()
    assert found(client, {"q": "swings", "dataset": dataset.id, "status": "active", "category": "parks"}) == [wanted.id]


def test_edits_and_deletes_keep_the_index_in_sync(app, make_problem, user_factory):
    author = user_factory()
    problem = make_problem("Old wording here", author=author)
    services.edit_problem(
        author,
        problem,
        title="Fresh wording here",
        description=problem.description,
        dataset_ids=[link.dataset_id for link in problem.dataset_links],
    )
    db.session.commit()
    assert [h.problem.id for h in search.search_problems(None, "fresh").items] == [problem.id]
    assert search.search_problems(None, "old").items == []
    db.session.delete(problem)
    db.session.commit()
    assert search.search_problems(None, "fresh").items == []


def test_only_a_bounded_set_of_recent_matches_is_ranked(app, make_problem, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 5)
    problems = [make_problem(f"Pothole report number {n}") for n in range(8)]
    results = search.search_problems(None, "pothole", page_size=20)
    assert results.capped and results.total == 5
    ranked = {hit.problem.id for hit in results.items}
    assert {p.id for p in problems[-5:]} <= ranked
    assert problems[0].id not in ranked


def test_results_are_paginated(app, make_problem):
    for n in range(25):
        make_problem(f"Pothole report number {n}")
    first = search.search_problems(None, "pothole", page=1)
    second = search.search_problems(None, "pothole", page=2)
    assert (len(first.items), len(second.items), first.pages, first.total) == (20, 5, 2, 25)
    assert not {h.problem.id for h in first.items} & {h.problem.id for h in second.items}


def test_search_filters_are_the_board_filters(app, make_problem, user_factory):
    voter = user_factory()
    voted = make_problem("Pothole on Elm")
    make_problem("Pothole on Oak")
    services.vote(voter, voted.id)
    db.session.commit()
    results = search.search_problems(voter, "pothole", filters=ProblemFilters(voted_by_me=True))
    assert [h.problem.id for h in results.items] == [voted.id]
    assert results.voted_ids == {voted.id}


def test_the_migration_creates_the_search_index(empty_database_url, is_postgres):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        if is_postgres:
            columns = {c["name"] for c in inspect(db.engine).get_columns("problems")}
            indexes = {i["name"] for i in inspect(db.engine).get_indexes("problems")}
            assert "search_vector" in columns and "ix_problems_search_vector" in indexes
        else:
            with db.engine.connect() as conn:
                names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
            assert {"problems_fts", "problems_fts_after_insert", "problems_fts_after_update"} <= names
        flask_migrate.downgrade(revision="0002")
        if is_postgres:
            assert "search_vector" not in {c["name"] for c in inspect(db.engine).get_columns("problems")}
        else:
            assert "problems_fts" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


@pytest.mark.parametrize("q", ["", "   "])
def test_an_empty_query_shows_the_form(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200 and "Words to find" in response.get_data(as_text=True)
