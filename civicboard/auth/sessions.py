"""Server-side login sessions and API-token authentication for Flask-Login.

The signed cookie (and the remember-me cookie) carry only an opaque token; the row in
`user_sessions` is the session. Logging out, changing the password or being banned deletes
rows, so a cookie copied earlier stops working at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from flask import Flask, current_app, g, request, session
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import contains_eager

from civicboard.auth.models import ApiToken, User, UserSession, hash_token
from civicboard.extensions import db, login_manager
from civicboard.permissions import PermissionDenied
from civicboard.timeutil import utcnow

# How stale last_seen_at may get before a request refreshes it (one write, not one per request).
TOUCH_INTERVAL = timedelta(minutes=10)


def register(app: Flask) -> None:
    """Install the loaders on the login manager, and refuse a suspended account's token."""
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_token_user)
    app.before_request(refuse_suspended_token)


def is_token_request() -> bool:
    """API requests carrying an Authorization header authenticate by token alone."""
    return request.path.startswith("/api/") and "Authorization" in request.headers


def load_session_user(token: str) -> User | None:
    """Find the live session for a cookie token, with its user and roles, in one query.

    Flask-Login calls this for the session cookie and for the remember-me cookie, and then
    never asks the request loader. So on a request carrying a bearer token the token alone
    decides, whatever cookies come with it: a valid token is not turned away because a
    browser also sent a `remember_token`, and a bogus one never rides on the cookie.
    """
    if is_token_request():
        return bearer_user()
    if not token:
        return None
    now = utcnow()
    found = db.session.execute(_session_query(), {"token_hash": hash_token(token), "now": now})
    row = found.unique().scalar_one_or_none()
    if row is None:
        return None
    user = row.user
    if user.is_banned:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user


# Every signed-in request runs one of these: each is built once, not per request (building a
# statement costs more than SQLite takes to run it).


@cache
def _session_query() -> Select:
    """A live session by its token's hash, with its user and the user's roles."""
    return (
        select(UserSession)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user).joinedload(User.role_rows))
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.expires_at > bindparam("now"))
    )


@cache
def _api_token_query() -> Select:
    """A live API token by its hash, with its user and the user's roles."""
    return (
        select(ApiToken)
        .join(ApiToken.user)
        .options(contains_eager(ApiToken.user).joinedload(User.role_rows))
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    )


def load_token_user(req) -> User | None:
    """Flask-Login's request loader: `Authorization: Bearer <token>` on API paths."""
    return bearer_user() if is_token_request() else None


def bearer_user() -> User | None:
    """The live account an API request's bearer token names, looked up once per request.

    A revoked or unknown token, and the token of a suspended or banned account, authenticate
    no one; the last is remembered so refuse_suspended_token can answer 403.
    """
    if "bearer_user" in g:
        return g.bearer_user
    g.bearer_user = None
    g.bearer_suspended = False
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    user, suspended = user_for_api_token(token)
    g.bearer_suspended = suspended
    g.bearer_user = user
    return user


def user_for_api_token(token: str | None) -> tuple[User | None, bool]:
    """(the live account a personal API token names, whether it is suspended) — for a bearer
    header or a token sent another way (Open311's `api_key`). A revoked or unknown token names
    no one; a suspended or banned account's token gives (None, True)."""
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None, False
    row = db.session.execute(_api_token_query(), {"token_hash": hash_token(token)}).unique().scalar_one_or_none()
    if row is None:
        return None, False
    user = row.user
    if user.is_banned:
        return None, True
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        row.last_used_at = now
        db.session.commit()
    user.session_token = None
    return user, False


def refuse_suspended_token() -> None:
    """403 for every API request made with a suspended or banned account's token.

    Such a token authenticates no one (bearer_user), so a request would otherwise go on as
    an anonymous one; saying "suspended" is the honest answer, and it is the same whether
    the request reads or writes. Public data stays readable without the token.
    """
    if not is_token_request():
        return
    current_user._get_current_object()  # runs the loaders once for this request
    if g.get("bearer_suspended"):
        raise PermissionDenied(
            gettext("This account is suspended; its API tokens do not work until the suspension ends.")
        )


def start_session(user: User, remember: bool = False) -> str:
    """Renew the Flask session and create a session row; the caller commits."""
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"] if remember else current_app.config["SESSION_LIFETIME"]
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            user_agent=(request.user_agent.string or "")[:255],
            ip_address=(request.remote_addr or "")[:64],
        )
    )
    # A fresh session: nothing set before login (and no CSRF token) carries over.
    session.clear()
    user.session_token = token
    login_user(user, remember=remember, duration=lifetime if remember else None)
    return token


def end_session(user: User | None) -> None:
    """Delete this login's session row and clear the cookies; the caller commits."""
    token = getattr(user, "session_token", None)
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    """Delete every session of a user (password change, ban); the caller commits."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def end_other_sessions(user: User) -> None:
    """Delete every session of a user but the current one; the caller commits."""
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.token_hash != hash_token(user.session_token or ""),
        )
    )
