"""A thread of any size is a page of fixed size: a problem's comments come a page at a time.

The newest page comes first; "Show earlier/later comments" are plain links (keyset cursors)
that a script may follow in place through `?fragment=1`; a link to a comment lands on the
page that holds it; the page asks the database the same number of questions for 10 or 300
comments.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from civicboard.extensions import db
from civicboard.markup import render
from civicboard.problems import threads
from civicboard.problems.models import Comment
from civicboard.timeutil import utcnow

TOP_LEVEL = re.compile(r'<li class="thread">\s*<article class="comment[^"]*" id="comment-(\d+)"')
ANY_COMMENT = re.compile(r'<article class="comment[^"]*" id="comment-(\d+)"')


def nav_link(page: str, direction: str) -> str | None:
    """The href of the "earlier" or "later" link of a page of comments, if any."""
    match = re.search(rf'data-comment-nav="{direction}"><a href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def thread_of(make_problem, user_factory):
    """thread_of(n, replies={index: count}, hidden={index}) -> (problem, [top-level comments]).

    Rows are written directly (the services' notifications would make 300 comments slow);
    every third pair shares a timestamp, so ties are broken by id as the cursors must be.
    """

    def make(n: int, replies: dict[int, int] | None = None, hidden: set[int] | None = None):
        problem = make_problem()
        people = [user_factory() for _ in range(3)]
        start = utcnow() - timedelta(days=30)
        tops = []
        for i in range(n):
            at = start + timedelta(minutes=i - (i % 3 == 1))
            comment = Comment(
                problem_id=problem.id,
                author_id=people[i % 3].id,
                body=f"Comment {i}",
                body_html=render(f"Comment {i}"),
                created_at=at,
                hidden_at=utcnow() if i in (hidden or set()) else None,
            )
            db.session.add(comment)
            tops.append(comment)
        db.session.flush()
        for index, count in (replies or {}).items():
            for r in range(count):
                db.session.add(
                    Comment(
                        problem_id=problem.id,
                        author_id=people[r % 3].id,
                        parent_id=tops[index].id,
                        body=f"Reply {r} to {index}",
                        body_html=render(f"Reply {r} to {index}"),
                        created_at=utcnow() - timedelta(days=1) + timedelta(minutes=r),
                    )
                )
        problem.comment_count = n + sum((replies or {}).values())
        db.session.commit()
        return problem, tops

    return make


def test_a_long_thread_shows_one_page_of_the_newest_comments(client, thread_of):
    problem, tops = thread_of(300)
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    shown = [int(i) for i in TOP_LEVEL.findall(page)]
    assert shown == [c.id for c in tops[-threads.PAGE_SIZE :]]
    assert nav_link(page, "earlier") == f"/problems/{problem.id}?before={tops[-threads.PAGE_SIZE].id}#comments"
    assert nav_link(page, "later") is None
    assert "300 comments" in page


def test_a_short_thread_is_one_page_without_links(client, thread_of):
    problem, tops = thread_of(12)
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert [int(i) for i in TOP_LEVEL.findall(page)] == [c.id for c in tops]
    assert nav_link(page, "earlier") is None and nav_link(page, "later") is None


def walk(client, url: str, direction: str) -> tuple[list[int], int]:
    """Follow a direction's links from url to the end: the top-level ids seen, and the pages."""
    seen: list[int] = []
    pages = 0
    while url:
        page = client.get(url).get_data(as_text=True)
        pages += 1
        ids = [int(i) for i in TOP_LEVEL.findall(page)]
        assert 0 < len(ids) <= threads.PAGE_SIZE
        seen = ids + seen if direction == "earlier" else seen + ids
        url = nav_link(page, direction)
    return seen, pages


def test_following_earlier_then_later_links_shows_every_comment_once(client, thread_of):
    problem, tops = thread_of(301, replies={0: 3, 150: 12})
    expected = [c.id for c in tops]
    seen, pages = walk(client, f"/problems/{problem.id}", "earlier")
    assert seen == expected  # no duplicate, no gap, in order
    assert pages == 7
    oldest = client.get(f"/problems/{problem.id}?comment={tops[0].id}").get_data(as_text=True)
    assert nav_link(oldest, "earlier") is None
    seen, pages = walk(client, f"/problems/{problem.id}?comment={tops[0].id}", "later")
    assert seen == expected


def test_comments_hidden_from_the_reader_leave_no_gap_in_the_pages(client, thread_of, login, moderator):
    problem, tops = thread_of(120, hidden={3, 60, 61, 119})
    seen, _ = walk(client, f"/problems/{problem.id}", "earlier")
    assert seen == [c.id for i, c in enumerate(tops) if i not in {3, 60, 61, 119}]
    login(client, moderator)
    seen, _ = walk(client, f"/problems/{problem.id}", "earlier")
    assert seen == [c.id for c in tops]


def test_a_hidden_comment_with_visible_replies_stays_as_a_placeholder(client, thread_of):
    problem, tops = thread_of(3, replies={1: 1}, hidden={1})
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert [int(i) for i in TOP_LEVEL.findall(page)] == [c.id for c in tops]
    assert "Comment hidden by a moderator." in page and "Comment 1" not in page
    assert "Reply 0 to 1" in page


def test_a_comment_with_many_replies_shows_the_newest_and_links_to_the_rest(client, thread_of):
    problem, tops = thread_of(2, replies={0: 75})
    replies = list(
        db.session.execute(db.select(Comment).where(Comment.parent_id == tops[0].id).order_by(Comment.id)).scalars()
    )
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    shown = [int(i) for i in ANY_COMMENT.findall(page)]
    assert shown == [tops[0].id, *[r.id for r in replies[-threads.REPLIES_SHOWN :]], tops[1].id]
    assert "Show 65 earlier replies" in page
    url = f"/problems/{problem.id}?thread={tops[0].id}"
    assert f'href="{url}#comment-{tops[0].id}"' in page
    seen = []
    while url:
        thread_page = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in ANY_COMMENT.findall(thread_page)][1:]  # after the top-level comment
        url = nav_link(thread_page, "later")
    assert seen == [r.id for r in replies]


