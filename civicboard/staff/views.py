"""Staff pages: the queue, official responses, evidence."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)
