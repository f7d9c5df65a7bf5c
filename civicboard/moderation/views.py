"""Moderation: flags, the moderation queue, hide, restore, lock, suspend, the audit log.

The forms of the problem page (templates/moderation/_problem_actions.html and
_comment_actions.html) post here; success redirects to `next` when it is a path on this site,
else back to the problem. A form with errors is shown again on a page of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.moderation import queries, services
from civicboard.moderation.forms import AuditFilterForm, DismissForm, FlagForm, ReasonForm, SuspendForm
from civicboard.moderation.models import FlagReason
from civicboard.permissions import Capability, capability_required
from civicboard.problems.models import Comment, Photo, Problem
from civicboard.problems.visibility import is_visible_to
from civicboard.ratelimits import flags_address_limit, flags_person_limit
from civicboard.security import safe_next
from civicboard.validation import ConflictError, ValidationError
from civicboard.web import apply_errors, check_button

bp = Blueprint("moderation", __name__)


@bp.app_context_processor
def moderation_template_helpers() -> dict:
    """Labels the flag and moderation partials need (no queries)."""
    return {
        "flag_reasons": [(r.value, services.FLAG_REASON_LABELS[r]) for r in FlagReason],
        "flag_reason_labels": {r.value: services.FLAG_REASON_LABELS[r] for r in FlagReason},
        "flag_resolution_labels": services.resolution_labels(),
    }


def target_path(target: Problem | Comment | None) -> str:
    """Where an item lives: its problem's page (a comment's anchor on it)."""
    if isinstance(target, Problem):
        return url_for("problems.show", problem_id=target.id)
    if isinstance(target, Comment):
        return url_for("problems.show", problem_id=target.problem_id, comment=target.id, _anchor=f"comment-{target.id}")
    return url_for("problems.index")


# -- flags -------------------------------------------------------------------------------------


def _reported_item(form: FlagForm) -> tuple[Problem | Comment, Problem] | None:
    """The item a report is about and its problem, when the reporter may see them, else None."""
    try:
        target = services.load_target(form.target_type.data, form.target_id.data)
    except NotFound:
        return None
    problem = target if isinstance(target, Problem) else db.session.get(Problem, target.problem_id)
    if problem is None or not (problem.visible_to(current_user) and is_visible_to(target, current_user)):
        return None
    return target, problem


def _render_flag_form(form: FlagForm, status: int, message: str = ""):
    """The report form again, naming the item and linking back to it."""
    item = _reported_item(form)
    return render_template(
        "moderation/flag.html",
        form=form,
        target=item[0] if item else None,
        target_problem=item[1] if item else None,
        back_url=target_path(item[0] if item else None),
        message=message,
    ), status


@bp.get("/flags/new")
@login_required
def new_flag():
    """The report form for one problem or comment (`?target_type=comment&target_id=N`)."""
    form = FlagForm(formdata=None)
    form.target_type.data = request.args.get("target_type", "")
    form.target_id.data = request.args.get("target_id", "")
    if _reported_item(form) is None:
        abort(404)
    form.next.data = safe_next(request.args.get("next"), "")
    return _render_flag_form(form, 200)


@bp.post("/flags")
@login_required
@flags_person_limit
@flags_address_limit
def create_flag():
    """Report a problem or comment (any logged-in, active user; once per item)."""
    form = FlagForm()
    if form.validate_on_submit():
        try:
            report = services.flag(
                current_user, form.target_type.data, form.target_id.data, form.reason.data, form.note.data
            )
        except ConflictError as exc:
            db.session.rollback()
            return _render_flag_form(form, 409, exc.message)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            target = services.load_target(report.target_type, report.target_id)
            db.session.commit()
            flash(_("Thank you. Moderators will review your report."), "success")
            problem = target if isinstance(target, Problem) else db.session.get(Problem, target.problem_id)
            if not problem.visible_to(current_user):
                return redirect(url_for("problems.index"))  # the report just hid it: its reporter can no longer see it
            return redirect(safe_next(form.next.data, target_path(target)))
    return _render_flag_form(form, 422)


# -- the queue ---------------------------------------------------------------------------------


@bp.get("/moderation")
@capability_required(Capability.MODERATE)
def queue():
    """Flagged items, grouped, most recently flagged first."""
    page = queries.flag_queue(before=request.args.get("before", type=int))
    return render_template("moderation/queue.html", page=page)


# -- hide, restore, lock, unlock, dismiss ------------------------------------------------------


def _reason_action(
    target: Problem | Comment,
    action: Callable[[Any, Any, str], Any],
    *,
    title: str,
    button: str,
    done: str,
    reason_required: bool = False,
):
    """A moderator action confirmed with a reason: POST acts, GET (or errors) shows the form."""
    form = ReasonForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            changed = action(current_user, target, form.reason.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(done if changed is not False else _("Nothing to change."), "success")
            return redirect(safe_next(form.next.data, target_path(target)))
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "target": target, "title": title, "button": button, "reason_required": reason_required}
    return render_template("moderation/confirm.html", **context), status


@bp.route("/moderation/problems/<int:problem_id>/hide", methods=["GET", "POST"])
@capability_required(Capability.MODERATE)
def hide_problem(problem_id: int):
    """Hide a problem (reason required; its author sees it)."""
    problem = db.get_or_404(Problem, problem_id)
    return _reason_action(
        problem,
        services.hide,
        title=_("Hide this problem"),
        button=_("Hide"),
        done=_("Problem hidden."),
        reason_required=True,
    )


@bp.route("/moderation/problems/<int:problem_id>/restore", methods=["GET", "POST"])
@capability_required(Capability.MODERATE)
def restore_problem(problem_id: int):
    """Bring a hidden problem back."""
    problem = db.get_or_404(Problem, problem_id)
    return _reason_action(
        problem, services.restore, title=_("Restore this problem"), button=_("Restore"), done=_("Problem restored.")
    )


@bp.route("/moderation/problems/<int:problem_id>/lock", methods=["GET", "POST"])
@capability_required(Capability.MODERATE)
def lock_problem(problem_id: int):
    """Lock a problem: no new comments or votes."""
    problem = db.get_or_404(Problem, problem_id)
    return _reason_action(
        problem, services.lock_problem, title=_("Lock this problem"), button=_("Lock"), done=_("Problem locked.")
    )


@bp.route("/moderation/problems/<int:problem_id>/unlock", methods=["GET", "POST"])
@capability_required(Capability.MODERATE)
def unlock_problem(problem_id: int):
    """Unlock a problem."""
    problem = db.get_or_404(Problem, problem_id)
    return _reason_action(
        problem,
        services.unlock_problem,
        title=_("Unlock this problem"),
        button=_("Unlock"),
        done=_("Problem unlocked."),
    )


def _photo_or_404(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.problem_id is None:
        abort(404)
    return photo


@bp.post("/moderation/photos/<int:photo_id>/hide")
@capability_required(Capability.MODERATE)
def hide_photo(photo_id: int):
    """Hide one photo of a problem (a reason is required); the problem stays."""
    photo = _photo_or_404(photo_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.hide_photo(current_user, photo, form.reason.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Photo hidden."), "success")
    return redirect(url_for("problems.show", problem_id=photo.problem_id, _anchor="photos"), 303)


@bp.post("/moderation/photos/<int:photo_id>/restore")
@capability_required(Capability.MODERATE)
def restore_photo(photo_id: int):
    """Show a hidden photo again."""
    photo = _photo_or_404(photo_id)
    check_button()
    services.restore_photo(current_user, photo)
    db.session.commit()
    flash(_("Photo shown again."), "success")
    return redirect(url_for("problems.show", problem_id=photo.problem_id, _anchor="photos"), 303)


@bp.route("/moderation/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@capability_required(Capability.MODERATE)
def hide_comment(comment_id: int):
    """Hide a comment (reason required; its author sees it)."""
    comment = db.get_or_404(Comment, comment_id)
    return _reason_action(
        comment,
        services.hide,
        title=_("Hide this comment"),
        button=_("Hide"),
        done=_("Comment hidden."),
        reason_required=True,
    )


@bp.route("/moderation/comments/<int:comment_id>/restore", methods=["GET", "POST"])
@capability_required(Capability.MODERATE)
def restore_comment(comment_id: int):
    """Bring a hidden comment back."""
    comment = db.get_or_404(Comment, comment_id)
    return _reason_action(
        comment, services.restore, title=_("Restore this comment"), button=_("Restore"), done=_("Comment restored.")
    )


@bp.post("/moderation/flags/dismiss")
@capability_required(Capability.MODERATE)
def dismiss_flags():
    """Close an item's open flags as unfounded."""
    form = DismissForm()
    if not form.validate_on_submit():
        abort(400)
    target = services.load_target(form.target_type.data, form.target_id.data)
    try:
        count = services.dismiss_flags(current_user, form.target_type.data, form.target_id.data, form.reason.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(ngettext("%(num)s report dismissed.", "%(num)s reports dismissed.", count), "success")
    return redirect(safe_next(form.next.data, target_path(target)))


# -- users -------------------------------------------------------------------------------------


def _render_user(user: User, suspend_form: SuspendForm | None = None, lift_form: ReasonForm | None = None, status=200):
    record = queries.user_record(user)
    return (
        render_template(
            "moderation/user.html",
            user=user,
            record=record,
            suspend_form=suspend_form or SuspendForm(formdata=None),
            lift_form=lift_form or ReasonForm(formdata=None),
        ),
        status,
    )


@bp.get("/moderation/users/<int:user_id>")
@capability_required(Capability.MODERATE)
def user(user_id: int):
    """A user's recent content, flags and moderation history, with suspension controls."""
    return _render_user(db.get_or_404(User, user_id))


@bp.post("/moderation/users/<int:user_id>/suspend")
@capability_required(Capability.MODERATE)
def suspend_user(user_id: int):
    """Suspend a user until a date, or ban for good; their sessions end at once."""
    target = db.get_or_404(User, user_id)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            services.suspend_user(
                current_user, target, None if form.permanent.data else form.until.data, form.reason.data
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            if form.permanent.data:
                flash(_("%(name)s is banned.", name=target.name), "success")
            else:
                flash(_("%(name)s is suspended.", name=target.name), "success")
            return redirect(url_for("moderation.user", user_id=target.id))
    return _render_user(target, suspend_form=form, status=422)


@bp.post("/moderation/users/<int:user_id>/lift")
@capability_required(Capability.MODERATE)
def lift_suspension(user_id: int):
    """Lift a suspension or ban."""
    target = db.get_or_404(User, user_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            changed = services.lift_suspension(current_user, target, form.reason.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Suspension lifted.") if changed else _("Nothing to change."), "success")
            return redirect(url_for("moderation.user", user_id=target.id))
    return _render_user(target, lift_form=form, status=422)


# -- the audit log -----------------------------------------------------------------------------


@bp.get("/moderation/audit")
@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_log():
    """Browse the audit log, newest first, filtered; keyset pages."""
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    actor = (form.actor.data or "").strip()
    filters = queries.AuditFilters(
        action=(form.action.data or "").strip()[:60],
        system_only=actor.lower() == "system",
        target_type=(form.target_type.data or "").strip()[:40],
        target_id=(form.target_id.data or "").strip()[:64],
        start=form.start.data if not form.start.errors else None,
        end=form.end.data if not form.end.errors else None,
    )
    unknown_actor = False
    if actor and not filters.system_only:
        filters.actor_id = queries.find_user_id(actor)
        unknown_actor = filters.actor_id is None
    if unknown_actor:
        page = queries.Page([], None)
    else:
        page = queries.audit_entries(filters, before=request.args.get("before", type=int))
    return render_template("moderation/audit.html", form=form, page=page, unknown_actor=unknown_actor)
