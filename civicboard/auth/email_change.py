"""Changing an account's email address: the new one is confirmed before it replaces the old.

A person asks with their password; a signed link (48 hours) goes to the new address. Opening
it replaces the address, counts it as confirmed, and tells the old address, so someone who
took over a session cannot move the account away unnoticed. The token names the old address
too: once the address has changed, the same link finds nothing to do.
"""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.auth.services import find_user_by_email, normalise_email
from civicboard.extensions import db
from civicboard.links import absolute_url
from civicboard.outbox.services import queue_email
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError

SALT = "civicboard.email-change"
INVALID_LINK = "This link has expired or was already used."
TAKEN = "Another account uses that address."


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def request_change(user: User, new_email: str | None, password: str | None) -> str:
    """Send a confirmation link to the new address (in the current transaction); returns it."""
    if not check_password_hash(user.password_hash, password or ""):
        message = "Your current password is not correct."
        raise ValidationError(message, {"current_password": message})
    try:
        new = normalise_email(new_email)
    except ValidationError as exc:
        raise ValidationError(exc.message, {"new_email": exc.fields.get("email", exc.message)}) from exc
    if new == user.email:
        raise ValidationError("That is already your address.", {"new_email": "That is already your address."})
    if find_user_by_email(new) is not None:
        raise ValidationError(TAKEN, {"new_email": TAKEN})
    token = _serializer().dumps({"uid": user.id, "old": user.email, "new": new})
    site = current_app.config["SITE_NAME"]
    hours = current_app.config["CONFIRMATION_MAX_AGE"] // 3600
    queue_email(
        f"email-change:{user.id}:{secrets.token_hex(8)}",
        new,
        f"Confirm your new email address for {site}",
        f"Hello {user.name},\n\nYou asked to use this address for your account on {site}. Open this "
        f"link within {hours} hours to confirm it; until then your account keeps its current address:\n\n"
        f"{absolute_url('auth.confirm_email_change', token=token)}\n\n"
        "If you did not ask for this, ignore this message: nothing changes.\n",
        user_id=user.id,
    )
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
        raise ValidationError(INVALID_LINK)
    user, new = found
    if find_user_by_email(new) is not None:
        raise ConflictError(TAKEN)
    old = user.email
    user.email = new
    user.email_confirmed_at = utcnow()
    site = current_app.config["SITE_NAME"]
    contact = current_app.config["CONTACT_EMAIL"]
    queue_email(
        f"email-changed:{user.id}:{secrets.token_hex(8)}",
        old,
        f"Your email address on {site} was changed",
        f"Hello {user.name},\n\nThe email address of your account on {site} was changed from this "
        f"address to {new}. Messages from the board now go there.\n\n"
        f"If you did not do this, reset your password at {absolute_url('auth.forgot_password')} "
        f"and write to {contact}.\n",
        user_id=user.id,
    )
    record(user, "user.email_change", "user", user.id)
    return user
