"""Changing an account's email address: the new one is confirmed before it replaces the old.

A person asks with their password; a signed link (48 hours) goes to the new address. Opening
it replaces the address, counts it as confirmed, and tells the old address, so someone who
took over a session cannot move the account away unnoticed. The token names the old address
too: once the address has changed, the same link finds nothing to do.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import get_locale, ngettext, to_user_timezone
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.auth.services import find_user_by_email, normalise_email
from civicboard.extensions import db
from civicboard.i18n import in_language_of
from civicboard.links import absolute_url
from civicboard.outbox.services import queue_email
from civicboard.timeutil import format_local_time, utcnow
from civicboard.validation import ConflictError, ValidationError

SALT = "civicboard.email-change"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def request_change(user: User, new_email: str | None, password: str | None) -> str:
    """Send a confirmation link to the new address (in the current transaction); returns it."""
    if not check_password_hash(user.password_hash, password or ""):
        message = _("Your current password is not correct.")
        raise ValidationError(message, {"current_password": message})
    try:
        new = normalise_email(new_email)
    except ValidationError as exc:
        raise ValidationError(exc.message, {"new_email": exc.fields.get("email", exc.message)}) from exc
    if new == user.email:
        message = _("That is already your address.")
        raise ValidationError(message, {"new_email": message})
    if find_user_by_email(new) is not None:
        message = _("Another account uses that address.")
        raise ValidationError(message, {"new_email": message})
    token = _serializer().dumps({"uid": user.id, "old": user.email, "new": new})
    site = current_app.config["SITE_NAME"]
    hours = current_app.config["CONFIRMATION_MAX_AGE"] // 3600
    link = absolute_url("auth.confirm_email_change", token=token)
    with in_language_of(user):
        subject = _("Confirm your new email address for %(site)s", site=site)
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                ngettext(
                    "You asked to use this address for your account on %(site)s. Open this link within "
                    "%(num)d hour to confirm it; until then your account keeps its current address:",
                    "You asked to use this address for your account on %(site)s. Open this link within "
                    "%(num)d hours to confirm it; until then your account keeps its current address:",
                    hours,
                    site=site,
                ),
                link,
                _("If you did not ask for this, ignore this message: nothing changes."),
            ]
        )
    queue_email(f"email-change:{user.id}:{secrets.token_hex(8)}", new, subject, body + "\n", user_id=user.id)
    return new


def pending_change(token: str) -> tuple[User, str] | None:
    """(account, new address) for a valid, unexpired, unused link; else None."""
    if not token or len(token) > 1000:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["CONFIRMATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("new"), str):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("old"):
        return None
    return user, data["new"]


def confirm_change(token: str) -> User:
    """Replace the address with the confirmed new one, and tell the old address."""
    found = pending_change(token)
    if found is None:
        raise ValidationError(_("This link has expired or was already used."))
    user, new = found
    if find_user_by_email(new) is not None:
        raise ConflictError(_("Another account uses that address."))
    old = user.email
    user.email = new
    user.email_confirmed_at = utcnow()
    site = current_app.config["SITE_NAME"]
    contact = current_app.config["CONTACT_EMAIL"]
    with in_language_of(user):
        subject = _("Your email address on %(site)s was changed", site=site)
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                _(
                    "On %(when)s the email address of your account on %(site)s was changed from this address "
                    "to %(new)s. Messages from the board now go there.",
                    when=_local_time(user.email_confirmed_at),
                    site=site,
                    new=new,
                ),
                _(
                    "If you did not do this, reset your password at %(link)s and write to %(contact)s.",
                    link=absolute_url("auth.forgot_password"),
                    contact=contact,
                ),
            ]
        )
    queue_email(f"email-changed:{user.id}:{secrets.token_hex(8)}", old, subject, body + "\n", user_id=user.id)
    record(user, "user.email_change", "user", user.id)
    return user


def _local_time(value: datetime) -> str:
    """A stored (naive UTC) time in the city's time zone and the reader's language."""
    moment = to_user_timezone(value)
    return format_local_time(moment, "d MMM y, HH:mm", moment.tzinfo, get_locale())
