"""The board's face, set by an admin without code: names, logo, accent colour, favicon, an
introduction for first-time visitors and the description shared links show.

Every page needs it, so it is read once and kept in the process (`current()`), for
BRANDING_CACHE_SECONDS (other workers and hosts see a change within that time; the process
that saved it at once). An empty field keeps the default: the configured names, the stylesheet's
accent, no logo.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from civicboard.audit.services import record
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.pages.models import SiteBranding
from civicboard.permissions import Capability, require
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError, clean_text

CACHE_KEY = "civicboard.branding"
DEFAULT_ACCENT = "#0b5cad"
MIN_CONTRAST = 4.5  # WCAG 1.4.3 AA for normal text: links on white, white text on buttons
LOGO_MAX_BYTES = 300 * 1024
FAVICON_MAX_BYTES = 100 * 1024
INTRO_MAX_LENGTH = 2_000
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

# Raster formats only, told by their first bytes (never by the file name or the browser's
# word): an SVG can carry script.
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
ICO_SIGNATURE = b"\x00\x00\x01\x00"


@dataclass(frozen=True)
class Branding:
    """What pages use: names, colours, texts, and whether there is a logo or favicon to link."""

    site_name: str
    city_name: str
    accent: str
    accent_is_custom: bool
    intro_html: str
    meta_description: str
    has_logo: bool
    has_favicon: bool
    version: str  # changes with every save: busts caches of the logo, favicon and colours


def defaults() -> Branding:
    """The board's face before an admin set anything."""
    config = current_app.config
    return Branding(
        site_name=config["SITE_NAME"],
        city_name=config["CITY_NAME"],
        accent=DEFAULT_ACCENT,
        accent_is_custom=False,
        intro_html="",
        meta_description="",
        has_logo=False,
        has_favicon=False,
        version="0",
    )


def _row() -> SiteBranding | None:
    return db.session.execute(select(SiteBranding).where(SiteBranding.id == 1)).scalar_one_or_none()


def _from_row(row: SiteBranding | None) -> Branding:
    base = defaults()
    if row is None:
        return base
    return Branding(
        site_name=row.site_name or base.site_name,
        city_name=row.city_name or base.city_name,
        accent=row.accent_colour or base.accent,
        accent_is_custom=bool(row.accent_colour),
        intro_html=row.intro_html,
        meta_description=row.meta_description,
        has_logo=bool(row.logo_type),
        has_favicon=bool(row.favicon_type),
        version=str(int(row.updated_at.timestamp())),
    )


def current() -> Branding:
    """The branding for this request: one query per process every BRANDING_CACHE_SECONDS."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get(CACHE_KEY)
    ttl = app.config.get("BRANDING_CACHE_SECONDS", 30)
    if cached is not None and (ttl is None or time.monotonic() - cached[0] < ttl):
        return cached[1]
    branding = _from_row(_row())
    app.extensions[CACHE_KEY] = (time.monotonic(), branding)
    return branding


def forget() -> None:
    """Drop this process's copy, so the next page reads the saved branding."""
    current_app.extensions.pop(CACHE_KEY, None)


def edit_values() -> dict[str, str]:
    """The saved fields as the form shows them (empty: the default applies)."""
    row = _row()
    if row is None:
        return {"site_name": "", "city_name": "", "accent_colour": "", "intro": "", "meta_description": ""}
    return {
        "site_name": row.site_name,
        "city_name": row.city_name,
        "accent_colour": row.accent_colour,
        "intro": row.intro,
        "meta_description": row.meta_description,
    }


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two #rrggbb colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: message})


