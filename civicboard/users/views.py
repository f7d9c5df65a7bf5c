"""Public profile pages (/users/<id>)."""

from __future__ import annotations

from flask import Blueprint, render_template

from civicboard.auth.models import User
from civicboard.extensions import db

bp = Blueprint("users", __name__)


@bp.get("/users/<int:user_id>")
def profile(user_id: int):
    """A user's public profile."""
    user = db.get_or_404(User, user_id)
    return render_template("users/profile.html", user=user)
