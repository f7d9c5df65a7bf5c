"""/admin/branding: names, logo, accent colour (contrast checked), favicon, an introduction for
first-time visitors, and the description shared links show; set by an admin, no code."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.pages import branding

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ICO = b"\x00\x00\x01\x00" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
FIELDS = {"site_name": "", "city_name": "", "accent_colour": "", "intro": "", "meta_description": ""}


@pytest.fixture
def admin_client(client, login, user_factory):
    login(client, user_factory(roles=["admin"]))
    return client


def save(client, **values):
    return client.form("/admin/branding", {**FIELDS, **values}, content_type="multipart/form-data")


def test_only_admins_set_the_branding(client, login, user_factory):
    assert client.get("/admin/branding").status_code in (302, 401)
    login(client, user_factory(roles=["staff", "moderator", "organizer"]))
    assert client.get("/admin/branding").status_code == 403
    assert save(client, site_name="Mine").status_code == 403


def test_names_colour_and_description_reach_every_page(admin_client, client):
    response = save(
        admin_client,
        site_name="Springfield Board",
        city_name="Springfield",
        accent_colour="#1a5f2a",
        meta_description="Springfield's residents and staff, working on the city's data.",
    )
    assert response.status_code == 302
    page = client.get("/datasets").get_data(as_text=True)
    assert "Springfield Board" in page and '<span class="brand-city">Springfield</span>' in page
    assert '<meta name="description" content="Springfield&#39;s residents and staff' in page
    assert '<meta property="og:description" content="Springfield&#39;s residents' in page
    css_link = re.search(r'<link rel="stylesheet" href="(/branding\.css\?v=\d+)">', page).group(1)
    css = client.get(css_link)
    assert css.mimetype == "text/css" and "--accent: #1a5f2a" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"]


def test_open_graph_urls_come_from_the_configured_base_url(client):
    page = client.get("/datasets", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert '<meta property="og:url" content="http://localhost/datasets">' in page
    assert '<meta property="og:title" content="Datasets">' in page


def test_an_accent_colour_without_contrast_is_refused_and_nothing_is_lost(admin_client):
    response = save(admin_client, site_name="Kept name", accent_colour="#ffcc00", intro="Kept **intro**")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "contrast of 1.5:1 with white" in page and "at least 4.5:1" in page
    assert 'value="Kept name"' in page and "Kept **intro**" in page
    assert branding.current().site_name != "Kept name"


def test_contrast_is_the_wcag_ratio():
    assert branding.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert branding.contrast(branding.DEFAULT_ACCENT, "#ffffff") > 4.5
    assert branding.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_a_logo_shows_in_the_header_and_is_served_with_its_type(admin_client, client):
    response = admin_client.form(
        "/admin/branding",
        {**FIELDS, "logo": (io.BytesIO(PNG), "logo.png"), "favicon": (io.BytesIO(ICO), "favicon.ico")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    logo = re.search(r'<img class="brand-logo" src="(/branding/logo\?v=\d+)" alt=""', page).group(1)
    served = client.get(logo)
    assert served.mimetype == "image/png" and served.data == PNG
    assert '<meta property="og:image" content="http://localhost/branding/logo?v=' in page
    favicon = re.search(r'<link rel="icon" href="(/branding/favicon\?v=\d+)">', page).group(1)
    assert client.get(favicon).mimetype == "image/x-icon"


def test_removing_the_logo_goes_back_to_the_name_alone(admin_client, client):
    save(admin_client, logo=(io.BytesIO(PNG), "logo.png"))
    save(admin_client, remove_logo="y")
    assert "brand-logo" not in client.get("/").get_data(as_text=True)
    assert client.get("/branding/logo").status_code == 404


def test_an_svg_or_a_disguised_file_is_refused_as_a_logo(admin_client):
    for data, name in ((SVG, "logo.svg"), (b"GIF8 not really", "logo.png")):
        response = save(admin_client, logo=(io.BytesIO(data), name))
        assert response.status_code == 422
        assert "must be a PNG, JPEG, GIF or WebP image" in response.get_data(as_text=True)
    assert branding.image("logo") is None


def test_a_logo_too_large_is_refused(admin_client):
    big = PNG + b"\x00" * branding.LOGO_MAX_BYTES
    response = save(admin_client, logo=(io.BytesIO(big), "logo.png"))
    assert response.status_code == 422 and "it may be at most 300 KB" in response.get_data(as_text=True)


def test_the_introduction_greets_visitors_who_are_not_logged_in(admin_client, client, make_client, login, user_factory):
    save(admin_client, intro="Welcome to **Springfield**: [read how it works](/about).\n\n<script>x()</script>")
    visitor = make_client()
    page = visitor.get("/").get_data(as_text=True)
    assert '<section class="intro markdown" aria-label="Welcome">' in page
    assert "<strong>Springfield</strong>" in page and "<script>x()" not in page
    resident = make_client()
    login(resident, user_factory())
    assert "intro markdown" not in resident.get("/").get_data(as_text=True)


def test_saving_is_audited(admin_client):
    save(admin_client, site_name="Audited")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "site_branding.update")).scalar_one()
    assert entry.target_type == "site_branding"


def test_the_branding_is_read_once_per_process_not_per_page(client, count_queries):
    client.get("/about")
    with count_queries() as counter:
        client.get("/privacy")
        client.get("/terms")
    assert not any("site_branding" in statement for statement in counter.statements)


def test_the_footer_links_the_api_exports_feeds_and_catalog(client):
    page = client.get("/about").get_data(as_text=True)
    footer = page[page.index('<footer class="site-footer">') :]
    for path in (
        "/about",
        "/privacy",
        "/terms",
        "/api/docs",
        "/exports/problems.csv",
        "/feeds/problems.atom",
        "/data.json",
    ):
        assert f'href="{path}"' in footer
    assert "Follow in a feed reader" in footer
