"""The admin page: find users, grant and revoke roles, manage departments."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from civicboard.admin.forms import DepartmentAssignForm, DepartmentForm, RoleChangeForm
from civicboard.auth import services
from civicboard.auth.models import Department, User
from civicboard.extensions import db
from civicboard.outbox import services as outbox_services
from civicboard.permissions import ROLE_LABELS, Capability, Role, capability_required
from civicboard.validation import ValidationError
from civicboard.web import apply_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.context_processor
def admin_template_helpers() -> dict:
    """Helpers the admin pages use (plain functions, no queries)."""
    return {"role_names": role_names}


def role_names(user: User) -> str:
    """The roles a user was granted, in the reader's language: "City staff, Moderator"."""
    return ", ".join(str(ROLE_LABELS[role]) for role in Role if role in user.role_set)


@bp.get("")
@capability_required(Capability.MANAGE_ROLES)
def index():
    """Users, newest first, searchable by name or email."""
    q = (request.args.get("q") or "").strip()[:200]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(User).options(selectinload(User.role_rows)).order_by(User.id.desc())
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    users = db.session.execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).scalars().all()
    departments = db.session.execute(select(Department).order_by(Department.name)).scalars().all()
    return render_template(
        "admin/index.html",
        users=users[:PAGE_SIZE],
        has_more=len(users) > PAGE_SIZE,
        page=page,
        q=q,
        departments=departments,
        department_form=DepartmentForm(),
        failed_mail_count=outbox_services.failed_count(),
        failed_mail=outbox_services.failed_messages(),
    )


def _user_forms(user: User) -> tuple[RoleChangeForm, DepartmentAssignForm]:
    departments = db.session.execute(select(Department).order_by(Department.name)).scalars().all()
    assign = DepartmentAssignForm(department_id=user.department_id or 0)
    assign.department_id.choices = [SelectChoice(0, _("No department"))] + [
        SelectChoice(d.id, d.name) for d in departments
    ]
    return RoleChangeForm(), assign


@bp.get("/users/<int:user_id>")
@capability_required(Capability.MANAGE_ROLES)
def user(user_id: int):
    """One user's roles and department."""
    target = db.get_or_404(User, user_id)
    role_form, department_form = _user_forms(target)
    return render_template("admin/user.html", user=target, role_form=role_form, department_form=department_form)


@bp.post("/users/<int:user_id>/roles")
@capability_required(Capability.MANAGE_ROLES)
def change_role(user_id: int):
    """Grant or revoke a role (audited)."""
    target = db.get_or_404(User, user_id)
    form = RoleChangeForm()
    if form.validate_on_submit():
        try:
            if form.action.data == "grant":
                changed = services.grant_role(current_user, target, form.role.data, form.reason.data)
            else:
                changed = services.revoke_role(current_user, target, form.role.data, form.reason.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            role = str(ROLE_LABELS[Role(form.role.data)])
            if not changed:
                message = _("Nothing to change.")
            elif form.action.data == "grant":
                message = _("Role %(role)s granted.", role=role)
            else:
                message = _("Role %(role)s revoked.", role=role)
            flash(message, "success")
            return redirect(url_for("admin.user", user_id=target.id))
    _role_form, department_form = _user_forms(target)
    return render_template("admin/user.html", user=target, role_form=form, department_form=department_form), 422


@bp.post("/users/<int:user_id>/department")
@capability_required(Capability.MANAGE_ROLES)
def assign_department(user_id: int):
    """Put a user in a department (audited)."""
    target = db.get_or_404(User, user_id)
    role_form, form = _user_forms(target)
    if form.validate_on_submit():
        department = db.session.get(Department, form.department_id.data) if form.department_id.data else None
        services.set_department(current_user, target, department, form.reason.data)
        db.session.commit()
        flash(_("Department saved."), "success")
        return redirect(url_for("admin.user", user_id=target.id))
    return render_template("admin/user.html", user=target, role_form=role_form, department_form=form), 422


@bp.post("/departments")
@capability_required(Capability.MANAGE_DEPARTMENTS)
def create_department():
    """Add a department."""
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            services.create_department(current_user, form.name.data)
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Department added."), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("admin.index"))
