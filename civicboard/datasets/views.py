"""Catalog pages: /datasets, /datasets/<id>, staff editing and sources, /data-requests.

Views sit on top of the layers: a dataset's page composes the catalog's own record with the
problems tied to it (problems.queries) and the evidence citing it (staff.queries). Answering
a data request is staff's (staff.views).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civicboard.auth.forms import EmptyForm
from civicboard.datasets import jobs, queries, services
from civicboard.datasets.forms import SourceEditForm, SourceForm, dataset_form_for
from civicboard.datasets.freshness import describe_periodicity, is_old, may_be_stale
from civicboard.datasets.models import CatalogSource, Dataset
from civicboard.extensions import db
from civicboard.permissions import Capability, capability_required
from civicboard.problems import queries as problem_queries
from civicboard.problems.models import data_request_status_label
from civicboard.staff import queries as staff_queries
from civicboard.staff.services import can_answer_data_requests
from civicboard.validation import ConflictError, ValidationError
from civicboard.web import apply_errors, check_button

bp = Blueprint("datasets", __name__)

PROBLEMS_SHOWN = 50


# --------------------------------------------------------------------------- #
# Public pages
# --------------------------------------------------------------------------- #


@bp.get("/datasets")
def index():
    """Search, filter, facets and sort over the catalog; withdrawn ones only with ?status=withdrawn."""
    filters = queries.DatasetFilters.from_args(request.args)
    page = queries.list_datasets(
        filters,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=request.args.get("per_page", queries.PER_PAGE, type=int) or queries.PER_PAGE,
    )
    return render_template("datasets/index.html", result=page, filters=filters, sorts=queries.SORTS)


@bp.get("/datasets/<int:dataset_id>")
def show(dataset_id: int):
    """A dataset: metadata, links, freshness, the problems tied to it and the evidence citing it."""
    dataset = queries.get_dataset(dataset_id)
    if dataset is None:
        abort(404)
    return render_template(
        "datasets/show.html",
        dataset=dataset,
        problems=problem_queries.dataset_problems(
            dataset.id, limit=PROBLEMS_SHOWN, problem_count=dataset.problem_count
        ),
        evidence=staff_queries.dataset_evidence(dataset.id),
        stale=may_be_stale(dataset.modified, dataset.accrual_periodicity),
        old=is_old(dataset.modified),
        frequency=describe_periodicity(dataset.accrual_periodicity),
        license_is_link=bool(dataset.license and re.match(r"https?://", dataset.license, re.IGNORECASE)),
    )


@bp.get("/data-requests")
def data_requests():
    """Problems whose data is not published yet, most wanted first, with a vote button each."""
    per_page = problem_queries.DATA_REQUESTS_PER_PAGE
    result = problem_queries.list_data_requests(
        sort=request.args.get("sort", "votes"),
        status=request.args.get("status", ""),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=request.args.get("per_page", per_page, type=int) or per_page,
        viewer=current_user,
    )
    return render_template(
        "datasets/data_requests.html",
        result=result,
        sorts=problem_queries.DATA_REQUEST_SORTS,
        statuses=[(s, data_request_status_label(s)) for s in problem_queries.DATA_REQUEST_STATUSES],
        can_answer=can_answer_data_requests(current_user),
    )


# --------------------------------------------------------------------------- #
# Staff: datasets by hand
# --------------------------------------------------------------------------- #


@bp.route("/datasets/new", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_DATASETS)
def new():
    """Add a dataset by hand."""
    form = dataset_form_for(None, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            dataset = services.create_dataset(current_user, form.service_fields())
        except ValidationError as exc:
            db.session.rollback()
            _apply_dataset_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Dataset added."), "success")
            return redirect(url_for("datasets.show", dataset_id=dataset.id))
    return _dataset_form_page(form, None)


@bp.route("/datasets/<int:dataset_id>/edit", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_DATASETS)
def edit(dataset_id: int):
    """Edit a dataset; imported ones get their catalog values back on the next import."""
    dataset = queries.get_dataset(dataset_id) or abort(404)
    form = dataset_form_for(dataset, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            services.update_dataset(current_user, dataset, form.service_fields())
        except ValidationError as exc:
            db.session.rollback()
            _apply_dataset_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Dataset saved."), "success")
            return redirect(url_for("datasets.show", dataset_id=dataset.id))
    return _dataset_form_page(form, dataset)


def _dataset_form_page(form, dataset: Dataset | None):
    html = render_template("datasets/form.html", form=form, dataset=dataset, errors=_error_list(form))
    # Reaching the page again after a POST means the input was refused.
    return html, 422 if request.method == "POST" else 200


def _error_list(form) -> list[tuple[str, str, str]]:
    """(field id, label, message) for every error, distribution rows included, for the summary."""
    found = []
    for name, field in form._fields.items():
        if name == "distributions":
            found += [(field.id, _("Distributions"), e) for e in field.errors if isinstance(e, str)]
            for index, entry in enumerate(field.entries, start=1):
                for sub in entry.form:
                    label = _("Distribution %(number)s %(field)s", number=index, field=sub.label.text)
                    found += [(sub.id, label, e) for e in sub.errors]
        elif name == "csrf_token":
            expired = _("The form expired. Please submit it again.")
            found += [(field.id, _("Form"), expired) for _error in field.errors]
        else:
            found += [(field.id, field.label.text, e) for e in field.errors]
    return found


def _apply_dataset_errors(form, exc: ValidationError) -> None:
    """Service errors onto fields, distribution rows included ("distributions-0-url")."""
    rest = {}
    for name, message in exc.fields.items():
        match = re.fullmatch(r"distributions-(\d+)-(\w+)", name)
        if match and int(match[1]) < len(form.distributions.entries):
            sub = form.distributions.entries[int(match[1])].form[match[2]]
            sub.errors = [*sub.errors, message]
        else:
            rest[name] = message
    if rest or not exc.fields:
        apply_errors(form, ValidationError(exc.message, rest))


# --------------------------------------------------------------------------- #
# Staff: catalog sources
# --------------------------------------------------------------------------- #


def _sources_page(form: SourceForm | None = None, status: int = 200):
    return render_template(
        "datasets/sources.html",
        rows=queries.source_rows(),
        runs=queries.recent_runs(),
        form=form or SourceForm(),
        button_form=EmptyForm(),
    ), status


@bp.get("/datasets/sources")
@capability_required(Capability.MANAGE_DATASETS)
def sources():
    """Configured catalog sources, their last import, and a form to add one."""
    return _sources_page()


@bp.post("/datasets/sources")
@capability_required(Capability.MANAGE_DATASETS)
def create_source():
    """Add a catalog source."""
    form = SourceForm()
    if form.validate_on_submit():
        try:
            services.create_source(
                current_user,
                {
                    "name": form.name.data,
                    "title": form.title.data,
                    "url": form.url.data,
                    "format": form.format.data,
                    "enabled": form.enabled.data,
                },
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Source %(name)s added.", name=form.name.data), "success")
            return redirect(url_for("datasets.sources"))
    return _sources_page(form, 422)


@bp.route("/datasets/sources/<int:source_id>/edit", methods=["GET", "POST"])
@capability_required(Capability.MANAGE_DATASETS)
def edit_source(source_id: int):
    """Change a source's title, URL, format or nightly refresh."""
    source = db.get_or_404(CatalogSource, source_id)
    form = SourceEditForm(obj=source)
    if form.validate_on_submit():
        fields = {"title": form.title.data, "url": form.url.data, "format": form.format.data}
        fields["enabled"] = form.enabled.data
        try:
            services.update_source(current_user, source, fields)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Source %(name)s saved.", name=source.name), "success")
            return redirect(url_for("datasets.sources"))
    form.name.data = source.name
    return render_template("datasets/source_form.html", form=form, source=source), 422 if form.errors else 200


