"""/about, /privacy and /terms for everyone; /pages/<slug>/edit and /admin/branding for admins."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civicboard.extensions import db
from civicboard.pages import branding, services
from civicboard.pages.forms import BrandingForm, SitePageForm
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
            flash(_("Page saved."), "success")
            return redirect(url_for(f"pages.{slug}"))
    status = 422 if form.errors else 200
    return render_template("pages/edit.html", page=page, form=form), status


# -- Branding ------------------------------------------------------------------------------------


def _upload(field) -> bytes | None:
    file = field.data
    if not file or not getattr(file, "filename", ""):
        return None
    return file.read(branding.LOGO_MAX_BYTES + 1)


@bp.route("/admin/branding", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_SITE_PAGES)
def edit_branding():
    """An admin sets the board's names, logo, colour, favicon, introduction and description."""
    form = BrandingForm(data=branding.edit_values())
    if form.validate_on_submit():
        try:
            branding.save(
                current_user,
                site_name=form.site_name.data,
                city_name=form.city_name.data,
                accent_colour=form.accent_colour.data,
                intro=form.intro.data,
                meta_description=form.meta_description.data,
                logo=_upload(form.logo),
                favicon=_upload(form.favicon),
                remove_logo=form.remove_logo.data,
                remove_favicon=form.remove_favicon.data,
            )
        except ValidationError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            db.session.commit()
            branding.forget()
            flash(_("Branding saved."), "success")
            return redirect(url_for("pages.edit_branding"))
    status = 422 if form.errors else 200
    return render_template("pages/branding.html", form=form, look=branding.current()), status


def _cached(response: Response) -> Response:
    """Versioned URLs (?v=) never change: let browsers keep them; others for a short while."""
    if request.args.get("v") == branding.current().version:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/branding/<any(logo, favicon):name>")
def branding_image(name: str):
    """The admin's logo or favicon."""
    stored = branding.image(name)
    if stored is None:
        abort(404)
    data, mime = stored
    return _cached(Response(data, mimetype=mime))


@bp.get("/branding.css")
def branding_css():
    """The admin's accent colour as a stylesheet (inline styles are refused by the CSP)."""
    look = branding.current()
    css = f":root {{ --accent: {look.accent}; }}\n"
    return _cached(Response(css, mimetype="text/css"))
