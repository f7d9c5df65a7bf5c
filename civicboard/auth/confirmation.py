"""Confirming an email address: the emailed /verify/<token> link, and sending it again.

A token names the account and the address it was sent to, is signed, and lives 48 hours. It
works once: following it confirms that address, after which the same token finds the account
already confirmed. Until then the account can read, follow and draft but not act
(permissions.require_active).
"""

from __future__ import annotations

import math
import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.i18n import in_language_of
from civicboard.links import absolute_url
from civicboard.outbox.services import queue_email
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError

CONFIRM_SALT = "civicboard.email-confirmation"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def make_confirmation_token(user: User) -> str:
    """A signed token naming the account and the address to confirm."""
    return _serializer().dumps({"uid": user.id, "email": user.email})


def send_confirmation(user: User) -> None:
    """Queue the confirmation link for the user's address (in the current transaction), in
    the user's language."""
    hours = current_app.config["CONFIRMATION_MAX_AGE"] // 3600
    link = absolute_url("auth.verify_email", token=make_confirmation_token(user))
    site = current_app.config["SITE_NAME"]
    with in_language_of(user):
        subject = _("Confirm your email address for %(site)s", site=site)
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                ngettext(
                    "Welcome to %(site)s. Open this link within %(num)d hour to confirm your address, "
                    "so you can propose problems, vote, comment and report:",
                    "Welcome to %(site)s. Open this link within %(num)d hours to confirm your address, "
                    "so you can propose problems, vote, comment and report:",
                    hours,
                    site=site,
                ),
                link,
                _("If you did not create this account, ignore this message."),
            ]
        )
    queue_email(f"confirm:{user.id}:{secrets.token_hex(8)}", user.email, subject, body + "\n", user_id=user.id)
    user.confirmation_sent_at = utcnow()


def resend_confirmation(user: User) -> None:
    """Send the link again, at most once per CONFIRMATION_RESEND_SECONDS."""
    if user.is_confirmed:
        raise ValidationError(_("Your email address is already confirmed."))
    wait = current_app.config["CONFIRMATION_RESEND_SECONDS"]
    if user.confirmation_sent_at is not None:
        elapsed = (utcnow() - user.confirmation_sent_at).total_seconds()
        if elapsed < wait:
            minutes = max(1, math.ceil((wait - elapsed) / 60))
            raise ConflictError(
                ngettext(
                    "We sent you a link a moment ago; check your inbox (and spam folder), "
                    "or ask again in %(num)d minute.",
                    "We sent you a link a moment ago; check your inbox (and spam folder), "
                    "or ask again in %(num)d minutes.",
                    minutes,
                )
            )
    send_confirmation(user)


def user_for_confirmation_token(token: str) -> User | None:
    """The unconfirmed account a valid, unexpired token was sent to, else None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["CONFIRMATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.is_confirmed or user.email != data.get("email"):
        return None
    return user


def confirm_email(token: str) -> User:
    """Confirm the address a token was sent to; the token cannot be used again."""
    user = user_for_confirmation_token(token)
    if user is None:
        raise ValidationError(_("This confirmation link has expired or was already used."))
    user.email_confirmed_at = utcnow()
    return user
