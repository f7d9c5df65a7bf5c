"""Public profile pages (/users/<id>): who someone is, their problems and their comments."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.problems import queries

bp = Blueprint("users", __name__)


@bp.get("/users/<int:user_id>")
def profile(user_id: int):
    """A user's public profile with their visible problems and comments, each paginated."""
    user = db.get_or_404(User, user_id, options=[selectinload(User.role_rows)])
    problems = queries.user_problems(current_user, user, before=request.args.get("problems_before"))
    comments = queries.user_comments(current_user, user, before=request.args.get("comments_before"))
    return render_template("users/profile.html", user=user, problems=problems, comments=comments)
