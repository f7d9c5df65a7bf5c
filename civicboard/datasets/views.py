"""Catalog pages: /datasets, /datasets/<id>, /data-requests."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("datasets", __name__)
