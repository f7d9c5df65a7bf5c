"""The language switcher: remember a choice in a cookie (and on the account), then go back."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from civicboard.extensions import db
from civicboard.i18n import COOKIE, COOKIE_MAX_AGE, PARAMETER, chosen
from civicboard.security import safe_next
from civicboard.web import check_button

bp = Blueprint("i18n", __name__)


@bp.get("/language/<code>")
def switch(code: str):
    """The switcher's link for visitors: sets the `lang` cookie and goes back.

    A link, not a form, because cached anonymous pages carry no CSRF token; all it can
    change is the language this browser reads the board in.
    """
    return _switched(_offered_or_404(code))


@bp.post("/language/<code>")
def save(code: str):
    """The switcher's button for signed-in users: also saves the choice on the account, so
    other devices and the emails sent to them use it."""
    language = _offered_or_404(code)
    check_button()
    if current_user.is_authenticated and current_user.language != language:
        current_user.language = language
        db.session.commit()
    return _switched(language)


def _offered_or_404(code: str) -> str:
    language = chosen(code)
    if language is None:
        abort(404)
    return language


def _switched(language: str):
    target = _without_language_parameter(safe_next(request.values.get("next"), url_for("problems.index")))
    response = redirect(target, 303)
    response.set_cookie(
        COOKIE, language, max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure, httponly=True
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _without_language_parameter(path: str) -> str:
    """The page to go back to, minus a `?lang=` that would outrank the new choice."""
    parts = urlsplit(path)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != PARAMETER]
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))