@bp.post("/datasets/sources/<int:source_id>/<any(enable, disable):action>")
@capability_required(Capability.MANAGE_DATASETS)
def toggle_source(source_id: int, action: str):
    """Turn a source's nightly refresh on or off."""
    check_button()
    source = db.get_or_404(CatalogSource, source_id)
    services.update_source(current_user, source, {"enabled": action == "enable"})
    db.session.commit()
    if action == "enable":
        flash(_("Source %(name)s enabled.", name=source.name), "success")
    else:
        flash(_("Source %(name)s disabled.", name=source.name), "success")
    return redirect(url_for("datasets.sources"))


@bp.post("/datasets/sources/<int:source_id>/refresh")
@capability_required(Capability.MANAGE_DATASETS)
def refresh_source(source_id: int):
    """Queue a re-import of a source; it runs in the background and its run shows on the sources page."""
    check_button()
    source = db.get_or_404(CatalogSource, source_id)
    try:
        run = jobs.queue_refresh(current_user, source)
    except ConflictError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("datasets.sources"))
    db.session.commit()
    # After the commit: the runner reads the queued run from the database.
    jobs.dispatch(run.id)
    flash(
        _("Refresh of %(name)s queued. Its progress and result show under Recent imports.", name=source.name),
        "success",
    )
    return redirect(url_for("datasets.sources"))
