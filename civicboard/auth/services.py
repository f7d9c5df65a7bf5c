"""Account actions: each takes the acting user, checks permission, validates, writes.

Services add to the session and leave the commit to the request (or the CLI command).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from civicboard.audit.services import record
from civicboard.auth.confirmation import send_confirmation
from civicboard.auth.models import ApiToken, Department, User, UserRole, hash_token
from civicboard.auth.sessions import end_all_sessions
from civicboard.extensions import db
from civicboard.i18n import in_language_of
from civicboard.links import absolute_url
from civicboard.outbox.services import queue_email
from civicboard.permissions import Capability, PermissionDenied, Role, require
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_name, clean_text

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
RESET_SALT = "civicboard.password-reset"
# Compared against when the email is unknown, so both paths cost one hash check.
_DUMMY_HASH: dict[str, str] = {}


def normalise_email(value: str | None) -> str:
    """Validate an address and return it lower-cased (accounts are case-insensitive)."""
    raw = (value or "").strip()
    if not raw:
        message = _("Email is required.")
        raise ValidationError(message, {"email": message})
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        # The library's explanation is English only; the field says it in the reader's language.
        message = _("Enter a valid email address.")
        raise ValidationError(message, {"email": message}) from exc
    return result.normalized.lower()


def check_password_rules(password: str | None, field: str = "password") -> str:
    """Passwords: at least 10 characters, not only spaces."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        message = _("Password must be at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
        raise ValidationError(message, {field: message})
    if len(password) > MAX_PASSWORD_LENGTH:
        message = _("Password must be at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)
        raise ValidationError(message, {field: message})
    return password


def hash_password(password: str) -> str:
    """Hash with the configured KDF (scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    """Look a user up by address, case-insensitively."""
    return db.session.execute(select(User).where(User.email == (email or "").strip().lower())).scalar_one_or_none()


def register_user(email: str, name: str, password: str, language: str | None = None) -> User:
    """Create a resident account and email it a confirmation link; the address must not be in use.

    `language` is the interface language the person registered in: their emails use it.
    """
    user = _new_user(email, name, password)
    user.language = language
    send_confirmation(user)
    return user


def _new_user(email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    name = clean_name(name, "name", label=_("Display name"), max_length=80)
    password = check_password_rules(password)
    if find_user_by_email(email) is not None:
        message = _("An account with this email address already exists. Log in or reset your password.")
        raise ConflictError(message, {"email": message})
    user = User(email=email, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def create_user(
    email: str,
    name: str,
    password: str,
    roles: list[str] | None = None,
    department: str | None = None,
) -> User:
    """Create a confirmed account with roles (the CLI's way to make the first admin; the demo's)."""
    user = _new_user(email, name, password)
    user.email_confirmed_at = utcnow()
    for role in roles or []:
        role = Role(role)
        if role is not Role.RESIDENT:
            user.role_rows.append(UserRole(role=role.value))
    if department:
        user.department = get_or_create_department(department)
    record(None, "user.create", "user", user.id, roles=sorted(roles or []))
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user for a correct email and password, else None (same cost either way)."""
    user = find_user_by_email(email)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(8), method=method)
        check_password_hash(_DUMMY_HASH[method], password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def record_login(user: User) -> None:
    """Remember when the user last logged in."""
    user.last_login_at = utcnow()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one; every session of the user ends."""
    if not check_password_hash(user.password_hash, current_password or ""):
        message = _("Your current password is not correct.")
        raise ValidationError(message, {"current_password": message})
    set_password(user, check_password_rules(new_password, "new_password"))


def set_password(user: User, password: str) -> None:
    """Store a new password hash, end every session and revoke every API token.

    Whoever knew the old password may have made a token with it; a change or a reset is
    when the owner takes the account back, so nothing made before survives it (reset links
    die with the old hash).
    """
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    revoke_all_api_tokens(user, user)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Ties a reset token to the current hash: once the password changes, the token is dead.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """A signed token naming the user and their current password hash."""
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused reset token belongs to, else None."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not secrets.compare_digest(str(data.get("pw")), _password_fingerprint(user)):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link if an account exists; callers answer the same either way.

    The message goes to the outbox and the worker sends it: the request never waits on the
    mail server, so neither its time nor its status tells whether the address has an account,
    and a mail failure is logged (and shown to admins), never to the person who asked.
    """
    try:
        address = normalise_email(email)
    except ValidationError:
        return
    user = find_user_by_email(address)
    if user is None:
        return
    link = absolute_url("auth.reset_password", token=make_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with in_language_of(user):
        subject = _("Reset your %(site)s password", site=current_app.config["SITE_NAME"])
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                ngettext(
                    "Someone (hopefully you) asked to reset your password. Open this link within %(num)d "
                    "minute to choose a new one:",
                    "Someone (hopefully you) asked to reset your password. Open this link within %(num)d "
                    "minutes to choose a new one:",
                    minutes,
                ),
                link,
                _("If you did not ask, ignore this message; your password stays the same."),
            ]
        )
    queue_email(f"password-reset:{user.id}:{secrets.token_hex(8)}", user.email, subject, body + "\n", user_id=user.id)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password with a reset token; the token cannot be used again."""
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationError(_("This reset link has expired or was already used. Ask for a new one."))
    set_password(user, check_password_rules(new_password))
    return user


def update_profile(user: User, name: str, bio: str) -> None:
    """Change the display name and short bio."""
    user.name = clean_name(name, "name", label=_("Display name"), max_length=80)
    user.bio = clean_text(bio, "bio", label=_("Bio"), max_length=500, required=False)


# -- roles and departments ---------------------------------------------------------------


def _slugify(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return slug or "department"


def get_or_create_department(name: str) -> Department:
    """Find a department by name (case-insensitive) or create it."""
    name = clean_name(name, "department", label=_("Department"), max_length=120)
    department = db.session.execute(
        select(Department).where(func.lower(Department.name) == name.lower())
    ).scalar_one_or_none()
    if department is None:
        department = Department(name=name, slug=_unique_department_slug(name))
        db.session.add(department)
        db.session.flush()
    return department


def _unique_department_slug(name: str) -> str:
    base = _slugify(name)
    slug, n = base, 2
    while db.session.execute(select(Department.id).where(Department.slug == slug)).first():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_department(actor: User, name: str) -> Department:
    """Admins add departments."""
    require(actor, Capability.MANAGE_DEPARTMENTS)
    name = clean_name(name, "name", label=_("Department name"), max_length=120)
    exists = db.session.execute(select(Department.id).where(func.lower(Department.name) == name.lower())).first()
    if exists:
        message = _("That department already exists.")
        raise ConflictError(message, {"name": message})
    department = Department(name=name, slug=_unique_department_slug(name))
    db.session.add(department)
    db.session.flush()
    record(actor, "department.create", "department", department.id, name=name)
    return department


def grant_role(actor: User, user: User, role: str, reason: str = "") -> bool:
    """Give a user a role; returns False if they already held it."""
    require(actor, Capability.MANAGE_ROLES)
    role = _parse_role(role)
    if role is Role.RESIDENT or user.has_role(role):
        return False
    user.role_rows.append(UserRole(role=role.value, granted_by_id=actor.id))
    record(actor, "role.grant", "user", user.id, reason, role=role.value)
    return True


def revoke_role(actor: User, user: User, role: str, reason: str = "") -> bool:
    """Take a role away; the last admin cannot be removed."""
    require(actor, Capability.MANAGE_ROLES)
    role = _parse_role(role)
    if role is Role.RESIDENT:
        raise ValidationError(_("Every account is a resident; that role cannot be revoked."))
    row = next((r for r in user.role_rows if r.role == role.value), None)
    if row is None:
        return False
    if role is Role.ADMIN and _admin_count() <= 1:
        raise ConflictError(_("This is the only administrator; grant another admin first."))
    user.role_rows.remove(row)
    record(actor, "role.revoke", "user", user.id, reason, role=role.value)
    return True


def set_department(actor: User, user: User, department: Department | None, reason: str = "") -> None:
    """Assign a staff member to a department (or none)."""
    require(actor, Capability.MANAGE_ROLES)
    before = user.department.name if user.department else None
    user.department = department
    after = department.name if department else None
    if before != after:
        record(actor, "department.assign", "user", user.id, reason, before=before, after=after)


def _parse_role(value: str) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError as exc:
        names = ", ".join(r.value for r in Role)
        raise ValidationError(
            _("Unknown role. Choose one of: %(names)s.", names=names), {"role": _("Unknown role.")}
        ) from exc


def _admin_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(UserRole).where(UserRole.role == Role.ADMIN.value)
    ).scalar_one()


# -- suspensions and bans ----------------------------------------------------------------


def ban_user(actor: User, user: User, until: datetime | None, reason: str) -> None:
    """Suspend a user until a date (or ban for good when None); their sessions end at once."""
    require(actor, Capability.MODERATE)
    if user.id == actor.id:
        raise ValidationError(_("You cannot suspend yourself."))
    if user.has_role(Role.ADMIN) and not actor.is_admin:
        raise PermissionDenied(_("Only an administrator can suspend an administrator."))
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=1000)
    if until is not None and until <= utcnow():
        raise ValidationError(
            _("The end of a suspension must be in the future."), {"until": _("Choose a future date.")}
        )
    user.banned_at = utcnow()
    user.banned_until = until
    user.ban_reason = reason
    end_all_sessions(user)
    record(actor, "user.ban", "user", user.id, reason, until=until.isoformat() if until else None)


def unban_user(actor: User, user: User, reason: str = "") -> None:
    """Lift a suspension or ban."""
    require(actor, Capability.MODERATE)
    user.banned_at = None
    user.banned_until = None
    user.ban_reason = ""
    record(actor, "user.unban", "user", user.id, reason)


# -- API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "cb_"  # noqa: S105 - not a secret


def create_api_token(user: User, label: str = "") -> tuple[ApiToken, str]:
    """Issue a personal API token; the plain value is returned once and never stored."""
    label = clean_text(label, "label", label=_("Label"), max_length=80, required=False) or _("API token")
    active = db.session.execute(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalar_one()
    if active >= 20:
        raise ConflictError(_("You have 20 active tokens; revoke one first."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, label=label, token_hash=hash_token(raw), prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_all_api_tokens(actor: User, user: User) -> int:
    """Revoke every active token of a user (its owner or an admin); returns how many."""
    if user.id != actor.id and not actor.is_admin:
        raise PermissionDenied()
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def revoke_api_token(actor: User, token: ApiToken) -> None:
    """Revoke a token; only its owner (or an admin) may."""
    if token.user_id != actor.id and not actor.is_admin:
        raise PermissionDenied()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
