"""Forms for the pages where residents take their data or delete their account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired


class DeleteAccountForm(FlaskForm):
    """Delete my account: the password again, and whether to take away what nobody answered."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired()],
        description=_l("Enter your password to confirm it is you."),
        render_kw={"autocomplete": "current-password"},
    )
    remove_unanswered = BooleanField(
        _l("Also remove my problems and comments that nobody else has replied to"),
    )


class ExportForm(FlaskForm):
    """The download button: a POST with its CSRF token."""
