"""The outcomes dashboard, /insights."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insights", __name__)
