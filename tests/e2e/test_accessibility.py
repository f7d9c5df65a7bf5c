"""Pages pass axe-core's WCAG 2.x A/AA checks (no serious or critical violations) and fit 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.journey import (
    DEMO_PASSWORD,
    MODERATOR_EMAIL,
    ORGANIZER_EMAIL,
    STAFF_EMAIL,
    log_in,
    log_in_as_admin,
    new_person,
    register,
)

PUBLIC_PAGES = {
    "home": "/",
    "login": "/login",
    "register": "/register",
    "forgot password": "/password/forgot",
    "not found": "/no-such-page",
    "problem": "/problems/1",
    "datasets": "/datasets",
    "dataset": "/datasets/1",
    "data requests": "/data-requests",
    "challenges": "/challenges",
    "challenge": "/challenges/somerville-streets-data-jam",
    "search": "/search?q=bike",
    "insights": "/insights",
    "department": "/departments/transportation-and-infrastructure",
    "map": "/map",
}
NARROW = {"width": 320, "height": 640}


def too_wide(page: Page) -> list[str]:
    """Elements sticking out past the right edge of the window (empty when the page fits)."""
    return page.evaluate(
        """() => {
            if (document.documentElement.scrollWidth <= window.innerWidth) return [];
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                if (box.right > window.innerWidth + 1 && box.width > 0) {
                    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
                    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                        + classes.filter(c => c).map(c => '.' + c).join('');
                    out.push(`${name} (right edge at ${Math.round(box.right)} px)`);
                }
            }
            return out.length ? out.slice(0, 10) : ['(the document is wider than the window)'];
        }"""
    )


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_pages_have_no_serious_accessibility_violations(page, path):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_violations(page)


def test_a_form_with_errors_has_no_serious_accessibility_violations(page):
    page.goto("/register")
    page.get_by_role("main").get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_no_serious_violations(page)


def test_the_account_page_has_no_serious_accessibility_violations(page):
    register(page, new_person("Ana"))
    page.goto("/account")
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    assert_no_serious_violations(page)


def test_the_forbidden_page_has_no_serious_accessibility_violations(page):
    register(page, new_person("Ben"))
    response = page.goto("/admin")
    assert response is not None and response.status == 403
    assert_no_serious_violations(page)


def test_the_admin_pages_have_no_serious_accessibility_violations(page):
    log_in_as_admin(page)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    assert_no_serious_violations(page)
    page.get_by_role("table", name="Users").get_by_role("link").first.click()
    expect(page.get_by_role("region", name="Change a role")).to_be_visible()
    assert_no_serious_violations(page)


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_pages_fit_a_320_px_screen(new_context, path):
    page = new_context(viewport=NARROW).new_page()
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not too_wide(page), f"{path} scrolls sideways at 320 px: {too_wide(page)}"


def test_the_admin_pages_fit_a_320_px_screen(new_context):
    page = new_context(viewport=NARROW).new_page()
    log_in_as_admin(page)
    for path in ("/account", "/admin"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert not too_wide(page), f"{path} scrolls sideways at 320 px: {too_wide(page)}"


def test_the_check_reports_serious_violations_readably(page):
    page.goto("/login")
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            input.id = 'unlabelled-field';
            document.querySelector('main').append(input);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_no_serious_violations(page)
    report = str(failure.value)
    assert "[critical] label" in report
    assert "#unlabelled-field" in report


SIGNED_IN_PAGES = {
    "new problem": (None, "/problems/new"),
    "notifications": (None, "/notifications"),
    "problem, as staff": (STAFF_EMAIL, "/problems/1"),
    "staff queue": (STAFF_EMAIL, "/staff"),
    "moderation queue": (MODERATOR_EMAIL, "/moderation"),
    "audit log": (MODERATOR_EMAIL, "/moderation/audit"),
    "organizer dashboard": (ORGANIZER_EMAIL, "/challenges/manage"),
    "curation": (ORGANIZER_EMAIL, "/challenges/somerville-streets-data-jam/curate?q=a"),
}


@pytest.mark.parametrize(("who", "path"), SIGNED_IN_PAGES.values(), ids=SIGNED_IN_PAGES.keys())
def test_signed_in_pages_have_no_serious_accessibility_violations(page, who, path):
    if who is None:
        register(page, new_person("Cy"))
    else:
        log_in(page, who, DEMO_PASSWORD)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_violations(page)
