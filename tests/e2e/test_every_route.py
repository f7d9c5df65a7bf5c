"""Every page, for every role, fits a 390 px phone and a 1280 px desktop without sideways
scrolling, and has no serious or critical axe-core violation at either width.

The pages come from the application's own URL map (every GET route that answers HTML), filled
in with the demo city's ids, so a new page is walked as soon as it exists. A route whose
arguments have no sample here fails the test: add one to SAMPLES or ENDPOINT_SAMPLES.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from civicboard import create_app
from config import TestingConfig
from tests.e2e.axe import format_violations, serious_violations
from tests.e2e.journey import DEMO_PASSWORD, log_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"390 px": PHONE, "1280 px": DESKTOP}

ROLES = {
    "anonymous": None,
    "resident": "resident@demo.example.org",
    "staff": "staff@demo.example.org",
    "moderator": "moderator@demo.example.org",
    "organizer": "organizer@demo.example.org",
    "admin": "admin@demo.example.org",
}

# Sample values for route arguments, from the demo city (civicboard/demo.py).
SAMPLES = {
    "problem_id": 1,
    "dataset_id": 1,
    "user_id": 7,  # Rosa Resident
    "slug": "somerville-streets-data-jam",
    "project_id": 1,
    "source_id": 1,
    "evidence_id": 2,
    "comment_id": 3,
    "token": "not-a-valid-token",
}
# Where an endpoint needs a different sample than its argument's name suggests.
ENDPOINT_SAMPLES = {
    "problems.edit_comment": {"problem_id": 2, "comment_id": 3},  # Rosa's comment on problem 2
    "problems.comment_history": {"problem_id": 2, "comment_id": 3},
    "staff.answer_data_request": {"problem_id": 7},  # the bike-parking data request
    "staff.department": {"slug": "transportation-and-infrastructure"},
    "pages.edit": {"slug": "about"},
    "moderation.hide_comment": {"comment_id": 3},
    "moderation.restore_comment": {"comment_id": 3},
    "moderation.user": {"user_id": 9},
}
# Machine-readable answers (JSON, feeds, files) and the health check: no page to look at.
NOT_PAGES = re.compile(
    r"^/(api/v1/|feeds/|exports/|open311/|static/|branding/|photos/|healthz|readyz|metrics)|\.(json|csv|atom|md|geojson|xml|txt|css)$"
)
# Redirects that change state for the rest of the walk (the language cookie).
NOT_PAGE_ENDPOINTS = {"problems.dataset_suggest", "static", "i18n.switch"}


def html_pages() -> list[tuple[str, str]]:
    """(endpoint, path) for every GET route that answers with an HTML page."""
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    pages: list[tuple[str, str]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGE_ENDPOINTS or NOT_PAGES.search(rule.rule):
            continue
        values = {**SAMPLES, **ENDPOINT_SAMPLES.get(rule.endpoint, {})}
        missing = [name for name in rule.arguments if name not in values]
        assert not missing, (
            f"{rule.rule} ({rule.endpoint}): add a sample for {missing} to tests/e2e/test_every_route.py"
        )
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        pages.append((rule.endpoint, path))
    return pages


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


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone_and_a_desktop_with_no_serious_accessibility_violation(new_context, role):
    page = new_context(viewport=PHONE).new_page()
    if ROLES[role]:
        log_in(page, ROLES[role], DEMO_PASSWORD)
    failures: list[str] = []
    for endpoint, path in PAGES:
        page.set_viewport_size(PHONE)
        response = page.goto(path)
        status = response.status if response else 0
        if status >= 500:
            failures.append(f"{path} ({endpoint}): HTTP {status}")
            continue
        for label, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            where = f"{path} ({endpoint}, {label}, HTTP {status})"
            if wide := too_wide(page):
                failures.append(f"{where} scrolls sideways: {wide}")
            if covered := overlapped_heading(page):
                failures.append(f"{where}: {covered}")
            if violations := serious_violations(page):
                failures.append(format_violations(violations, where))
    assert not failures, f"{len(failures)} problem(s) as {role}:\n" + "\n".join(failures)
