"""Forms for registration, login, password reset and account settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from civicboard.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _password(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Password must be at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
        description=_l("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(FlaskForm):
    """Create an account."""

    name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Shown next to what you post."),
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(message=_l("Enter a valid email address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = _password(_l("Password"))
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    """Log in with email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "email"})
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    """Choose a new password with a reset link."""

    password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(FlaskForm):
    """Change the password while logged in."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class EmailChangeForm(FlaskForm):
    """Ask to use another email address (confirmed from the new address before it counts)."""

    new_email = EmailField(
        _l("New email address"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "email"},
        description=_l("We send a link to it; your address changes when you open the link."),
    )
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class ProfileForm(FlaskForm):
    """Display name and bio."""

    name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)])
    bio = TextAreaField(
        _l("About you"), validators=[Length(max=500)], description=_l("Optional, up to 500 characters.")
    )


class TokenForm(FlaskForm):
    """Create a personal API token."""

    label = StringField(
        _l("Label"), validators=[Length(max=80)], description=_l("What the token is for, e.g. 'my data notebook'.")
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (logout, revoke, follow)."""
