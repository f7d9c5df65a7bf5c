"""/about, /privacy and /terms for everyone; /pages/<slug>/edit for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from civicboard.extensions import db
from civicboard.pages import services
from civicboard.pages.forms import SitePageForm
from civicboard.permissions import Capability, capability_required
from civicboard.validation import ValidationError

bp = Blueprint("pages", __name__)


def _show(slug: str):
    return render_template("pages/show.html", page=services.get_page(slug))


@bp.get("/about")
def about():
    """What the board is and who runs it."""
    return _show("about")


@bp.get("/privacy")
def privacy():
    """The privacy notice."""
    return _show("privacy")


@bp.get("/terms")
def terms():
    """The terms of use."""
    return _show("terms")


@bp.route("/pages/<slug>/edit", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_SITE_PAGES)
def edit(slug: str):
    """An admin edits a site page's title and Markdown text."""
    if slug not in services.SLUGS:
        abort(404)
    page = services.get_page(slug)
    form = SitePageForm(data={"title": page.title, "body": page.body})
    if form.validate_on_submit():
        try:
            services.save_page(current_user, slug, form.title.data, form.body.data)
        except ValidationError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            db.session.commit()
            flash("Page saved.", "success")
            return redirect(url_for(f"pages.{slug}"))
    status = 422 if form.errors else 200
    return render_template("pages/edit.html", page=page, form=form), status
