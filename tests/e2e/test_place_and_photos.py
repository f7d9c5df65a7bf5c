"""A resident proposes a problem by clicking the map, with a phone photo; /map shows it.

The tile server is unreachable (every tile request is refused): the maps, the forms and the
list beside the map must work all the same, and Leaflet must run under the strict CSP.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests import imagefiles
from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.journey import first_option_value, new_person, register
from tests.e2e.test_journey_features import choose_dataset, form_with, main, pick_dataset

TILES = re.compile(r"^https?://([a-z0-9-]+\.)*tile\.openstreetmap\.org/")


def test_propose_by_clicking_the_map_with_a_phone_photo_then_find_it_on_the_map(new_context, step):
    title = f"Broken bench in the plaza {uuid.uuid4().hex[:6]}"
    context = new_context()
    context.route(TILES, lambda route: route.abort())
    page = context.new_page()

    with step("a resident places the problem on the map and adds a photo"):
        register(page, new_person("Mapa"))
        dataset_id, _title = pick_dataset(page)
        page.goto(f"/problems/new?dataset={dataset_id}")
        form = form_with(page, "title")
        form.get_by_label(re.compile("^Title", re.I)).fill(title)
        form.get_by_label(re.compile("^Description", re.I)).fill("The seat boards are split and sharp.")
        category = form.locator("select[name='category_id']")
        category.select_option(value=first_option_value(category))
        choose_dataset(form, dataset_id)
        picker = page.locator("[data-map='picker']")
        expect(picker).to_be_visible()
        expect(picker.locator(".leaflet-control-zoom-in")).to_be_visible()
        picker.click()  # its middle: the middle of the city (MAP_BOUNDS)
        latitude, longitude = form.locator("[name='latitude']"), form.locator("[name='longitude']")
        expect(latitude).to_have_value(re.compile(r"^42\.\d{6}$"))
        expect(longitude).to_have_value(re.compile(r"^-71\.\d{6}$"))
        expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
        form.locator("[name='address']").fill("Bench by the fountain")
        form.locator("[name='photo_1']").set_input_files(
            {"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": imagefiles.phone_jpeg(120, 80)}
        )
        form.locator("[name='photo_1_alt']").fill("A wooden bench with two split boards")
        assert_no_serious_violations(page)
        form.get_by_role("button", name="Post problem").click()
        expect(page).to_have_url(re.compile(r"/problems/\d+$"))
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        problem_path = urlsplit(page.url).path

    with step("the stored photo has no GPS tags, and the page shows it on a small map"):
        photo = main(page).get_by_role("img", name="A wooden bench with two split boards")
        expect(photo).to_be_visible()
        full = main(page).locator("a:has(img[alt='A wooden bench with two split boards'])").get_attribute("href")
        stored = page.request.get(full)
        assert stored.ok and stored.headers["content-type"] == "image/jpeg"
        assert stored.headers["x-content-type-options"] == "nosniff"
        body = stored.body()
        for tag in (b"Exif", b"GPS", b"PhoneMaker", b"xmpmeta"):
            assert tag not in body, tag
        expect(main(page).get_by_text("Bench by the fountain")).to_be_visible()
        expect(main(page).locator("[data-map='points'] .leaflet-marker-icon")).to_have_count(1)
        assert_no_serious_violations(page)

    with step("/map shows it, clustered with the others, and lists it"):
        page.goto("/map")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Map of problems")
        the_map = page.locator("[data-map='points']")
        expect(the_map).to_be_visible()
        expect(the_map.locator(".marker-cluster, .leaflet-marker-icon").first).to_be_visible()
        listed = page.locator("#map-list").get_by_role("link", name=title)
        expect(listed).to_be_visible()
        assert listed.get_attribute("href") == problem_path
        assert_no_serious_violations(page)
