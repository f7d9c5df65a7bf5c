"""/account/notifications (what to hear about, and how) and /unsubscribe/<token>.

The unsubscribe URL answers two visitors: a person following the link (a page with a
confirmation button, a normal CSRF-checked form) and a mail client's RFC 8058 one-click
POST (body `List-Unsubscribe=One-Click`, no cookie, no CSRF token: the signed token in the
URL is the credential).
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from civicboard.auth.models import User
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.i18n import current_language, for_visitor_of_link
from civicboard.notify import unsubscribe as tokens
from civicboard.places.models import Neighbourhood
from civicboard.problems import notifications, preferences
from civicboard.problems.models import Category
from civicboard.security import csrf_exempt_when
from civicboard.validation import ValidationError
from civicboard.web import back_to, check_button

bp = Blueprint("notify", __name__)


def register(app: Flask) -> None:
    """The pages, and the one-click POST's exemption from the CSRF check."""
    app.register_blueprint(bp)
    csrf_exempt_when(app, "notify.unsubscribe", _is_one_click)


def _is_one_click() -> bool:
    return request.form.get("List-Unsubscribe") == "One-Click"


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    """For each topic: email at once, daily digest, weekly digest, or only on the site."""
    errors: dict[str, str] = {}
    chosen = preferences.settings_of(current_user.id)
    if request.method == "POST":
        check_button()
        choices = {t.key: request.form.get(t.key, "") for t in preferences.TOPICS if request.form.get(t.key)}
        try:
            preferences.update_settings(current_user.id, choices)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
            chosen = {**chosen, **choices}
        else:
            db.session.commit()
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notify.settings"))
    return render_template(
        "notify/settings.html",
        topics=preferences.TOPICS,
        labels=preferences.DELIVERY_LABELS,
        chosen=chosen,
        errors=errors,
        areas=notifications.followed_areas(current_user),
    ), (422 if errors else 200)


@bp.post("/datasets/<int:dataset_id>/alerts")
@login_required
def follow_dataset(dataset_id: int):
    """Hear of new problems about a dataset (area alerts, weekly by default)."""
    check_button()
    dataset = db.get_or_404(Dataset, dataset_id)
    new = notifications.follow_area(current_user, dataset_id=dataset.id)
    db.session.commit()
    flash(
        _("You will hear of new problems about %(name)s.", name=dataset.title)
        if new
        else _("You already follow %(name)s.", name=dataset.title),
        "success",
    )
    return redirect(back_to(url_for("datasets.show", dataset_id=dataset.id)))


@bp.post("/categories/<slug>/alerts")
@login_required
def follow_category(slug: str):
    """Hear of new problems in a category (area alerts, weekly by default)."""
    check_button()
    category = db.session.execute(select(Category).where(Category.slug == slug[:80])).scalar_one_or_none()
    if category is None:
        abort(404)
    new = notifications.follow_area(current_user, category_id=category.id)
    db.session.commit()
    flash(
        _("You will hear of new problems in %(name)s.", name=category.name)
        if new
        else _("You already follow %(name)s.", name=category.name),
        "success",
    )
    return redirect(back_to(url_for("problems.index", category=category.slug)))


@bp.post("/neighbourhoods/<int:neighbourhood_id>/alerts")
@login_required
def follow_neighbourhood(neighbourhood_id: int):
    """Hear of new problems placed inside a neighbourhood (area alerts, weekly by default)."""
    check_button()
    place = db.get_or_404(Neighbourhood, neighbourhood_id)
    new = notifications.follow_area(current_user, neighbourhood_id=place.id)
    db.session.commit()
    if new:
        flash(_("You will hear of new problems in %(name)s.", name=place.name), "success")
    else:
        flash(_("You already follow %(name)s.", name=place.name), "success")
    return redirect(back_to(url_for("places.neighbourhood", neighbourhood_id=place.id)))


@bp.post("/neighbourhoods/<int:neighbourhood_id>/alerts/delete")
@login_required
def unfollow_neighbourhood(neighbourhood_id: int):
    """Stop hearing of new problems in a neighbourhood."""
    check_button()
    place = db.get_or_404(Neighbourhood, neighbourhood_id)
    if notifications.unfollow_neighbourhood(current_user, place.id):
        flash(_("You will no longer hear of new problems in %(name)s.", name=place.name), "success")
    db.session.commit()
    return redirect(back_to(url_for("places.neighbourhood", neighbourhood_id=place.id)))


@bp.post("/account/alerts/<int:area_follow_id>/delete")
@login_required
def unfollow_area(area_follow_id: int):
    """Stop hearing of new problems in one dataset or category."""
    check_button()
    if notifications.unfollow_area(current_user, area_follow_id):
        flash(_("You will no longer hear of new problems there."), "success")
    db.session.commit()
    return redirect(url_for("notify.settings") + "#areas")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """A person's confirmation page (GET, then POST with the button), or a one-click POST.

    The page speaks the language of the email the link came from (the person's), unless the
    visitor picks another here.
    """
    found = tokens.read_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        return render_template("notify/unsubscribe_invalid.html"), 404
    topics = [preferences.TOPICS_BY_KEY[key] for key in found[1]]
    done = request.method == "POST"
    if done:
        if not _is_one_click():
            check_button()
        preferences.turn_off(user.id, [t.key for t in topics])
        db.session.commit()
    with for_visitor_of_link(user):
        if _is_one_click():
            return _("Unsubscribed.") + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
        response = make_response(render_template("notify/unsubscribe.html", topics=topics, done=done, token=token))
        response.headers["Content-Language"] = current_language()
    return response
