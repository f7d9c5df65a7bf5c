"""Reading and editing site pages: admins write Markdown, civicboard.markup renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from civicboard.audit.services import record
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.pages.defaults import DEFAULT_PAGES
from civicboard.pages.models import SitePage
from civicboard.permissions import Capability, require
from civicboard.timeutil import utcnow
from civicboard.validation import clean_text

SLUGS = tuple(DEFAULT_PAGES)
BODY_MAX_LENGTH = 50_000


@dataclass(frozen=True)
class PageText:
    """What a page shows: its title, its Markdown and the rendered HTML, and when it was edited."""

    slug: str
    title: str
    body: str
    body_html: str
    updated_at: datetime | None


def get_page(slug: str) -> PageText:
    """A site page as saved, or its default text when nobody has edited it yet (KeyError: no such page)."""
    default_title, default_body = (str(text) for text in DEFAULT_PAGES[slug])
    row = db.session.execute(select(SitePage).where(SitePage.slug == slug)).scalar_one_or_none()
    if row is None:
        return PageText(slug, default_title, default_body, render(default_body), None)
    return PageText(slug, row.title, row.body, row.body_html, row.updated_at)


def save_page(actor, slug: str, title: str | None, body: str | None) -> SitePage:
    """Replace a site page's title and text (admins only); the HTML is rendered once, here."""
    require(actor, Capability.MANAGE_SITE_PAGES)
    if slug not in DEFAULT_PAGES:
        raise KeyError(slug)
    title = clean_text(title, "title", label=_("Title"), max_length=140)
    body = clean_text(body, "body", label=_("Text"), max_length=BODY_MAX_LENGTH)
    row = db.session.execute(select(SitePage).where(SitePage.slug == slug)).scalar_one_or_none()
    if row is None:
        row = SitePage(slug=slug)
        db.session.add(row)
    row.title = title
    row.body = body
    row.body_html = render(body)
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    db.session.flush()
    record(actor, "site_page.update", "site_page", slug)
    return row
