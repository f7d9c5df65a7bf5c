"""Moderation: flags, the moderation queue, hide, restore, lock, suspend."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__)
