"""Unsubscribe links: a signed token naming a person and the topics one click turns off.

The token is the only credential (RFC 8058's one-click POST carries no cookie), so it is
signed with the secret key and names nothing but an account id and topic keys. It does not
expire: an unsubscribe link in an old email must still work.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from civicboard.links import absolute_url
from civicboard.problems.preferences import TOPICS_BY_KEY

SALT = "civicboard.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, topics: list[str]) -> str:
    """A token turning these topics off for this user."""
    return _serializer().dumps({"u": user_id, "t": sorted(topics)})


def unsubscribe_url(user_id: int, topics: list[str]) -> str:
    """The absolute link (and List-Unsubscribe URL) for these topics."""
    return absolute_url("notify.unsubscribe", token=make_token(user_id, topics))


def read_token(token: str) -> tuple[int, list[str]] | None:
    """(user id, topic keys) from a valid token, else None."""
    if not token or len(token) > 500:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("t"), list):
        return None
    topics = [t for t in data["t"] if isinstance(t, str) and t in TOPICS_BY_KEY]
    return (data["u"], topics) if topics else None


def headers(url: str) -> dict[str, str]:
    """The RFC 8058 headers for an email whose unsubscribe link is `url`."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
