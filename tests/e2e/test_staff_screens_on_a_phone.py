"""Staff and organizer screens fit a 390 px phone: nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.journey import DEMO_PASSWORD, STAFF_EMAIL, log_in

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
