"""The admin's form for a site page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from civicboard.pages.services import BODY_MAX_LENGTH


class SitePageForm(FlaskForm):
    """A page's title and Markdown text."""

    title = StringField("Title", validators=[DataRequired(), Length(max=140)])
    body = TextAreaField(
        "Text",
        validators=[DataRequired(), Length(max=BODY_MAX_LENGTH)],
        description="Markdown: ### headings, **bold**, lists and links. Raw HTML is shown as text.",
        render_kw={"rows": 24},
    )
