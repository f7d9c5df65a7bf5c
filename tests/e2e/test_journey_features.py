"""The rest of the user journey, through the feature pages being built on other branches.

Marked `needs_features`, which pyproject's addopts deselects until those branches merge (so
`make test` and `.ci/run` stay green meanwhile); `make e2e-features` runs it on demand. At merge:
drop `-m 'not needs_features'` from addopts, run `make e2e-features`, and adjust the form labels
and field names below to the ones the features chose (they follow the contract's API names:
title, description, dataset_ids, category, body, status, dataset_id, url, caption, stance, as_of).

A second guard: when the routes are not there at all, the module skips with a reason, except
under CI on PostgreSQL, where a skip would fail the run anyway: there it fails loudly instead.
"""

from __future__ import annotations

import http.client
import os
import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.journey import (
    DEMO_PASSWORD,
    MODERATOR_EMAIL,
    ORGANIZER_EMAIL,
    STAFF_EMAIL,
    first_option_value,
    log_in,
    new_person,
    register,
)

pytestmark = pytest.mark.needs_features

FEATURE_ROUTES = ("/problems/new", "/datasets", "/challenges")


def _status(base_url: str, path: str) -> int:
    """The status of a GET without following redirects (302 to /login counts as present)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture(scope="module", autouse=True)
def feature_routes_exist(live_server) -> None:
    """Skip the module (with a reason) while the feature pages are not merged."""
    missing = [path for path in FEATURE_ROUTES if _status(live_server.url, path) not in (200, 302)]
    if not missing:
        return
    reason = f"feature pages not merged yet ({', '.join(missing)} not found on the live server)"
    if os.environ.get("CI") and os.environ.get("TEST_DATABASE_URL"):
        pytest.fail(reason)
    pytest.skip(reason)


# -- small steps -----------------------------------------------------------------------------


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def form_with(page: Page, field_name: str) -> Locator:
    """The form on the page that has a field of this name."""
    return page.locator(f"form:has([name='{field_name}'])").first


def pick_dataset(page: Page) -> tuple[str, str]:
    """Open the catalog and take its first dataset: (id, title)."""
    page.goto("/datasets")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_violations(page)
    link = main(page).locator("a[href^='/datasets/']").first
    href = link.get_attribute("href") or ""
    match = re.match(r"/datasets/(\d+)", href)
    assert match, f"no dataset link on /datasets (first link: {href!r})"
    link.click()
    title = page.get_by_role("heading", level=1).inner_text().strip()
    assert_no_serious_violations(page)
    return match.group(1), title


def choose_dataset(form: Locator, dataset_id: str) -> None:
    """Tie the problem to a dataset, whichever widget the form uses for dataset_ids."""
    field = form.locator("[name='dataset_ids']")
    if field.count() == 0:
        raise AssertionError("the problem form has no dataset_ids field")
    first = field.first
    kind = first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
    if kind.startswith("select"):
        first.select_option(value=dataset_id)
    elif kind.endswith(("checkbox", "radio")):
        form.locator(f"[name='dataset_ids'][value='{dataset_id}']").check()
    else:
        first.fill(dataset_id)


def submit(form: Locator, name: str | re.Pattern[str]) -> None:
    form.get_by_role("button", name=name).click()


# -- the journey -----------------------------------------------------------------------------


def test_a_problem_goes_from_proposal_to_a_published_challenge(new_context, step):
    title = f"Crossing at Elm and Highland is unsafe {uuid.uuid4().hex[:6]}"
    comment = "My kids cross there every morning; the light is far too short."
    evidence_caption = "Crash reports near the crossing, 2023-2025"
    rosa, nico = new_person("Rosa"), new_person("Nico")

    resident = new_context().new_page()
    with step("a resident proposes a problem tied to a dataset"):
        register(resident, rosa)
        dataset_id, dataset_title = pick_dataset(resident)
        resident.goto("/problems/new")
        assert_no_serious_violations(resident)
        form = form_with(resident, "title")
        form.get_by_label(re.compile("^Title", re.I)).fill(title)
        form.get_by_label(re.compile("^Description", re.I)).fill(
            "The walk signal lasts 7 seconds for a 4-lane crossing.\n\nSee the **crash data**."
        )
        category = form.locator("select[name='category'], select[name='category_id']").first
        if category.count():
            category.select_option(value=first_option_value(category))
        choose_dataset(form, dataset_id)
        submit(form, re.compile("propose|submit|post|create|publish", re.I))
        expect(resident).to_have_url(re.compile(r"/problems/\d+$"))
        expect(resident.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(main(resident).get_by_role("link", name=dataset_title).first).to_be_visible()
        assert_no_serious_violations(resident)
        problem_path = urlsplit(resident.url).path

    neighbour = new_context().new_page()
    with step("a second resident votes and comments"):
        register(neighbour, nico)
        neighbour.goto(problem_path)
        main(neighbour).get_by_role("button", name=re.compile("vote|support", re.I)).first.click()
        expect(main(neighbour).get_by_text(re.compile(r"\b1 (vote|supporter)", re.I)).first).to_be_visible()
        comment_form = form_with(neighbour, "body")
        comment_form.locator("textarea[name='body']").fill(comment)
        submit(comment_form, re.compile("comment|post|send", re.I))
        expect(main(neighbour).get_by_text(comment)).to_be_visible()
        assert_no_serious_violations(neighbour)

    staff = new_context().new_page()
    with step("staff respond with a status change and evidence"):
        log_in(staff, STAFF_EMAIL, DEMO_PASSWORD)
        staff.goto(problem_path)
        response_form = form_with(staff, "status")
        response_form.locator("textarea[name='body']").fill("We will retime the signal this month.")
        response_form.locator("select[name='status']").select_option(value="acknowledged")
        submit(response_form, re.compile("respond|post|publish|save", re.I))
        expect(main(staff).get_by_text("Acknowledged").first).to_be_visible()
        expect(main(staff).get_by_text("We will retime the signal this month.")).to_be_visible()

        evidence_form = form_with(staff, "stance")
        evidence_form.locator("[name='dataset_id']").first.select_option(value=dataset_id)
        evidence_form.locator("[name='url']").fill("https://data.example.org/crashes?near=elm-highland")
        evidence_form.locator("[name='caption']").fill(evidence_caption)
        evidence_form.locator("[name='stance']").select_option(value="supports")
        as_of = evidence_form.locator("[name='as_of']")
        if as_of.count():
            as_of.fill("2025-06-30")
        submit(evidence_form, re.compile("evidence|add|save", re.I))
        expect(main(staff).get_by_text(evidence_caption)).to_be_visible()
        assert_no_serious_violations(staff)

    moderator = new_context().new_page()
    with step("a moderator hides a comment"):
        log_in(moderator, MODERATOR_EMAIL, DEMO_PASSWORD)
        moderator.goto(problem_path)
        the_comment = main(moderator).locator("article, li").filter(has_text=comment).last
        reason = the_comment.locator("[name='reason']")
        if reason.count():
            reason.first.fill("Shares a child's route to school")
        the_comment.get_by_role("button", name=re.compile("hide", re.I)).click()
        neighbour.goto(problem_path)  # the author still sees it; everyone else does not
        expect(main(neighbour).get_by_text(comment)).to_be_visible()
        visitor = new_context().new_page()
        visitor.goto(problem_path)
        expect(main(visitor).get_by_text(comment)).to_have_count(0)
        moderator.goto("/moderation")
        assert_no_serious_violations(moderator)

    organizer = new_context().new_page()
    with step("an organizer builds and publishes a challenge"):
        log_in(organizer, ORGANIZER_EMAIL, DEMO_PASSWORD)
        organizer.goto("/challenges/manage")
        main(organizer).get_by_role("link", name=re.compile("new challenge|create", re.I)).first.click()
        challenge_title = f"Safe Streets Hack {uuid.uuid4().hex[:6]}"
        form = form_with(organizer, "title")
        form.get_by_label(re.compile("^Title", re.I)).fill(challenge_title)
        summary = form.locator("[name='summary']")
        if summary.count():
            summary.fill("Make crossings safer with the city's crash data.")
        submit(form, re.compile("create|save", re.I))
        expect(organizer.get_by_role("heading", name=challenge_title)).to_be_visible()
        add = form_with(organizer, "problem_id")
        add.locator("[name='problem_id']").fill(problem_path.rsplit("/", 1)[-1])
        submit(add, re.compile("add", re.I))
        expect(main(organizer).get_by_role("link", name=title)).to_be_visible()
        main(organizer).get_by_role("button", name=re.compile("publish", re.I)).click()
        challenge_path = urlsplit(organizer.url).path
        visitor = new_context().new_page()
        visitor.goto(challenge_path if challenge_path.startswith("/challenges/") else "/challenges")
        expect(main(visitor).get_by_text(challenge_title).first).to_be_visible()
        assert_no_serious_violations(visitor)
