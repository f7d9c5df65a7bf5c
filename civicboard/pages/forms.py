"""The admin's forms for a site page and for the board's branding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from civicboard.pages.services import BODY_MAX_LENGTH


class SitePageForm(FlaskForm):
    """A page's title and Markdown text."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=140)])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=BODY_MAX_LENGTH)],
        description=_l("Markdown: ### headings, **bold**, lists and links. Raw HTML is shown as text."),
        render_kw={"rows": 24},
    )


class BrandingForm(FlaskForm):
    """The board's branding; every field may stay empty (the default applies)."""

    site_name = StringField(
        _l("Board name"),
        validators=[Optional(), Length(max=60)],
        description=_l("Shown first in the header. Default: CivicBoard."),
    )
    city_name = StringField(
        _l("City name"), validators=[Optional(), Length(max=80)], description=_l("Shown beside it.")
    )
    logo = FileField(
        _l("Logo"),
        description=_l("A PNG, JPEG, GIF or WebP image of at most 300 KB, shown in the header at 40 px high."),
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )
    remove_logo = BooleanField(_l("Remove the logo"))
    accent_colour = StringField(
        _l("Accent colour"),
        validators=[Optional(), Length(max=7)],
        description=_l(
            "Links and main buttons, as #rrggbb. It must have a contrast of at least 4.5:1 with white. "
            "Default: #0b5cad."
        ),
        render_kw={"placeholder": "#0b5cad", "autocomplete": "off", "spellcheck": "false"},
    )
    favicon = FileField(
        _l("Favicon"),
        description=_l("The little image in browser tabs: a square PNG or ICO of at most 100 KB (32 or 48 px)."),
        render_kw={"accept": "image/png,image/x-icon,image/vnd.microsoft.icon,image/gif,image/webp,image/jpeg"},
    )
    remove_favicon = BooleanField(_l("Remove the favicon"))
    intro = TextAreaField(
        _l("Introduction for first-time visitors"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Shown on the home page to visitors who are not logged in. Markdown: **bold**, lists, links."),
        render_kw={"rows": 5},
    )
    meta_description = TextAreaField(
        _l("Description for search engines and shared links"),
        validators=[Optional(), Length(max=300)],
        description=_l("One or two sentences; a link shared on social media or in a chat shows it with the title."),
        render_kw={"rows": 3},
    )
