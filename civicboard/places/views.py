"""Neighbourhood pages: the city's neighbourhoods, and one neighbourhood's newest problems.

Following a neighbourhood (area alerts) is a button here; its routes live with the other
area alerts in civicboard.notify.views.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from civicboard.extensions import db
from civicboard.places.models import Neighbourhood
from civicboard.problems import notifications, queries

bp = Blueprint("places", __name__)


@bp.get("/neighbourhoods")
def neighbourhoods():
    """Every neighbourhood by name (empty until the city's boundaries are loaded)."""
    rows = db.session.execute(select(Neighbourhood.id, Neighbourhood.name).order_by(Neighbourhood.name)).all()
    return render_template("places/neighbourhoods.html", neighbourhoods=rows)


@bp.get("/neighbourhoods/<int:neighbourhood_id>")
def neighbourhood(neighbourhood_id: int):
    """A neighbourhood's newest problems, and the button to hear of new ones."""
    place = db.get_or_404(Neighbourhood, neighbourhood_id)
    page = queries.list_problems(
        current_user,
        sort="new",
        filters=queries.ProblemFilters(neighbourhood_id=place.id),
        after=request.args.get("after"),
        with_text=False,
    )
    return render_template(
        "places/neighbourhood.html",
        place=place,
        page=page,
        following=notifications.area_follow_id(current_user, neighbourhood_id=place.id) is not None,
        first_page=not request.args.get("after"),
    )