def test_a_link_to_an_old_comment_lands_on_the_page_that_holds_it(client, thread_of):
    problem, tops = thread_of(200)
    target = tops[20]
    assert f'id="comment-{target.id}"' not in client.get(f"/problems/{problem.id}").get_data(as_text=True)
    page = client.get(f"/problems/{problem.id}?comment={target.id}").get_data(as_text=True)
    assert TOP_LEVEL.findall(page)[0] == str(target.id)
    assert nav_link(page, "earlier") == f"/problems/{problem.id}?before={target.id}#comments"
    assert nav_link(page, "later") is not None


def test_a_link_to_a_reply_lands_on_its_thread(client, thread_of):
    problem, tops = thread_of(120, replies={5: 30})
    reply = db.session.execute(
        db.select(Comment).where(Comment.parent_id == tops[5].id).order_by(Comment.id).offset(3).limit(1)
    ).scalar_one()
    page = client.get(f"/problems/{problem.id}?comment={reply.id}").get_data(as_text=True)
    ids = [int(i) for i in ANY_COMMENT.findall(page)]
    assert ids[0] == tops[5].id and ids[1] == reply.id
    assert f"?comment={tops[5].id}#comment-{tops[5].id}" in page  # back to all comments


def test_a_link_to_a_comment_the_reader_may_not_see_shows_the_newest_page(client, thread_of):
    problem, tops = thread_of(80, hidden={2})
    page = client.get(f"/problems/{problem.id}?comment={tops[2].id}").get_data(as_text=True)
    assert [int(i) for i in TOP_LEVEL.findall(page)] == [c.id for c in tops[-threads.PAGE_SIZE :]]
    assert "Comment 2" not in page


