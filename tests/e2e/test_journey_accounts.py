"""The accounts part of the user journey, in a real browser against a real server."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.journey import (
    confirm_email,
    cookie,
    expect_flash,
    expect_logged_in_as,
    expect_logged_out,
    log_in,
    log_in_as_admin,
    log_out,
    new_person,
    register,
)


def test_a_resident_registers_and_is_logged_in(page):
    rosa = new_person("Rosa")

    register(page, rosa)

    page.goto("/account")
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_role("main").get_by_text(rosa.email).first).to_be_visible()


def test_a_resident_confirms_the_address_from_the_emailed_link(page):
    lena = new_person("Lena")

    register(page, lena, confirm=False)
    banner = page.get_by_role("status").filter(has_text="Confirm your email address")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("button", name="Send the confirmation link again")).to_be_visible()

    confirm_email(page, lena)
    expect(page.get_by_role("status").filter(has_text="Confirm your email address")).to_have_count(0)


def test_a_resident_logs_out_and_back_in_with_remember_me(page):
    nico = new_person("Nico")
    register(page, nico)

    log_out(page)
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\b"))

    log_in(page, nico.email, nico.password, remember=True)
    remembered = cookie(page.context, "remember_token")
    assert remembered is not None, "no remember-me cookie after logging in with 'Keep me logged in'"
    assert remembered["httpOnly"]
    assert remembered["expires"] > time.time() + 25 * 24 * 3600, "remember-me should last about 30 days"

    # The browser is closed and reopened: the session cookie is gone, the remember-me one stays.
    page.context.clear_cookies(name="session")
    page.goto("/account")
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect_logged_in_as(page, nico.name)


def test_a_resident_changes_their_profile_name(page):
    kim = new_person("Kim")
    register(page, kim)

    page.goto("/account")
    profile = page.get_by_role("region", name="Profile")
    profile.get_by_label("Display name").fill("Kim the Cyclist")
    profile.get_by_role("button", name="Save profile").click()

    expect_flash(page, "Profile saved.")
    expect_logged_in_as(page, "Kim the Cyclist")
    expect(page.get_by_role("region", name="Profile").get_by_label("Display name")).to_have_value("Kim the Cyclist")


def test_an_admin_grants_a_role_on_the_admin_page(new_context):
    morgan = new_person("Morgan")
    resident_page = new_context().new_page()
    register(resident_page, morgan)
    nav = resident_page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Moderation", exact=True)).to_have_count(0)

    admin_page = new_context().new_page()
    log_in_as_admin(admin_page)
    admin_page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    admin_page.get_by_label("Find by name or email").fill(morgan.email)
    admin_page.get_by_role("button", name="Search").last.click()
    admin_page.get_by_role("table", name="Users").get_by_role("link", name=morgan.name).click()
    expect(admin_page.get_by_role("heading", name=morgan.name, level=1)).to_be_visible()

    change = admin_page.get_by_role("region", name="Change a role")
    change.get_by_label("Action").select_option(label="Grant")
    change.get_by_label("Role").select_option(label="Moderator")
    change.get_by_label("Reason").fill("Volunteered at the community meeting")
    change.get_by_role("button", name="Apply").click()

    expect_flash(admin_page, "Role Moderator granted.")
    expect(admin_page.get_by_text("Roles: Resident, Moderator")).to_be_visible()
    # The role takes effect on the resident's next request, without logging in again.
    resident_page.reload()
    expect(nav.get_by_role("link", name="Moderation", exact=True)).to_be_visible()


def test_a_resident_is_refused_the_admin_page(page):
    pat = new_person("Pat")
    register(page, pat)

    response = page.goto("/admin")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True)).to_have_count(0)


def test_a_visitor_is_asked_to_log_in_before_the_admin_page(page):
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)admin$"))
    expect_logged_out(page)

    log_in_as_admin(page)

    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
