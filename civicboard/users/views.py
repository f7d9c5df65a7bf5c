"""Public profile pages (/users/<id>), and what residents own: /account/export and /account/delete."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from civicboard.auth.models import User
from civicboard.auth.sessions import end_session
from civicboard.extensions import db
from civicboard.permissions import ROLE_LABELS
from civicboard.problems import queries
from civicboard.timeutil import utcnow
from civicboard.users import ownership
from civicboard.users.forms import DeleteAccountForm, ExportForm
from civicboard.validation import ValidationError

bp = Blueprint("users", __name__)


@bp.get("/users/<int:user_id>")
def profile(user_id: int):
    """A user's public profile with their visible problems and comments, each paginated."""
    user = db.get_or_404(User, user_id, options=[selectinload(User.role_rows)])
    problems = queries.user_problems(current_user, user, before=request.args.get("problems_before"))
    comments = queries.user_comments(current_user, user, before=request.args.get("comments_before"))
    return render_template(
        "users/profile.html", user=user, problems=problems, comments=comments, role_labels=ROLE_LABELS
    )


@bp.get("/account/export")
@login_required
def export_page():
    """What the download holds, and the button that downloads it."""
    return render_template("users/account_export.html", form=ExportForm())


@bp.post("/account/export")
@login_required
def export_download():
    """Download everything the board holds about me, as one JSON file."""
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("users.export_page"))
    data = ownership.export_account(current_user)
    filename = f"civicboard-account-{current_user.id}-{utcnow():%Y%m%d}.json"
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete my account after the password; the browser is logged out."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            ownership.delete_account(current_user, form.password.data, remove_unanswered=form.remove_unanswered.data)
        except ValidationError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, exc.fields.get("password", exc.message)]
        else:
            end_session(current_user)
            db.session.commit()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("problems.index"))
    status = 422 if form.errors else 200
    return render_template("users/account_delete.html", form=form), status
