"""The board: sorts, filters, keyset pagination, hidden problems, what each item shows."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from civicboard.extensions import db
from civicboard.problems import queries, services
from civicboard.problems.queries import ProblemFilters
from civicboard.timeutil import utcnow

ITEM = re.compile(r'id="problem-(\d+)"')


def listed(client, url: str = "/") -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    return [int(i) for i in ITEM.findall(response.get_data(as_text=True))]


def test_the_board_shows_title_status_votes_comments_datasets_category_author(
    client, make_problem, dataset_factory, category_factory, user_factory
):
    category = category_factory(name="Transit")
    dataset = dataset_factory(title="MBTA Bus Stops")
    author = user_factory(name="Rosa Resident")
    problem = make_problem("Bus shelter missing at Davis", author=author, datasets=[dataset], category_id=category.id)
    html = client.get("/").get_data(as_text=True)
    for text in (
        "Bus shelter missing at Davis",
        "Open",
        "MBTA Bus Stops",
        "Transit",
        "Rosa Resident",
        "0 comments",
        "just now",
    ):
        assert text in html
    assert f'action="/problems/{problem.id}/vote"' not in html  # anonymous: a log-in link instead
    assert "Log in to vote<span" in html


def test_hot_is_the_default_sort(client, make_problem, user_factory):
    quiet = make_problem("Quiet problem here")
    busy = make_problem("Busy problem here")
    for _ in range(5):
        services.vote(user_factory(), busy.id)
    db.session.commit()
    assert listed(client) == [busy.id, quiet.id]


def test_new_sorts_by_creation(client, problem_factory):
    old = problem_factory(created_at=utcnow() - timedelta(days=3))
    new = problem_factory()
    assert listed(client, "/?sort=new") == [new.id, old.id]


def test_top_sorts_by_votes_even_against_age(client, problem_factory):
    old = problem_factory(created_at=utcnow() - timedelta(days=30), vote_count=9)
    new = problem_factory(vote_count=2)
    assert listed(client, "/?sort=top") == [old.id, new.id]
    assert listed(client, "/?sort=hot") == [new.id, old.id]


def test_discussed_sorts_by_comments(client, problem_factory):
    a = problem_factory(comment_count=1)
    b = problem_factory(comment_count=7)
    assert listed(client, "/?sort=discussed") == [b.id, a.id]


def test_status_filter(client, problem_factory):
    open_ = problem_factory()
    done = problem_factory(status="resolved")
    assert listed(client, "/?status=resolved") == [done.id]
    assert listed(client, "/?status=active") == [open_.id]
    assert listed(client, "/?status=closed") == [done.id]


def test_dataset_filter(client, problem_factory, dataset_factory):
    dataset = dataset_factory(title="Tree Inventory")
    tied = problem_factory(datasets=[dataset])
    problem_factory(datasets=[dataset_factory()])
    response = client.get(f"/?dataset={dataset.id}")
    assert listed(client, f"/?dataset={dataset.id}") == [tied.id]
    assert "Problems tied to" in response.get_data(as_text=True)


def test_category_filter(client, problem_factory, category_factory):
    parks = category_factory(name="Parks")
    in_parks = problem_factory(category_id=parks.id)
    problem_factory()
    assert listed(client, "/?category=parks") == [in_parks.id]


def test_voted_by_me_filter(logged_in, problem_factory):
    client, user = logged_in
    mine = problem_factory()
    problem_factory()
    services.vote(user, mine.id)
    db.session.commit()
    assert listed(client, "/?voted=1") == [mine.id]


def test_voted_by_me_is_ignored_when_logged_out(client, problem_factory):
    problem_factory()
    assert len(listed(client, "/?voted=1")) == 1


def test_hidden_problems_are_left_out_for_others(client, problem_factory):
    problem_factory(hidden_at=utcnow())
    shown = problem_factory()
    assert listed(client) == [shown.id]


def test_authors_and_moderators_still_see_hidden_problems(make_client, login, problem_factory, user_factory, moderator):
    author = user_factory()
    hidden = problem_factory(author=author, hidden_at=utcnow())
    for user in (author, moderator):
        browser = make_client()
        login(browser, user)
        assert listed(browser) == [hidden.id]


def test_twenty_per_page_then_keyset_cursor(client, problem_factory):
    problems = [problem_factory() for _ in range(25)]
    first = listed(client, "/?sort=new")
    assert len(first) == 20
    html = client.get("/?sort=new").get_data(as_text=True)
    cursor = re.search(r'after=([^"&]+)" rel="next"', html).group(1)
    second = listed(client, f"/?sort=new&after={cursor}")
    assert first + second == [p.id for p in reversed(problems)]
    assert 'rel="next"' not in client.get(f"/?sort=new&after={cursor}").get_data(as_text=True)


def test_keyset_pagination_walks_ties_in_every_sort(app, problem_factory):
    problems = [problem_factory(vote_count=n % 3, comment_count=n % 2) for n in range(45)]
    for sort in ("hot", "top", "new", "discussed"):
        seen, after = [], None
        while True:
            page = queries.list_problems(None, sort=sort, after=after)
            seen += [p.id for p in page.items]
            if not page.next_cursor:
                break
            after = page.next_cursor
        assert sorted(seen) == sorted(p.id for p in problems), sort
        assert len(seen) == len(set(seen)) == 45, sort


def test_the_next_page_is_a_keyset_range_not_an_offset(app, problem_factory):
    for _ in range(3):
        problem_factory()
    page = queries.list_problems(None, sort="top", filters=ProblemFilters(status="open"), limit=1)
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        queries.list_problems(None, sort="top", after=page.next_cursor, limit=1)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = seen[0]
    assert "problems.vote_count <" in statement
    # SQLite always renders "LIMIT ? OFFSET ?"; the offset must then be 0.
    if "OFFSET" in statement.upper():
        values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
        assert values[-1] == 0


def test_a_bad_cursor_starts_from_the_top(client, problem_factory):
    problem = problem_factory()
    assert listed(client, "/?after=not-a-cursor") == [problem.id]


def test_the_vote_button_shows_my_vote(logged_in, problem_factory):
    client, user = logged_in
    problem = problem_factory()
    services.vote(user, problem.id)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert f'action="/problems/{problem.id}/unvote"' in html
    assert 'aria-pressed="true"' in html