def _clean_colour(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not value.startswith("#"):
        value = "#" + value
    if not HEX_COLOUR.match(value):
        raise _invalid("accent_colour", _("Give the colour as six hexadecimal digits, like #0b5cad."))
    ratio = contrast(value, "#ffffff")
    if ratio < MIN_CONTRAST:
        raise _invalid(
            "accent_colour",
            _(
                "%(colour)s has a contrast of %(ratio)s:1 with white; links and buttons need at "
                "least %(minimum)s:1 to stay readable. Choose a darker shade.",
                colour=value,
                ratio=format(ratio, ".1f"),
                minimum=MIN_CONTRAST,
            ),
        )
    return value.lower()


def image_type(data: bytes, allow_ico: bool = False) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or WebP (or ICO) image, from its first bytes; else None."""
    for signature, mime in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if allow_ico and data.startswith(ICO_SIGNATURE):
        return "image/x-icon"
    return None


def _clean_image(field: str, data: bytes | None, limit: int, allow_ico: bool) -> tuple[bytes, str] | None:
    if not data:
        return None
    size, most = len(data) // 1024, limit // 1024
    if len(data) > limit:
        if allow_ico:
            message = _("The favicon is %(size)s KB; it may be at most %(most)s KB.", size=size, most=most)
        else:
            message = _("The logo is %(size)s KB; it may be at most %(most)s KB.", size=size, most=most)
        raise _invalid(field, message)
    mime = image_type(data, allow_ico)
    if mime is None:
        if allow_ico:
            raise _invalid(field, _("The favicon must be a PNG, JPEG, GIF, WebP or ICO image."))
        raise _invalid(field, _("The logo must be a PNG, JPEG, GIF or WebP image."))
    return data, mime


def save(
    actor,
    *,
    site_name: str | None,
    city_name: str | None,
    accent_colour: str | None,
    intro: str | None,
    meta_description: str | None,
    logo: bytes | None = None,
    favicon: bytes | None = None,
    remove_logo: bool = False,
    remove_favicon: bool = False,
) -> SiteBranding:
    """Set the board's branding (admins); empty text fields fall back to the defaults."""
    require(actor, Capability.MANAGE_SITE_PAGES)
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    checks = (
        ("site_name", lambda: clean_text(site_name, "site_name", label=_("Site name"), max_length=60, required=False)),
        ("city_name", lambda: clean_text(city_name, "city_name", label=_("City name"), max_length=80, required=False)),
        ("accent_colour", lambda: _clean_colour(accent_colour)),
        (
            "intro",
            lambda: clean_text(intro, "intro", label=_("Introduction"), max_length=INTRO_MAX_LENGTH, required=False),
        ),
        (
            "meta_description",
            lambda: clean_text(
                meta_description, "meta_description", label=_("Description"), max_length=300, required=False
            ),
        ),
        ("logo", lambda: _clean_image("logo", logo, LOGO_MAX_BYTES, allow_ico=False)),
        ("favicon", lambda: _clean_image("favicon", favicon, FAVICON_MAX_BYTES, allow_ico=True)),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(_("The branding has errors."), errors)
    row = _row()
    if row is None:
        row = SiteBranding(id=1)
        db.session.add(row)
    row.site_name = values["site_name"] or ""
    row.city_name = values["city_name"] or ""
    row.accent_colour = values["accent_colour"] or ""
    row.intro = values["intro"] or ""
    row.intro_html = render(row.intro) if row.intro else ""
    row.meta_description = values["meta_description"] or ""
    for name, remove in (("logo", remove_logo), ("favicon", remove_favicon)):
        image = values[name]
        if image:
            setattr(row, name, image[0])
            setattr(row, f"{name}_type", image[1])
        elif remove:
            setattr(row, name, None)
            setattr(row, f"{name}_type", "")
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    db.session.flush()
    record(actor, "site_branding.update", "site_branding", "1")
    forget()
    return row


def image(name: str) -> tuple[bytes, str] | None:
    """The stored logo or favicon and its MIME type, or None."""
    row = _row()
    if row is None:
        return None
    data, mime = getattr(row, name), getattr(row, f"{name}_type")
    return (data, mime) if data and mime else None
