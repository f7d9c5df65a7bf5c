"""Signed-in pages kept as skeletons (civicboard.skeletons): shared by readers of the same kind,
and byte for byte what each reader would get without them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.problems.models import Problem, Vote
from civicboard.timeutil import utcnow

ROLES = [(), ("staff",), ("moderator",), ("organizer",), ("admin",)]
PAGES = ["/", "/?sort=new", "/?category=roads", "/search?q=bus", "/datasets", "/?status=active&sort=top"]
# A form token is the session's secret, signed with a time: the secret must be the reader's own.
TOKEN = re.compile(r'name="csrf_token" value="([^".]+)\.[^"]+"')


@pytest.fixture
def kept_app(app):
    """The app with the page cache on (the suite runs without one), so skeletons are kept."""
    from civicboard import pagecache, skeletons

    app.config["PAGE_CACHE_SECONDS"] = 30
    pagecache.register(app)
    skeletons.register(app)
    return app


@pytest.fixture
def board(kept_app, problem_factory, dataset_factory, category_factory, user_factory):
    """A board with a dataset, a category, a hidden problem and a few votes."""
    roads = category_factory(name="Roads")
    buses = dataset_factory(title="Bus stops <& shelters>")
    author = user_factory(name="Ana <b>Author</b>")
    problems = [
        problem_factory(title=f"Bus shelter {n} & more", author=author, datasets=[buses], category_id=roads.id)
        for n in range(4)
    ]
    problems.append(problem_factory(title="Hidden bus thing", author=author, hidden_at=utcnow(), hidden_reason="spam"))
    problems.append(problem_factory(title="Closed bus stop", author=author, status="resolved"))
    return problems


def _same(page: str) -> str:
    return TOKEN.sub(r'name="csrf_token" value="\1.(signed at some time)"', page)


def _two_readers(user_factory, login, make_client, roles):
    readers = []
    for n in (1, 2):
        user = user_factory(name=f"Reader {n} <i>{'-'.join(roles) or 'resident'}</i>", roles=list(roles))
        client = make_client()
        login(client, user)
        readers.append((client, user))
    return readers


def _kept_as_built(app, first, second, path: str) -> None:
    """The first reader's request builds the skeleton, the second's is filled from it, and is
    what the second reader gets from a page built for them alone."""
    built = first.get(path)
    kept = second.get(path)
    assert built.status_code == kept.status_code == 200, path
    assert built.headers["X-Cache"] == "miss" and kept.headers["X-Cache"] == "skeleton", path
    app.config["PAGE_CACHE_SECONDS"] = 0  # the same reader, the page built for them alone
    fresh = second.get(path)
    app.config["PAGE_CACHE_SECONDS"] = 30
    assert "X-Cache" not in fresh.headers
    assert _same(kept.get_data(as_text=True)) == _same(fresh.get_data(as_text=True)), path
    assert "Reader 1" not in kept.get_data(as_text=True), path


@pytest.mark.parametrize("roles", ROLES, ids=lambda roles: "-".join(roles) or "resident")
def test_a_kept_page_is_what_each_reader_would_get_without_it(kept_app, board, user_factory, login, make_client, roles):
    (first, _), (second, second_user) = _two_readers(user_factory, login, make_client, roles)
    # The second reader has votes of their own and unread notifications: only their page shows them.
    for problem in board[:2]:
        db.session.add(Vote(user_id=second_user.id, problem_id=problem.id))
    second_user.unread_notifications = 3
    db.session.commit()
    for path in PAGES:
        _kept_as_built(kept_app, first, second, path)


def test_votes_and_header_are_the_readers_own(kept_app, board, user_factory, login, make_client):
    (first, _), (second, second_user) = _two_readers(user_factory, login, make_client, ())
    db.session.add(Vote(user_id=second_user.id, problem_id=board[0].id))
    db.session.commit()
    first.get("/")
    page = second.get("/")
    assert page.headers["X-Cache"] == "skeleton"
    html = page.get_data(as_text=True)
    assert html.count('aria-pressed="true"') == 1
    assert f'/users/{second_user.id}"' in html and "Reader 2" in html
    # The token in a kept page is the reader's own: its vote form works.
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert second.post(f"/problems/{board[1].id}/vote", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Problem, board[1].id).vote_count == 1


def test_a_reader_who_changed_something_never_gets_an_older_page(kept_app, board, user_factory, login, make_client):
    from civicboard import pagecache

    (first, _), (second, _) = _two_readers(user_factory, login, make_client, ())
    store = kept_app.extensions[pagecache.EXTENSION_KEY]
    second.get("/")  # kept
    generation = store.get(pagecache.GENERATION_KEY)
    assert second.form(f"/problems/{board[0].id}/vote").status_code == 303
    # Another process (no Redis) still holds the generation the page was built under...
    store.set(pagecache.GENERATION_KEY, generation, timeout=0)
    assert first.get("/").headers["X-Cache"] == "skeleton"  # ...and serves others its copy a while,
    with_message = second.get("/")  # "Your vote is counted": built for them alone
    assert "X-Cache" not in with_message.headers
    again = second.get("/")
    assert again.headers["X-Cache"] == "miss"  # and never the old copy to the reader who voted.
    assert 'aria-pressed="true"' in again.get_data(as_text=True)


def test_pages_about_one_reader_are_never_kept(kept_app, board, user_factory, login, make_client, client):
    unconfirmed = user_factory(confirmed=False, email="new@example.org")
    login(client, unconfirmed)
    page = client.get("/")
    assert "X-Cache" not in page.headers and "new@example.org" in page.get_data(as_text=True)

    (resident, _), _ = _two_readers(user_factory, login, make_client, ())
    assert "X-Cache" not in resident.get("/?voted=1").headers

    # The author of a hidden problem sees it on the board; nobody else but moderators does.
    author = make_client()
    login(author, db.session.get(Problem, board[4].id).author)
    page = author.get("/")
    assert "X-Cache" not in page.headers and "Hidden bus thing" in page.get_data(as_text=True)
    assert "Hidden bus thing" not in resident.get("/").get_data(as_text=True)


def test_a_page_with_a_message_waiting_is_built_for_its_reader(kept_app, board, user_factory, login, make_client):
    (first, _), (second, _) = _two_readers(user_factory, login, make_client, ())
    first.get("/")
    with second.session_transaction() as sess:
        sess["_flashes"] = [("success", "Saved your settings.")]
    page = second.get("/")
    assert "X-Cache" not in page.headers and "Saved your settings." in page.get_data(as_text=True)
    assert second.get("/").headers["X-Cache"] == "skeleton"


def test_text_cannot_pass_for_a_hole(kept_app, board, problem_factory, user_factory, login, make_client):
    problem_factory(title="Odd \ue0000\ue001 title \ue000csrf\ue001")
    (first, _), (second, _) = _two_readers(user_factory, login, make_client, ())
    first.get("/")
    html = second.get("/").get_data(as_text=True)
    assert "Odd \ue0000\ue001 title \ue000csrf\ue001" in html


def test_a_kept_page_costs_a_few_queries_whatever_its_rows(
    kept_app, board, problem_factory, user_factory, login, make_client, count_queries
):
    (first, _), (second, _) = _two_readers(user_factory, login, make_client, ())
    first.get("/")
    with count_queries() as asked:
        assert second.get("/").headers["X-Cache"] == "skeleton"
    with count_queries() as few:
        assert second.get("/").headers["X-Cache"] == "skeleton"
    for n in range(10):
        problem_factory(title=f"More {n}")
    first.get("/")
    second.get("/")
    with count_queries() as more:
        assert second.get("/").headers["X-Cache"] == "skeleton"
    # The session with its user, the reader's own hidden problems (asked once per generation,
    # then kept with the skeletons), their votes among the rows.
    assert asked.count == 3, asked.statements
    assert few.count == more.count == 2, few.statements


def test_a_reader_whose_problem_is_hidden_meanwhile_gets_their_own_page(
    kept_app, board, problem_factory, user_factory, login, make_client
):
    from civicboard.moderation import services as moderation

    (first, _), (second, second_user) = _two_readers(user_factory, login, make_client, ())
    theirs = problem_factory(title="Second reader's pothole", author=second_user)
    first.get("/")
    assert second.get("/").headers["X-Cache"] == "skeleton"  # nothing of theirs is hidden: kept
    moderation.hide(user_factory(roles=["moderator"]), db.session.get(Problem, theirs.id), "Checking")
    db.session.commit()
    page = second.get("/")
    assert "X-Cache" not in page.headers and "Second reader&#39;s pothole" in page.get_data(as_text=True)
    assert "Second reader" not in first.get("/").get_data(as_text=True)


def test_each_kind_of_reader_gets_its_own_skeleton(kept_app, board, user_factory, login, make_client):
    (resident, _), (other_resident, _) = _two_readers(user_factory, login, make_client, ())
    (staff, _), _ = _two_readers(user_factory, login, make_client, ("staff",))
    (moderator, _), _ = _two_readers(user_factory, login, make_client, ("moderator",))
    resident.get("/")
    assert staff.get("/").headers["X-Cache"] == "miss"
    assert moderator.get("/").headers["X-Cache"] == "miss"
    assert "Hidden bus thing" in moderator.get("/").get_data(as_text=True)
    assert other_resident.get("/").headers["X-Cache"] == "skeleton"
    assert "Hidden bus thing" not in other_resident.get("/").get_data(as_text=True)


@pytest.fixture
def discussed(kept_app, board, user_factory):
    """A problem with a thread, a reply, a hidden comment and one resolved problem (its reopen form)."""
    commenter = user_factory(name="Cora <Commenter>")
    problem = db.session.get(Problem, board[0].id)
    first = services.add_comment(commenter, problem, "First **comment**")
    services.add_comment(commenter, problem, "A reply", parent_id=first.id)
    hidden = services.add_comment(commenter, problem, "Hidden words")
    hidden.hidden_at = utcnow()
    db.session.commit()
    return {"problem": problem, "resolved": board[5], "commenter": commenter}


@pytest.mark.parametrize("roles", ROLES, ids=lambda roles: "-".join(roles) or "resident")
def test_a_kept_problem_page_is_what_each_reader_would_get_without_it(
    kept_app, discussed, user_factory, login, make_client, roles
):
    (first, _), (second, second_user) = _two_readers(user_factory, login, make_client, roles)
    problem = discussed["problem"]
    # The second reader votes for it and follows it: only their page says so.
    db.session.add(Vote(user_id=second_user.id, problem_id=problem.id))
    services.follow_problem(second_user, problem)
    db.session.commit()
    for path in (
        f"/problems/{problem.id}",
        f"/problems/{discussed['resolved'].id}",
        f"/problems/{problem.id}?sort=new",
    ):
        _kept_as_built(kept_app, first, second, path)


def test_a_problem_page_with_the_readers_own_part_is_built_for_them(
    kept_app, discussed, user_factory, login, make_client
):
    from civicboard.moderation import services as moderation
    from civicboard.staff import reopen

    problem, resolved = discussed["problem"], db.session.get(Problem, discussed["resolved"].id)
    (other, _), _ = _two_readers(user_factory, login, make_client, ())
    other.get(f"/problems/{problem.id}")
    other.get(f"/problems/{resolved.id}")
    reporter, asker = user_factory(), user_factory()
    moderation.flag(reporter, "problem", problem.id, "spam")
    reopen.request_reopen(asker, resolved, "Still broken at the corner.")
    db.session.commit()
    for user, path in [
        (problem.author, f"/problems/{problem.id}"),  # the author: Edit, their photos
        (discussed["commenter"], f"/problems/{problem.id}"),  # a commenter: Edit and Delete, their hidden comment
        (reporter, f"/problems/{problem.id}"),  # "Reported"
        (asker, f"/problems/{resolved.id}"),  # "You said this is still not fixed"
    ]:
        reader = make_client()
        login(reader, user)
        reader.get("/")  # the login's message
        page = reader.get(path)
        assert page.status_code == 200 and "X-Cache" not in page.headers, (user.name, path)
    assert "Hidden words" not in other.get(f"/problems/{problem.id}").get_data(as_text=True)
    # The confirmation of a vote started before logging in is the reader's own too.
    assert "X-Cache" not in other.get(f"/problems/{problem.id}?vote=1").headers


def test_a_page_that_fails_while_kept_is_filled_and_not_kept(kept_app, board, user_factory, login, make_client):
    (reader, _), _ = _two_readers(user_factory, login, make_client, ())
    for _ in range(2):
        missing = reader.get("/problems/987654")
        html = missing.get_data(as_text=True)
        assert missing.status_code == 404 and "\ue000" not in html
        assert missing.headers.get("X-Cache") != "skeleton"  # never stored
        assert 'name="csrf_token" value="' in html


def test_kept_pages_read_without_a_transaction_on_postgresql(
    kept_app, board, user_factory, login, make_client, is_postgres
):
    """On PostgreSQL a kept page's statements run in autocommit (no BEGIN, no ROLLBACK: two
    round trips fewer); any other page keeps its transaction, and SQLite is left as it is."""
    from sqlalchemy import event

    (first, _), (second, _) = _two_readers(user_factory, login, make_client, ())
    first.get("/")
    seen: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, conn.get_execution_options().get("isolation_level")))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        db.session.commit()  # the test's own reads end here: the request starts the session's transaction
        assert second.get("/").headers["X-Cache"] == "skeleton"
        kept = list(seen)
        seen.clear()
        db.session.commit()
        assert second.get("/notifications").status_code == 200
        other = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert kept and other
    if is_postgres:
        assert all(level == "AUTOCOMMIT" for _, level in kept), kept
    else:
        assert all(level is None for _, level in kept), kept
    assert all(level is None for _, level in other), other
    # The connection went back with its transactions: the test's next statement is in one.
    db.session.execute(select(Problem.id).limit(1))
    assert db.session.connection().get_execution_options().get("isolation_level") is None


def test_a_session_seen_long_ago_is_touched_while_reading_a_kept_page(
    kept_app, board, user_factory, login, make_client
):
    """The session's `last_seen_at` touch is kept when the page reads without a transaction."""
    from datetime import timedelta

    from sqlalchemy import update

    from civicboard.auth.models import UserSession

    (first, _), (second, reader) = _two_readers(user_factory, login, make_client, ())
    first.get("/")
    long_ago = utcnow() - timedelta(hours=1)
    db.session.execute(update(UserSession).where(UserSession.user_id == reader.id).values(last_seen_at=long_ago))
    db.session.commit()
    assert second.get("/").headers["X-Cache"] == "skeleton"
    db.session.rollback()
    seen = db.session.execute(select(UserSession.last_seen_at).where(UserSession.user_id == reader.id)).scalar_one()
    assert seen > long_ago + timedelta(minutes=30)