def test_links_to_comments_carry_the_comment_so_they_land_on_its_page(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/comments", {"body": "Me too."})
    comment = db.session.execute(db.select(Comment)).scalar_one()
    assert response.headers["Location"].endswith(f"/problems/{problem.id}?comment={comment.id}#comment-{comment.id}")


def test_the_fragment_holds_only_the_next_page_of_comments(client, thread_of):
    problem, tops = thread_of(130)
    fragment = client.get(f"/problems/{problem.id}?before={tops[80].id}&fragment=1").get_data(as_text=True)
    assert "<html" not in fragment and "<h1" not in fragment
    assert [int(i) for i in TOP_LEVEL.findall(fragment)] == [c.id for c in tops[30:80]]
    assert nav_link(fragment, "earlier") == f"/problems/{problem.id}?before={tops[30].id}#comments"
    assert nav_link(fragment, "later") == f"/problems/{problem.id}?after={tops[79].id}#comments"


def test_a_cursor_that_matches_nothing_shows_an_empty_page_with_a_way_back(client, thread_of):
    problem, _ = thread_of(5)
    response = client.get(f"/problems/{problem.id}?before=999999")
    assert response.status_code == 200
    assert "See the newest comments" in response.get_data(as_text=True)


def test_the_page_size_is_bounded_for_a_huge_thread(client, thread_of):
    problem, _ = thread_of(1000, replies=dict.fromkeys(range(950, 1000), 3))
    body = client.get(f"/problems/{problem.id}").get_data()
    assert len(ANY_COMMENT.findall(body.decode())) == threads.PAGE_SIZE * (1 + 3)
    assert len(body) < 150_000


def count_page(client, count_queries, url: str) -> int:
    client.get(url)  # warm-up: template compilation is not the page's cost
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_page_asks_the_same_number_of_questions_for_10_or_300_comments(
    signed_in, client, thread_of, count_queries, user_factory, login
):
    if signed_in:
        login(client, user_factory())
    counts = []
    for n in (10, 300):
        problem, tops = thread_of(n, replies={0: 15, n - 1: 15})
        counts.append(
            (
                count_page(client, count_queries, f"/problems/{problem.id}"),
                count_page(client, count_queries, f"/problems/{problem.id}?before={tops[-1].id}"),
                count_page(client, count_queries, f"/problems/{problem.id}?comment={tops[1].id}"),
                count_page(client, count_queries, f"/problems/{problem.id}?thread={tops[0].id}"),
                count_page(client, count_queries, f"/problems/{problem.id}?before={tops[-1].id}&fragment=1"),
            )
        )
    assert counts[0] == counts[1], counts


def test_a_comment_links_to_itself_on_the_page_that_holds_it(client, thread_of):
    problem, tops = thread_of(60)
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    newest = tops[-1].id
    assert f'href="/problems/{problem.id}?comment={newest}#comment-{newest}"' in page


@pytest.mark.parametrize("query", ["before=abc", "after=-3", "comment=99999999999999999999999", "thread=0"])
def test_a_malformed_position_shows_the_newest_page(client, thread_of, query):
    problem, tops = thread_of(60)
    response = client.get(f"/problems/{problem.id}?{query}")
    assert response.status_code == 200
    shown = [int(i) for i in TOP_LEVEL.findall(response.get_data(as_text=True))]
    assert shown == [c.id for c in tops[-threads.PAGE_SIZE :]]


def test_a_link_to_a_first_reply_offers_no_earlier_replies(client, thread_of):
    problem, tops = thread_of(3, replies={1: 4})
    first, third = (
        db.session.execute(db.select(Comment.id).where(Comment.parent_id == tops[1].id).order_by(Comment.id))
        .scalars()
        .all()[0:3:2]
    )
    assert "Show the first replies" not in client.get(f"/problems/{problem.id}?comment={first}").get_data(as_text=True)
    assert "Show the first replies" in client.get(f"/problems/{problem.id}?comment={third}").get_data(as_text=True)
