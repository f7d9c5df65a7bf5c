"""A long thread in a real browser: earlier comments load in place with the script, as a new
page without it, and an old-style link to a comment finds the page that holds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.axe import assert_no_serious_violations

EXTRA_COMMENTS = 70


@pytest.fixture(scope="module")
def long_thread(live_server) -> tuple[int, list[int]]:
    """A new problem with EXTRA_COMMENTS top-level comments: (problem id, comment ids, oldest first).

    Written straight into the server's database: seventy comments through the forms would
    take most of the test's time and hit the comment rate limit.
    """
    engine = create_engine(live_server.database_url)
    start = datetime(2024, 1, 1)
    with engine.begin() as conn:
        problem_id, author_id = conn.execute(
            text(
                "SELECT id, author_id FROM problems WHERE hidden_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.problem_id = problems.id) ORDER BY id LIMIT 1"
            )
        ).one()
        for i in range(EXTRA_COMMENTS):
            conn.execute(
                text(
                    "INSERT INTO comments (problem_id, author_id, body, body_html, created_at,"
                    " flag_count, hidden_reason) VALUES (:p, :a, :b, :h, :t, 0, '')"
                ),
                {
                    "p": problem_id,
                    "a": author_id,
                    "b": f"Remark {i}",
                    "h": f"<p>Remark {i}</p>",
                    "t": start + timedelta(minutes=i),
                },
            )
        ids = list(
            conn.execute(
                text("SELECT id FROM comments WHERE problem_id = :p ORDER BY created_at, id"), {"p": problem_id}
            ).scalars()
        )
    engine.dispose()
    return problem_id, ids


def threads(page: Page):
    return page.locator("ol.comment-list > li.thread")


def test_earlier_comments_load_in_place(page: Page, long_thread) -> None:
    problem_id, ids = long_thread
    page.goto(f"/problems/{problem_id}")
    expect(threads(page)).to_have_count(50)
    expect(page.locator(f"#comment-{ids[0]}")).to_have_count(0)
    page.get_by_role("link", name="Show earlier comments").click()
    expect(threads(page)).to_have_count(EXTRA_COMMENTS)
    assert page.url.endswith(f"/problems/{problem_id}")  # no navigation: loaded in place
    expect(page.get_by_role("link", name="Show earlier comments")).to_have_count(0)
    expect(page.locator(f"#comment-{ids[0]}")).to_be_focused()
    shown = threads(page).locator("> article").evaluate_all("els => els.map(e => Number(e.id.split('-')[1]))")
    assert shown == ids
    assert_no_serious_violations(page)


def test_without_javascript_the_link_opens_the_earlier_page(
    new_context: Callable[..., BrowserContext], live_server, long_thread
) -> None:
    problem_id, ids = long_thread
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/problems/{problem_id}")
    page.get_by_role("link", name="Show earlier comments").click()
    expect(page).to_have_url(f"{live_server.url}/problems/{problem_id}?before={ids[-50]}#comments")
    expect(threads(page)).to_have_count(EXTRA_COMMENTS - 50)
    expect(page.get_by_role("link", name="Show later comments")).to_be_visible()


def test_an_old_style_link_to_a_comment_finds_its_page(page: Page, live_server, long_thread) -> None:
    problem_id, ids = long_thread
    page.goto(f"/problems/{problem_id}#comment-{ids[0]}")
    expect(page).to_have_url(f"{live_server.url}/problems/{problem_id}?comment={ids[0]}#comment-{ids[0]}")
    expect(page.locator(f"#comment-{ids[0]}")).to_be_visible()
