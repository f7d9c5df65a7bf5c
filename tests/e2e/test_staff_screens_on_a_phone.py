"""Staff and organizer screens fit a 390 px phone: nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.journey import DEMO_PASSWORD, ORGANIZER_EMAIL, STAFF_EMAIL, log_in

PHONE = {"width": 390, "height": 844}


def _phone_page(new_context: Callable[..., BrowserContext], email: str) -> Page:
    page = new_context(viewport=PHONE).new_page()
    log_in(page, email, DEMO_PASSWORD)
    return page


def _page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("tab", ["responses", "to-resolve", "data-requests"])
def test_staff_queue_fits_a_phone_without_sideways_scroll(new_context, tab):
    page = _phone_page(new_context, STAFF_EMAIL)
    page.goto(f"/staff?tab={tab}&department=")
    assert page.get_by_role("heading", name="Staff queue").is_visible()
    assert _page_width(page) <= PHONE["width"]


@pytest.mark.parametrize("path", ["/challenges/manage", "/challenges/somerville-streets-data-jam/curate?q=e"])
def test_organizer_dashboard_fits_a_phone_without_sideways_scroll(new_context, path):
    page = _phone_page(new_context, ORGANIZER_EMAIL)
    page.goto(path)
    assert _page_width(page) <= PHONE["width"]
    # The last column (Curate, Edit, Publish or Close) is on screen, not beyond its edge.
    buttons = page.get_by_role("main").get_by_role("button").all() + page.get_by_role("main").get_by_role("link").all()
    for element in buttons:
        box = element.bounding_box()
        assert box is None or box["x"] + box["width"] <= PHONE["width"]
