"""/about, /privacy and /terms: default text for a city board, edited by admins in Markdown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.pages.models import SitePage


@pytest.mark.parametrize(("path", "title"), [("/about", "About"), ("/privacy", "Privacy"), ("/terms", "Terms")])
def test_each_page_shows_its_default_text(client, path, title):
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{title}" in response.get_data(as_text=True)


def test_a_page_nobody_edited_is_shown_in_the_visitors_language(client):
    html = client.get("/about", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "<h1>Acerca de este tablero</h1>" in html
    assert "<h3>Cómo funciona</h3>" in html and 'href="/terms"' in html
    assert "<h1>Terms of use</h1>" in client.get("/terms?lang=en").get_data(as_text=True)


def test_an_edited_page_shows_the_admins_text_in_every_language(client, login, user_factory):
    login(client, user_factory(roles=["admin"]))
    client.form("/pages/terms/edit", {"title": "Normas", "body": "Sea **amable**."})
    html = client.get("/terms?lang=en").get_data(as_text=True)
    assert "<h1>Normas</h1>" in html and "<strong>amable</strong>" in html
    assert "Última actualización" in client.get("/terms?lang=es").get_data(as_text=True)


def test_the_footer_links_every_page(client):
    page = client.get("/login").get_data(as_text=True)
    for path in ("/about", "/privacy", "/terms"):
        assert f'href="{path}"' in page


def test_registration_links_terms_and_privacy(client):
    page = client.get("/register").get_data(as_text=True)
    assert page.count('href="/terms"') >= 2 and page.count('href="/privacy"') >= 2  # the form and the footer


def test_an_admin_edits_a_page(client, login, user_factory):
    admin = user_factory(roles=["admin"])
    login(client, admin)
    assert client.get("/pages/privacy/edit").status_code == 200
    response = client.form("/pages/privacy/edit", {"title": "Privacy at Springfield", "body": "We keep **little**."})
    assert response.status_code == 302
    page = client.get("/privacy").get_data(as_text=True)
    assert "Privacy at Springfield" in page and "<strong>little</strong>" in page
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "site_page.update")).scalar_one()
    assert entry.actor_id == admin.id and entry.target_id == "privacy"


def test_a_non_admin_cannot_edit(client, login, user_factory):
    login(client, user_factory(roles=["staff", "moderator", "organizer"]))
    assert client.get("/pages/terms/edit").status_code == 403
    assert client.form("/pages/terms/edit", {"title": "Mine now", "body": "Ha."}).status_code == 403
    assert db.session.execute(select(SitePage)).first() is None


def test_anonymous_cannot_edit(client):
    response = client.form("/pages/about/edit", {"title": "Mine now", "body": "Ha."})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.execute(select(SitePage)).first() is None


def test_an_unknown_page_is_not_found(client, login, user_factory):
    login(client, user_factory(roles=["admin"]))
    assert client.get("/pages/secret/edit").status_code == 404


def test_page_markdown_is_sanitized(client, login, user_factory):
    login(client, user_factory(roles=["admin"]))
    body = "<script>alert(1)</script>\n\n[click](javascript:alert(2)) <img src=x onerror=alert(3)>"
    client.form("/pages/about/edit", {"title": "About", "body": body})
    page = client.get("/about").get_data(as_text=True)
    text = page.split('<div class="markdown">', 1)[1].split("</div>", 1)[0]
    assert "&lt;script&gt;alert(1)" in text  # shown as text, never run
    assert "<script" not in text and "<img" not in text
    assert "javascript:" not in text


def test_an_empty_text_is_refused(client, login, user_factory):
    login(client, user_factory(roles=["admin"]))
    response = client.form("/pages/terms/edit", {"title": "Terms", "body": "   "})
    assert response.status_code == 422
    assert db.session.execute(select(SitePage)).first() is None
