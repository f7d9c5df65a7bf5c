"""Staff pages: the queue, official responses, evidence, answers to data requests, and the
public department pages.

The forms of the problem page (templates/staff/_problem_actions.html) post here; success
redirects back to /problems/<id>, and a form with errors is shown again on a page of its own.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from civicboard.auth.forms import EmptyForm
from civicboard.auth.models import Department
from civicboard.datasets.models import Dataset
from civicboard.datasets.queries import find_datasets_for_linking
from civicboard.extensions import db
from civicboard.permissions import Capability, capability_required
from civicboard.problems.models import STATUS_LABELS, Problem, ProblemStatus
from civicboard.staff import queries, reopen, services
from civicboard.staff.forms import AnswerForm, EvidenceForm, RemoveEvidenceForm, ResponseForm, dataset_choices
from civicboard.staff.models import Evidence, EvidenceStance
from civicboard.validation import ValidationError
from civicboard.web import apply_errors, int_arg

bp = Blueprint("staff", __name__)


def problem_path(problem_id: int) -> str:
    """The problem's page."""
    return url_for("problems.show", problem_id=problem_id)


@bp.app_context_processor
def staff_template_helpers() -> dict:
    """Helpers the problem page's staff partial needs (no queries: plain functions)."""
    return {
        "staff_status_choices": services.status_choices,
        "staff_stances": [(s.value, services.STANCE_LABELS[s]) for s in EvidenceStance],
        "stance_labels": {s.value: services.STANCE_LABELS[s] for s in EvidenceStance},
        "staff_status_name": status_name,
    }


def status_name(value: str) -> str:
    """A stored status ("in_progress") as residents read it, in their language ("In progress")."""
    try:
        return str(STATUS_LABELS[ProblemStatus(value)])
    except ValueError:
        return value


def _visible_problem(problem_id: int) -> Problem:
    problem = db.get_or_404(Problem, problem_id)
    if not problem.visible_to(current_user):
        abort(404)
    return problem


# -- the queue -------------------------------------------------------------------------------


@bp.get("/staff")
@capability_required(Capability.VIEW_STAFF_QUEUE)
def queue():
    """Problems waiting for a first official response, problems still to resolve, and data
    requests waiting for an answer; a staff member sees their own department's unless they
    choose another (or all)."""
    tab = request.args.get("tab", queries.QueueTab.RESPONSES)
    if tab not in queries.QueueTab.ALL:
        tab = queries.QueueTab.RESPONSES
    department_id = int_arg("department")
    if "department" not in request.args:
        department_id = current_user.department_id
    filters = {
        "department_id": department_id,
        "dataset_id": int_arg("dataset"),
        "category_id": int_arg("category"),
    }
    page = queries.staff_queue(tab, after=request.args.get("after"), **filters)
    options = queries.queue_filters(filters["dataset_id"])
    return render_template(
        "staff/queue.html",
        tab=tab,
        page=page,
        options=options,
        filters=filters,
        reopen_requests=reopen.open_requests(current_user),
    )


# -- official responses -----------------------------------------------------------------------


@bp.route("/staff/problems/<int:problem_id>/respond", methods=["GET", "POST"])
@capability_required(Capability.RESPOND)
def respond(problem_id: int):
    """Publish an official response (the problem page's form posts here)."""
    problem = _visible_problem(problem_id)
    form = ResponseForm()
    form.status.choices = _status_select(problem)
    if form.validate_on_submit():
        try:
            services.respond(
                current_user,
                problem,
                form.body.data,
                form.status.data or None,
                form.duplicate_of.data,
                language=form.language.data,
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your response is published."), "success")
            return redirect(problem_path(problem.id))
        form.status.choices = _status_select(problem)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/respond.html",
        form=form,
        problem=problem,
        comments=queries.latest_comments(problem.id, current_user),
        datasets=_problem_datasets(problem),
    ), status


def _status_select(problem: Problem) -> list:
    from wtforms.fields.choices import SelectChoice

    keep = SelectChoice("", _("Keep the status (%(status)s)", status=problem.status_label))
    return [keep] + [SelectChoice(value, label) for value, label in services.status_choices(problem)]


# -- evidence ----------------------------------------------------------------------------------


def _problem_datasets(problem: Problem) -> list:
    return [link.dataset for link in problem.dataset_links]


