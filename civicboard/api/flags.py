"""/api/v1/flags: reporting a problem or a comment to the moderators (once per person and item)."""

from __future__ import annotations

from flask import Blueprint

from civicboard.api import serializers
from civicboard.api.core import ID, OPTIONAL_TEXT, TEXT, acting_user, created_response, json_body, take
from civicboard.extensions import db
from civicboard.moderation import services
from civicboard.ratelimits import flags_address_limit, flags_person_limit

bp = Blueprint("flags", __name__, url_prefix="/flags")

FLAG_FIELDS = {"target_type": TEXT, "target_id": ID, "reason": TEXT, "note": OPTIONAL_TEXT}


@bp.post("")
@flags_person_limit
@flags_address_limit
def create():
    """Report a problem or comment; 409 when you reported it already, 404 when you cannot see it."""
    user = acting_user()
    fields = take(json_body(), FLAG_FIELDS, required=("target_id",))
    report = services.flag(
        user,
        fields.get("target_type") or "",
        fields.get("target_id"),
        fields.get("reason") or "",
        fields.get("note") or "",
    )
    db.session.commit()
    return created_response(serializers.flag(report))
