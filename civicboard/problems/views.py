"""Problem pages: the list (/), proposing, a problem's page, search, notifications."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("problems", __name__)


@bp.get("/")
def index():
    """The problem list."""
    return render_template("problems/index.html")
