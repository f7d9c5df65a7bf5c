"""The dataset picker in a real browser: a live search over the API that keeps the page where it
is, shows who publishes each dataset, and points to a data request when nothing matches."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.journey import new_person, register


@pytest.fixture(scope="module")
def catalog_dataset(live_server) -> tuple[int, str, str]:
    """An active dataset of the demo catalog: (id, title, the publisher line the picker shows)."""
    engine = create_engine(live_server.database_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id, title, publisher FROM datasets WHERE status = 'active'"
                " ORDER BY publisher IS NULL, id LIMIT 1"
            )
        ).one()
    engine.dispose()
    return row.id, row.title, row.publisher or "Publisher not given"


def picker(page: Page):
    return page.locator("[data-dataset-picker]")


def test_the_dataset_search_answers_in_place_and_keeps_what_is_ticked(page: Page, catalog_dataset):
    dataset_id, title, publisher = catalog_dataset
    register(page, new_person("Priya"))
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/problems/new")
    page.evaluate("window.stillTheSamePage = true")
    search = page.get_by_label("Find datasets")
    search.scroll_into_view_if_needed()
    scrolled_to = page.evaluate("window.scrollY")

    search.fill(title)
    result = picker(page).locator(f"[data-dataset-results] #dataset-{dataset_id}")
    expect(result).to_be_visible()
    option = picker(page).locator("[data-dataset-results] li", has=page.locator(f"#dataset-{dataset_id}"))
    expect(option).to_contain_text(publisher)
    expect(picker(page).get_by_role("status")).to_contain_text(re.compile(r"\d+ datasets? match"))
    assert page.evaluate("window.stillTheSamePage") is True, "the search reloaded the page"
    assert abs(page.evaluate("window.scrollY") - scrolled_to) < 50, "the search moved the page"

    page.locator(f"label[for='dataset-{dataset_id}']").click()
    chosen = page.locator(f"[data-selected-datasets] #dataset-{dataset_id}")
    expect(chosen).to_be_checked()

    search.fill("zzqx nothing is called this")
    search.press("Enter")
    note = picker(page).locator("[data-dataset-none]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("No dataset matches")
    expect(chosen).to_be_checked()
    assert page.evaluate("window.stillTheSamePage") is True, "Enter posted the form"
    assert_no_serious_violations(page)

    note.get_by_role("link", name="say the data you need is not published").click()
    expect(page).to_have_url(re.compile(r"#data_request$"))
    expect(page.get_by_label("The data I need is not published")).to_be_in_viewport()


def test_the_picker_works_without_javascript(new_context, catalog_dataset):
    dataset_id, title, publisher = catalog_dataset
    page = new_context(java_script_enabled=False).new_page()
    register(page, new_person("Omar"))
    page.goto("/problems/new")
    page.get_by_label("Find datasets").fill(title)
    page.get_by_role("button", name="Search datasets").click()
    expect(page).to_have_url(re.compile(r"/problems/new#dataset-search$"))
    option = picker(page).locator("li", has=page.locator(f"#dataset-{dataset_id}"))
    expect(option).to_contain_text(publisher)
    page.locator(f"label[for='dataset-{dataset_id}']").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(f"#dataset-{dataset_id}")).to_be_checked()
    expect(picker(page).locator("[data-dataset-none]")).to_be_hidden()
