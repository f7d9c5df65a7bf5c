"""The user journey through the feature pages: propose, vote, comment, respond, moderate, ask to
reopen, curate."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

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
        main(resident).get_by_role("link", name=re.compile("propose a problem about this dataset", re.I)).click()
        expect(resident).to_have_url(re.compile(r"/problems/new\?dataset=\d+"))
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
        # The page's script votes through the JSON API, in place (no navigation).
        with neighbour.expect_response(lambda r: "/api/v1/problems/" in r.url and r.request.method == "PUT") as voted:
            main(neighbour).get_by_role("button", name=re.compile("vote|support", re.I)).first.click()
        assert voted.value.status == 200
        expect(main(neighbour).locator("[data-vote-count]").first).to_have_text("1")
        expect(main(neighbour).get_by_role("button", name=re.compile("^Voted", re.I)).first).to_be_visible()
        with neighbour.expect_response(lambda r: r.url.endswith("/follow") and r.request.method == "PUT") as followed:
            main(neighbour).get_by_role("button", name=re.compile("^Follow", re.I)).first.click()
        assert followed.value.status == 200
        expect(main(neighbour).get_by_role("button", name=re.compile("^Following", re.I)).first).to_be_visible()
        assert urlsplit(neighbour.url).path == problem_path
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
        expect(main(staff).get_by_text(evidence_caption, exact=True).first).to_be_visible()
        assert_no_serious_violations(staff)

    moderator = new_context().new_page()
    with step("a moderator hides a comment"):
        log_in(moderator, MODERATOR_EMAIL, DEMO_PASSWORD)
        moderator.goto(problem_path)
        the_comment = main(moderator).locator("article, li").filter(has_text=comment).last
        the_comment.locator("summary", has_text=re.compile("^Hide", re.I)).click()
        the_comment.get_by_label(re.compile("why hide it", re.I)).fill("Shares a child's route to school")
        the_comment.get_by_role("button", name=re.compile("^hide comment", re.I)).click()
        expect(main(moderator).get_by_text("Shares a child's route to school").first).to_be_visible()
        neighbour.goto(problem_path)  # the author still sees it; everyone else does not
        expect(main(neighbour).get_by_text(comment)).to_be_visible()
        visitor = new_context().new_page()
        visitor.goto(problem_path)
        expect(main(visitor).get_by_text(comment)).to_have_count(0)
        moderator.goto("/moderation")
        assert_no_serious_violations(moderator)

    with step("the author of the hidden comment is told what, why and how to ask for a review"):
        neighbour.goto("/notifications")
        told = main(neighbour).locator("li").filter(has_text="was hidden by a moderator").first
        expect(told).to_contain_text("Shares a child's route to school")
        expect(told).to_contain_text("ask for a review")
        assert_no_serious_violations(neighbour)

    with step("staff resolve it; the resident says it is still not fixed; staff see the request"):
        staff.goto(problem_path)
        response_form = form_with(staff, "status")
        response_form.locator("textarea[name='body']").fill("The signal now lasts 20 seconds.")
        response_form.locator("select[name='status']").select_option(value="resolved")
        submit(response_form, re.compile("respond|post|publish|save", re.I))
        expect(main(staff).get_by_text("The signal now lasts 20 seconds.")).to_be_visible()
        resident.goto(problem_path)
        main(resident).get_by_text("Still not fixed?").click()
        main(resident).get_by_label("What is still wrong?").fill("It still turns red after 7 seconds at 8 am.")
        main(resident).get_by_role("button", name="Ask staff to reopen it").click()
        expect(main(resident).get_by_text("You said this is still not fixed")).to_be_visible()
        staff.goto("/staff")
        request = staff.locator("#reopen-requests li").filter(has_text=title)
        expect(request).to_contain_text("It still turns red after 7 seconds at 8 am.")
        assert_no_serious_violations(staff)

    organizer = new_context().new_page()
    with step("an organizer builds and publishes a challenge"):
        log_in(organizer, ORGANIZER_EMAIL, DEMO_PASSWORD)
        organizer.goto("/challenges/manage")
        main(organizer).get_by_role("link", name=re.compile("new challenge|create", re.I)).first.click()
        challenge_title = f"Safe Streets Hack {uuid.uuid4().hex[:6]}"
        form = form_with(organizer, "title")
        form.get_by_label(re.compile("^Title", re.I)).fill(challenge_title)
        form.locator("[name='summary']").fill("Make crossings safer with the city's crash data.")
        form.locator("[name='starts_at']").fill("2027-03-06T09:00")
        form.locator("[name='ends_at']").fill("2027-03-07T17:00")
        form.locator("[name='place']").fill("Somerville City Hall, 93 Highland Ave")
        form.locator("[name='contact']").fill("hack@example.org")
        submit(form, re.compile("create", re.I))
        expect(organizer).to_have_url(re.compile(r"/challenges/[a-z0-9-]+/curate"))
        expect(main(organizer).get_by_text(challenge_title).first).to_be_visible()
        assert_no_serious_violations(organizer)
        challenge_path = urlsplit(organizer.url).path.removesuffix("/curate")

        find = organizer.locator("#find form[role='search']")
        find.locator("[name='q']").fill(title)
        find.get_by_role("button", name=re.compile("^search$", re.I)).click()
        main(organizer).get_by_role("checkbox", name=title).check()
        main(organizer).get_by_role("button", name=re.compile("^add the checked", re.I)).click()
        expect(main(organizer).get_by_role("link", name=title).first).to_be_visible()
        # The search that found it is still there, marking it as curated.
        expect(organizer.locator("#find form[role='search'] [name='q']")).to_have_value(title)
        expect(main(organizer).locator(".search-results li").filter(has_text=title)).to_contain_text("In the challenge")
        main(organizer).get_by_role("button", name=re.compile("^publish", re.I)).first.click()
        visitor = new_context().new_page()
        visitor.goto(challenge_path)
        expect(main(visitor).get_by_text(challenge_title).first).to_be_visible()
        assert_no_serious_violations(visitor)
