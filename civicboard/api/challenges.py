"""/api/v1/challenges: hackathon challenges, and organizers creating and editing them.

Drafts exist only for organizers (and admins): to anyone else a draft's slug is a 404, and
lists leave drafts out. A challenge's document has the same shape as its JSON brief, plus
its projects.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext

from civicboard.api.core import (
    BOOL,
    OPTIONAL_TEXT,
    TEXT,
    acting_user,
    created_response,
    json_body,
    list_response,
    optional_user,
    take,
)
from civicboard.challenges import queries, services
from civicboard.challenges.models import Challenge
from civicboard.extensions import db
from civicboard.links import absolute_url

bp = Blueprint("challenges", __name__, url_prefix="/challenges")

CHALLENGE_FIELDS = {
    "title": TEXT,
    "slug": OPTIONAL_TEXT,
    "summary": OPTIONAL_TEXT,
    "starts_at": TEXT,
    "ends_at": TEXT,
    "timezone": TEXT,
    "place": OPTIONAL_TEXT,
    "online": BOOL,
    "contact": TEXT,
}
# The read field is `online`; the services (and the forms) say is_online.
ALIASES = {"is_online": "online"}
DEFAULT_TIMEZONE = "UTC"


def challenge_or_404(slug: str) -> Challenge:
    """A challenge the caller may see (drafts: organizers only), else 404."""
    challenge = queries.get_challenge(slug, optional_user())
    if challenge is None:
        abort(404, gettext("There is no challenge %(slug)s.", slug=repr(slug)))
    return challenge


def document(challenge: Challenge) -> dict:
    """The challenge with its curated problems, datasets and projects."""
    return queries.challenge_document(queries.challenge_detail(challenge, optional_user()))


@bp.get("")
def list_challenges():
    """Published and closed challenges (organizers: drafts too), running and upcoming first."""
    rows = queries.list_challenges(optional_user())
    items = [
        {
            **queries.challenge_summary(row.challenge),
            "problem_count": row.problem_count,
            "project_count": row.project_count,
        }
        for row in rows
    ]
    return list_response(items, len(items), None)


@bp.get("/<slug>")
def show(slug: str):
    """One challenge with its problems, datasets and projects."""
    return document(challenge_or_404(slug))


@bp.post("")
def create():
    """Create a draft challenge (organizers); 201 with its Location."""
    user = acting_user()
    fields = take(json_body(), CHALLENGE_FIELDS, aliases=ALIASES)
    challenge = services.create_challenge(
        user,
        title=fields.get("title"),
        slug=fields.get("slug"),
        summary=fields.get("summary") or "",
        starts_at=fields.get("starts_at"),
        ends_at=fields.get("ends_at"),
        timezone=fields.get("timezone", DEFAULT_TIMEZONE),
        place=fields.get("place") or "",
        is_online=fields.get("online", False),
        contact=fields.get("contact", ""),
    )
    db.session.commit()
    challenge = challenge_or_404(challenge.slug)
    location = absolute_url("api.challenges.show", slug=challenge.slug)
    return created_response(document(challenge), location)


@bp.patch("/<slug>")
def update(slug: str):
    """Change some of a challenge's details and/or its status (draft -> published -> closed)."""
    user = acting_user()
    challenge = challenge_or_404(slug)
    body = json_body()
    fields = take(body, CHALLENGE_FIELDS, aliases=ALIASES)
    status = take(body, {"status": TEXT}).get("status")
    changes = {("is_online" if name == "online" else name): value for name, value in fields.items()}
    for name in ("summary", "place"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    services.update_challenge(user, challenge, **changes)
    if status is not None and status != challenge.status:
        services.change_status(user, challenge, status)
    db.session.commit()
    return document(challenge_or_404(challenge.slug))
