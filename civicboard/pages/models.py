"""A site page's saved text; a page never edited shows the default text in civicboard.pages.defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicboard.extensions import db
from civicboard.timeutil import utcnow


class SitePage(db.Model):
    """The admin-edited text of one site page (about, privacy, terms)."""

    __tablename__ = "site_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(140), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class SiteBranding(db.Model):
    """The board's face as an admin set it: one row (id 1); a field left empty keeps the default.

    The images are small (a logo, a favicon) and kept in the database so every web host serves
    the same ones; they are loaded only when served (deferred).
    """

    __tablename__ = "site_branding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_name: Mapped[str] = mapped_column(String(60), default="", nullable=False)
    city_name: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    accent_colour: Mapped[str] = mapped_column(String(7), default="", nullable=False)
    intro: Mapped[str] = mapped_column(Text, default="", nullable=False)
    intro_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    meta_description: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    logo_type: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    favicon: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    favicon_type: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
