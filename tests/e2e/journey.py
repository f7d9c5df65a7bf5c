"""What a person does in the browser, as small steps the journey tests share.

Elements are found the way a person (or a screen reader) finds them: by their label, role and
visible name, so the tests also check that forms are labelled.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import create_engine, text

DEMO_PASSWORD = "civicboard-demo"
ADMIN_EMAIL = "admin@demo.example.org"
STAFF_EMAIL = "staff@demo.example.org"
MODERATOR_EMAIL = "moderator@demo.example.org"
ORGANIZER_EMAIL = "organizer@demo.example.org"
PASSWORD = "a long enough passphrase"
# A problem of the demo city anyone may vote on and comment.
OPEN_PROBLEM = "SELECT id FROM problems WHERE status = 'open' AND hidden_at IS NULL AND locked_at IS NULL ORDER BY id"


@dataclass
class Person:
    """Someone registered during a test."""

    name: str
    email: str
    password: str = PASSWORD


def new_person(first_name: str) -> Person:
    """A person with a unique address, so tests never depend on one another."""
    tag = uuid.uuid4().hex[:8]
    return Person(name=f"{first_name} {tag}", email=f"{first_name.lower()}-{tag}@example.org")


def main_nav(page: Page) -> Locator:
    """The header's main navigation, after opening the Menu disclosure when it is folded (a phone)."""
    # Decided by the width the stylesheet folds at, not by the toggle's visibility, which can
    # flicker while a page is still loading its stylesheet.
    page.wait_for_load_state()
    folded = page.evaluate("() => window.matchMedia('(max-width: 56rem)').matches")
    if folded and page.locator(".site-menu").get_attribute("open") is None:
        page.locator(".site-menu-toggle").click()
    return page.get_by_role("navigation", name="Main")


def expect_logged_in_as(page: Page, name: str) -> None:
    """The header shows the person's name and a log-out button."""
    nav = main_nav(page)
    expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()


def expect_logged_out(page: Page) -> None:
    """The header offers to log in and register."""
    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)


def expect_flash(page: Page, text: str | re.Pattern[str]) -> None:
    """A status message is shown."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def register(page: Page, person: Person, confirm: bool = True) -> None:
    """Create an account through /register; the new person ends up logged in (and confirmed)."""
    page.goto("/register")
    form = page.get_by_role("main")
    form.get_by_label("Display name").fill(person.name)
    form.get_by_label("Email").fill(person.email)
    form.get_by_label("Password", exact=True).fill(person.password)
    form.get_by_label("Repeat password").fill(person.password)
    form.get_by_role("button", name="Create account").click()
    expect_flash(page, f"Welcome, {person.name}!")
    expect_logged_in_as(page, person.name)
    if confirm:
        confirm_email(page, person)


def confirm_email(page: Page, person: Person) -> None:
    """Open the confirmation link mailed to the person (read at /dev/mail) and confirm."""
    page.goto("/dev/mail")
    message = page.locator("article").filter(has_text=person.email).filter(has_text="/verify/").first
    href = message.locator("a[href*='/verify/']").first.get_attribute("href")
    page.goto(urlsplit(href).path)  # the link names the configured host; the test server's port differs
    page.get_by_role("main").get_by_role("button", name="Confirm my address").click()
    expect_flash(page, "your email address is confirmed")


def log_in(page: Page, email: str, password: str, remember: bool = False) -> None:
    """Log in through /login (staying on it if a redirect already led there, keeping `next`)."""
    if urlsplit(page.url).path != "/login":
        page.goto("/login")
    form = page.get_by_role("main")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    if remember:
        form.get_by_label("Keep me logged in on this device").check()
    form.get_by_role("button", name="Log in").click()
    # The header's log-out form (folded into the Menu on a phone, hence not looked for by role).
    expect(page.locator('header form[action="/logout"]').first).to_be_attached()


def log_in_as_admin(page: Page) -> None:
    """The demo administrator."""
    log_in(page, ADMIN_EMAIL, DEMO_PASSWORD)


def log_out(page: Page) -> None:
    """Press the header's log-out button (a POST with a CSRF token)."""
    main_nav(page).get_by_role("button", name="Log out").click()
    expect_flash(page, "You are logged out.")
    expect_logged_out(page)


def cookie(context: BrowserContext, name: str) -> dict | None:
    """A cookie of the context by name, or None."""
    return next((c for c in context.cookies() if c["name"] == name), None)


def first_option_value(select) -> str:
    """The value of the first non-empty option of a <select> locator."""
    values = select.locator("option").evaluate_all("options => options.map(o => o.value).filter(v => v)")
    assert values, "the select has no options to choose from"
    return values[0]


def first_value(database_url: str, sql: str):
    """The first column of the first row `sql` finds in the live server's database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).first()[0]
    finally:
        engine.dispose()
