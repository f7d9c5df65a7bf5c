"""The scripts speak the page's language: in a Spanish browser, a vote cast without reloading and
the map picker and the dataset picker's live results read in Spanish, words and dates given by
the page; the evidence page's live search counts its matches in each language's plural forms."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.journey import DEMO_PASSWORD, OPEN_PROBLEM, STAFF_EMAIL, first_value, log_in, new_person
from tests.e2e.test_journey_spanish import registrarse, spanish_context

SPANISH_MONTHS = "ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic"


def test_a_vote_and_the_dataset_search_answer_in_spanish(new_context, live_server):
    problem_id = first_value(live_server.database_url, OPEN_PROBLEM)
    title = first_value(
        live_server.database_url,
        "SELECT title FROM datasets WHERE status = 'active' AND modified IS NOT NULL ORDER BY id",
    )
    page = spanish_context(new_context, extra_http_headers={"Accept-Language": "es"}).new_page()
    registrarse(page, new_person("Lucía"))

    page.goto(f"/problems/{problem_id}")
    page.evaluate("window.stillTheSamePage = true")
    vote = page.get_by_role("main").locator("form.vote-form").first
    vote.get_by_role("button", name=re.compile("^Apoyar")).click()
    expect(vote.locator("[data-vote-label]")).to_have_text("Apoyado")
    expect(page.get_by_role("status").filter(has_text="Su apoyo está registrado.")).to_be_attached()
    counter = page.get_by_role("main").locator("[data-vote-count]").first
    expect(counter).to_have_attribute("aria-label", re.compile(r"^\d+ apoyos?$"))
    assert page.evaluate("window.stillTheSamePage") is True, "the vote reloaded the page"

    page.goto("/problems/new")
    map_picker = page.locator("[data-map='picker']")
    expect(map_picker.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Acercar")
    expect(map_picker.locator(".leaflet-control-attribution a[href*='leafletjs.com']")).to_have_attribute(
        "title", "Una biblioteca de JavaScript para mapas interactivos"
    )
    map_picker.click()
    expect(map_picker.get_by_role("button", name="La ubicación del problema")).to_be_attached()
    expect(page.locator("[data-location-status]")).to_contain_text("Ubicación fijada: ")

    page.get_by_label("Buscar conjuntos de datos").fill(title)
    picker = page.locator("[data-dataset-picker]")
    expect(picker.get_by_role("status")).to_contain_text(re.compile(r"\d+ conjuntos? de datos coinciden? con «"))
    updated = picker.locator("[data-dataset-results] time").first
    expect(updated).to_have_text(re.compile(rf"^\d{{1,2}} ({SPANISH_MONTHS}) \d{{4}}$"))


def test_the_evidence_search_counts_its_matches_in_the_readers_language(new_context, live_server):
    """Staff citing a dataset not tied to the problem: the live search says how many match,
    in the plural form the count takes, in English and in Spanish."""
    problem_id = first_value(live_server.database_url, "SELECT id FROM problems WHERE hidden_at IS NULL ORDER BY id")
    title = first_value(live_server.database_url, "SELECT title FROM datasets WHERE status = 'active' ORDER BY id")

    english = new_context().new_page()
    log_in(english, STAFF_EMAIL, DEMO_PASSWORD)
    english.goto(f"/staff/problems/{problem_id}/evidence")
    english.get_by_label("Find a dataset in the catalog").fill(title)
    picks = english.locator("[data-dataset-picks-status]")
    expect(picks).to_contain_text(re.compile(rf"^(1 dataset matches “{re.escape(title)}”: pick it|\d+ datasets match)"))
    expect(english.locator("[data-dataset-picks-list] input[type=radio]").first).to_be_attached()
    english.get_by_label("Find a dataset in the catalog").fill("data")
    expect(picks).to_contain_text(re.compile(r"^\d+ datasets match “data”"))

    # The same page in Spanish (its address in that language).
    english.goto(f"/staff/problems/{problem_id}/evidence?lang=es")
    english.locator("#dataset-q").fill("data")
    expect(english.locator("[data-dataset-picks-status]")).to_contain_text(
        re.compile(r"^\d+ conjuntos de datos coinciden con «data»")
    )
