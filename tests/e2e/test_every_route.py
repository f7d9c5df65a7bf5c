"""Every page, for every role, fits a 390 px phone and a 1280 px desktop without sideways
scrolling, and has no serious or critical axe-core violation at either width.

The pages come from the application's own URL map (every GET route that answers HTML), filled
in with the demo city's ids (tests/routes.py), so a new page is walked as soon as it exists.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.axe import format_violations, serious_violations
from tests.e2e.journey import DEMO_PASSWORD, log_in
from tests.routes import ROLES, html_pages

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"390 px": PHONE, "1280 px": DESKTOP}


def too_wide(page: Page) -> str | None:
    """None when the page fits its window; else the widest elements sticking out."""
    return page.evaluate(
        """() => {
            if (document.documentElement.scrollWidth <= window.innerWidth) return null;
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                if (box.right > window.innerWidth + 1 && box.width > 0) {
                    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
                    out.push(el.tagName.toLowerCase() + classes.filter(c => c).map(c => '.' + c).join('')
                        + ` (right edge at ${Math.round(box.right)} px)`);
                }
            }
            return `${document.documentElement.scrollWidth} px wide: ` + out.slice(0, 6).join(', ');
        }"""
    )


def overlapped_heading(page: Page) -> str | None:
    """None unless the header covers the page's first heading (a sticky header on a phone)."""
    return page.evaluate(
        """() => {
            const header = document.querySelector('.site-header');
            const h1 = document.querySelector('main h1');
            if (!header || !h1) return null;
            const bottom = header.getBoundingClientRect().bottom, top = h1.getBoundingClientRect().top;
            return top < bottom ? `the header (bottom ${bottom}) covers the h1 (top ${top})` : null;
        }"""
    )


PAGES = html_pages()
# Each role's walk in two halves, so test processes share it out evenly.
HALVES = {"first half": PAGES[: len(PAGES) // 2], "second half": PAGES[len(PAGES) // 2 :]}


@pytest.mark.parametrize("half", HALVES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone_and_a_desktop_with_no_serious_accessibility_violation(new_context, role, half):
    page = new_context(viewport=PHONE).new_page()
    if ROLES[role]:
        log_in(page, ROLES[role], DEMO_PASSWORD)
    failures: list[str] = []
    # A page this role is sent away from (to log in) or refused (403, 404) is checked once:
    # the same login form or error page at another address adds nothing.
    seen: set[str] = set()
    for endpoint, path in HALVES[half]:
        page.set_viewport_size(PHONE)
        response = page.goto(path)
        status = response.status if response else 0
        if status >= 500:
            failures.append(f"{path} ({endpoint}): HTTP {status}")
            continue
        landed = page.url.split("?")[0]
        key = f"HTTP {status}" if status >= 400 else landed if not landed.endswith(path.split("?")[0]) else path
        if key in seen:
            continue
        seen.add(key)
        for label, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            where = f"{path} ({endpoint}, {label}, HTTP {status})"
            if wide := too_wide(page):
                failures.append(f"{where} scrolls sideways: {wide}")
            if covered := overlapped_heading(page):
                failures.append(f"{where}: {covered}")
            if violations := serious_violations(page):
                failures.append(format_violations(violations, where))
    assert not failures, f"{len(failures)} problem(s) as {role}, {half}:\n" + "\n".join(failures)