@bp.route("/staff/problems/<int:problem_id>/evidence", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_EVIDENCE)
def add_evidence(problem_id: int):
    """Add evidence to a problem (the problem page's form posts here)."""
    problem = _visible_problem(problem_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            services.add_evidence(
                current_user,
                problem,
                form.chosen_dataset(),
                form.url.data,
                form.caption.data,
                form.stance.data,
                form.as_of.data,
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Evidence added."), "success")
            return redirect(problem_path(problem.id))
    form.dataset_id.choices = dataset_choices(_problem_datasets(problem))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/evidence_form.html", form=form, problem=problem, evidence=None, **_dataset_search()
    ), status


def _dataset_search() -> dict:
    """The evidence form's catalog search (?q=): datasets to pick beside the problem's own."""
    q = request.args.get("q", "").strip()[:200]
    return {"q": q, "matches": find_datasets_for_linking(q)}


def _editable_evidence(evidence_id: int) -> tuple[Evidence, Problem]:
    evidence = db.get_or_404(Evidence, evidence_id)
    problem = _visible_problem(evidence.problem_id)
    if not services.can_edit_evidence(current_user, evidence):
        abort(403)
    return evidence, problem


@bp.route("/staff/evidence/<int:evidence_id>/edit", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_EVIDENCE)
def edit_evidence(evidence_id: int):
    """Change a piece of evidence (audited with before and after)."""
    evidence, problem = _editable_evidence(evidence_id)
    if evidence.removed_at is not None:
        abort(404)
    if request.method == "GET":
        form = EvidenceForm(
            dataset_id=str(evidence.dataset_id),
            url=evidence.url,
            caption=evidence.caption,
            stance=evidence.stance,
            as_of=evidence.as_of,
        )
    else:
        form = EvidenceForm()
    if form.validate_on_submit():
        try:
            services.edit_evidence(
                current_user,
                evidence,
                form.chosen_dataset(),
                form.url.data,
                form.caption.data,
                form.stance.data,
                form.as_of.data,
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Evidence updated."), "success")
            return redirect(problem_path(problem.id))
    form.dataset_id.choices = dataset_choices(_problem_datasets(problem), evidence.dataset)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/evidence_form.html", form=form, problem=problem, evidence=evidence, **_dataset_search()
    ), status


@bp.route("/staff/evidence/<int:evidence_id>/remove", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_EVIDENCE)
def remove_evidence(evidence_id: int):
    """Remove a piece of evidence, with a reason (it is marked removed, never deleted)."""
    evidence, problem = _editable_evidence(evidence_id)
    if evidence.removed_at is not None:
        abort(404)
    form = RemoveEvidenceForm()
    if form.validate_on_submit():
        try:
            services.remove_evidence(current_user, evidence, form.reason.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Evidence removed."), "success")
            return redirect(problem_path(problem.id))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/remove_evidence.html", form=form, problem=problem, evidence=evidence), status


# -- departments -------------------------------------------------------------------------------


@bp.get("/departments/<slug>")
def department(slug: str):
    """A department's official responses, newest first (public)."""
    dept = db.session.execute(select(Department).where(Department.slug == slug)).scalar_one_or_none()
    if dept is None:
        abort(404)
    page = queries.department_responses(dept.id, viewer=current_user, before=request.args.get("before"))
    return render_template("staff/department.html", department=dept, page=page)


# -- data requests -----------------------------------------------------------------------------


def _dataset_from_reference(text: str) -> Dataset | None:
    """A dataset named by its number or its page address; None when the field is blank."""
    text = (text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(?:.*/datasets/)?(\d{1,12})/?", text)
    dataset = db.session.get(Dataset, int(match[1])) if match else None
    if dataset is None:
        message = _("No dataset with that number or address.")
        raise ValidationError(message, {"dataset": message})
    return dataset


@bp.route("/data-requests/<int:problem_id>/answer", methods=["GET", "POST"])
@login_required
def answer_data_request(problem_id: int):
    """Answer a data request: planned, published (with the dataset) or declined (with a reason).

    A hidden request is not found for staff who may not see it (visibility's rule).
    """
    if not services.can_answer_data_requests(current_user):
        abort(403)
    problem = _visible_problem(problem_id)
    if problem.data_request is None:
        abort(404)
    form = AnswerForm(status=problem.data_request_status or None, note=problem.data_request_note or None)
    if form.validate_on_submit():
        try:
            dataset = _dataset_from_reference(form.dataset.data)
            services.answer_data_request(current_user, problem, form.status.data, form.note.data, dataset)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Answer saved."), "success")
            return redirect(url_for("datasets.data_requests"))
    q = request.args.get("q", "")
    return render_template(
        "staff/answer_data_request.html",
        problem=problem,
        form=form,
        q=q,
        matches=find_datasets_for_linking(q),
    ), 422 if form.errors else 200


# -- reopen requests ("still not fixed") -------------------------------------------------------


@bp.post("/staff/reopen-requests/<int:request_id>/<any(reopen, dismiss):decision>")
@capability_required(Capability.RESPOND)
def decide_reopen_request(request_id: int, decision: str):
    """Reopen the problem a resident says is still not fixed (with a response), or dismiss the request."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    reopen_request = db.get_or_404(reopen.ReopenRequest, request_id)
    try:
        if decision == "reopen":
            reopen.reopen(current_user, reopen_request, request.form.get("body", ""))
        else:
            reopen.dismiss(current_user, reopen_request)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Problem reopened.") if decision == "reopen" else _("Request dismissed."), "success")
    return redirect(url_for("staff.queue", _anchor="reopen-requests"), 303)
