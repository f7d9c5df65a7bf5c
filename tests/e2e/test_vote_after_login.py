"""Voting when not logged in, in a real browser: "Log in to vote" keeps the vote, and a
one-click confirmation casts it after logging in."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journey import OPEN_PROBLEM, first_value, new_person, register


def test_log_in_to_vote_comes_back_to_a_one_click_vote(page: Page, live_server):
    problem_id = first_value(live_server.database_url, OPEN_PROBLEM)
    person = new_person("Vera")
    register(page, person)
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()

    page.goto(f"/problems/{problem_id}")
    page.get_by_role("link", name=re.compile("^Log in to vote")).click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    form = page.get_by_role("main")
    form.get_by_label("Email").fill(person.email)
    form.get_by_label("Password").fill(person.password)
    form.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(rf"/problems/{problem_id}\?vote=1$"))
    confirm = page.locator(".vote-confirm")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name=re.compile("^Vote for")).click()
    expect(page.get_by_role("status").filter(has_text="Your vote is counted.")).to_be_visible()
    expect(page.locator(".vote-confirm")).to_have_count(0)
    expect(page.get_by_role("main").get_by_role("button", name=re.compile("^Voted")).first).to_be_visible()
