"""Site-wide routes: the health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from civicboard.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the app can reach its database."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
