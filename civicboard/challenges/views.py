"""Challenges and projects: /challenges, /challenges/<slug>, briefs, organizer pages, projects."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from civicboard.auth.forms import EmptyForm
from civicboard.challenges import queries, services
from civicboard.challenges.forms import (
    AddDatasetForm,
    AddProblemForm,
    AwardForm,
    ChallengeForm,
    FeatureForm,
    MoveForm,
    NoteForm,
    ProblemSearchForm,
    ProjectForm,
    StatusForm,
)
from civicboard.challenges.models import Challenge, ChallengeStatus, Project, ProjectInvitation, can_manage_challenges
from civicboard.extensions import db
from civicboard.permissions import capability_required
from civicboard.problems import visibility
from civicboard.problems.notifications import is_following
from civicboard.validation import ValidationError
from civicboard.web import apply_errors, check_button, found_or_404

bp = Blueprint("challenges", __name__, url_prefix="/challenges")

MANAGE = "manage_challenges"


@bp.context_processor
def _helpers() -> dict:
    """`absolute(path)`: full URLs, so a printed page shows where its links go."""
    return {"absolute": queries.absolute}


def _visible_or_404(slug: str) -> Challenge:
    return found_or_404(queries.get_challenge(slug, current_user))


def _managed_or_404(slug: str) -> Challenge:
    return found_or_404(queries.get_challenge_for_organizer(slug))


# -- public pages ----------------------------------------------------------------------------


@bp.get("")
def index():
    """Published and closed challenges, running and upcoming first."""
    return render_template("challenges/index.html", items=queries.list_public_challenges())


@bp.get("/<slug>")
def show(slug: str):
    """A challenge: curated problems with evidence, datasets, dates, place, contact, projects."""
    challenge = _visible_or_404(slug)
    detail = queries.challenge_detail(challenge, current_user)
    return render_template(
        "challenges/show.html",
        c=challenge,
        detail=detail,
        following=is_following(current_user, challenge_id=challenge.id),
        can_manage=can_manage_challenges(current_user),
    )


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<slug>/brief.md")
def brief_markdown(slug: str):
    """The brief as a Markdown document to download (hidden problems are never in a brief)."""
    challenge = _visible_or_404(slug)
    detail = queries.challenge_detail(challenge, None, with_projects=False)
    return _download(queries.brief_markdown(detail), "text/markdown", f"{challenge.slug}-brief.md")


@bp.get("/<slug>/brief.json")
def brief_json(slug: str):
    """The brief as JSON, times in ISO 8601 UTC with Z."""
    challenge = _visible_or_404(slug)
    detail = queries.challenge_detail(challenge, None, with_projects=False)
    body = json.dumps(queries.brief_document(detail), ensure_ascii=False, indent=2)
    return _download(body, "application/json", f"{challenge.slug}-brief.json")


@bp.post("/<slug>/follow")
@login_required
def follow(slug: str):
    """Follow a challenge."""
    challenge = _visible_or_404(slug)
    check_button(EmptyForm())
    services.follow_challenge(current_user, challenge)
    db.session.commit()
    flash(gettext("You follow this challenge."), "success")
    return redirect(url_for("challenges.show", slug=challenge.slug))


@bp.post("/<slug>/unfollow")
@login_required
def unfollow(slug: str):
    """Stop following a challenge."""
    challenge = _visible_or_404(slug)
    check_button(EmptyForm())
    services.unfollow_challenge(current_user, challenge)
    db.session.commit()
    flash(gettext("You no longer follow this challenge."), "success")
    return redirect(url_for("challenges.show", slug=challenge.slug))


# -- projects --------------------------------------------------------------------------------


def _project_form(challenge: Challenge, **kwargs) -> ProjectForm:
    form = ProjectForm(**kwargs)
    items = queries.curated_problems(challenge, None)
    form.problem_ids.choices = [SelectChoice(i.problem.id, i.problem.title) for i in items]
    return form


def _project_fields(form: ProjectForm) -> dict:
    return {
        "name": form.name.data,
        "description": form.description.data,
        "repository_url": form.repository_url.data,
        "demo_url": form.demo_url.data,
        "member_emails": form.member_emails.data,
        "team_names": form.team_names.data,
        "problem_ids": form.problem_ids.data or [],
    }


@bp.route("/<slug>/projects/new", methods=["GET", "POST"])
@login_required
def new_project(slug: str):
    """Submit a project to a published challenge before it ends."""
    challenge = _visible_or_404(slug)
    form = _project_form(challenge)
    if form.validate_on_submit():
        try:
            project = services.submit_project(current_user, challenge, **_project_fields(form))
        except ValidationError as exc:
            db.session.rollback()
            if exc.status == 409 and not exc.fields:
                raise
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(gettext("Your project is submitted."), "success")
            return redirect(url_for("challenges.show", slug=challenge.slug, _anchor=f"project-{project.id}"))
    elif request.method == "GET":
        # Refuse early, before someone types a whole description for nothing.
        services.ensure_can_submit(current_user, challenge)
    status = 422 if form.errors else 200
    return render_template("challenges/project_form.html", c=challenge, form=form, project=None), status


def _project_or_404(challenge: Challenge, project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or project.challenge_id != challenge.id:
        abort(404)
    if not visibility.is_listed_for(project, current_user):
        abort(404)
    return project


@bp.route("/<slug>/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit_project(slug: str, project_id: int):
    """The team edits its project while the challenge takes submissions."""
    challenge = _visible_or_404(slug)
    project = _project_or_404(challenge, project_id)
    if not project.is_member(current_user):
        abort(403)
    if request.method == "GET":
        form = _project_form(
            challenge,
            data={
                "name": project.name,
                "description": project.description,
                "repository_url": project.repository_url or "",
                "demo_url": project.demo_url or "",
                "member_emails": "\n".join(
                    [m.user.email for m in project.members if m.user_id != current_user.id]
                    + [i.email for i in project.invitations if i.is_pending]
                ),
                "team_names": project.team_names,
                "problem_ids": [link.problem_id for link in project.problem_links],
            },
        )
        services.ensure_can_edit_project(current_user, project)
        return render_template("challenges/project_form.html", c=challenge, form=form, project=project)
    form = _project_form(challenge)
    if form.validate_on_submit():
        try:
            services.update_project(current_user, project, **_project_fields(form))
        except ValidationError as exc:
            db.session.rollback()
            if exc.status == 409 and not exc.fields:
                raise
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(gettext("Project saved."), "success")
            return redirect(url_for("challenges.show", slug=challenge.slug, _anchor=f"project-{project.id}"))
    return render_template("challenges/project_form.html", c=challenge, form=form, project=project), 422


@bp.post("/<slug>/projects/<int:project_id>/feature")
@capability_required(MANAGE)
def feature_project(slug: str, project_id: int):
    """Organizers feature or unfeature a project."""
    challenge = _managed_or_404(slug)
    project = _project_or_404(challenge, project_id)
    form = FeatureForm()
    check_button(form)
    services.set_project_featured(current_user, project, form.featured.data == "1")
    db.session.commit()
    flash(gettext("Project featured.") if project.featured else gettext("Project no longer featured."), "success")
    return redirect(url_for("challenges.show", slug=challenge.slug, _anchor=f"project-{project.id}"))


@bp.post("/<slug>/projects/<int:project_id>/award")
@capability_required(MANAGE)
def award_project(slug: str, project_id: int):
    """Organizers mark a winner (or remove the award)."""
    challenge = _managed_or_404(slug)
    project = _project_or_404(challenge, project_id)
    form = AwardForm()
    check_button(form)
    try:
        services.set_project_award(current_user, project, form.award.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(gettext("Award saved.") if project.award else gettext("Award removed."), "success")
    return redirect(url_for("challenges.show", slug=challenge.slug, _anchor=f"project-{project.id}"))


# -- organizers: dashboard, create, edit, status ---------------------------------------------


@bp.get("/manage")
@capability_required(MANAGE)
def manage():
    """The organizers' dashboard: every challenge, drafts included."""
    return render_template("challenges/manage.html", items=queries.list_all_challenges(), status_form=StatusForm())


def _challenge_fields(form: ChallengeForm) -> dict:
    return {
        "title": form.title.data,
        "slug": form.slug.data,
        "summary": form.summary.data,
        "starts_at": form.starts_at.data,
        "ends_at": form.ends_at.data,
        "timezone": form.timezone.data,
        "place": form.place.data,
        "is_online": form.is_online.data,
        "contact": form.contact.data,
    }


@bp.route("/new", methods=["GET", "POST"])
@capability_required(MANAGE)
def new():
    """Create a draft challenge."""
    form = ChallengeForm()
    if form.validate_on_submit():
        try:
            challenge = services.create_challenge(current_user, **_challenge_fields(form))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(gettext("Challenge created as a draft. Now add problems to it."), "success")
            return redirect(url_for("challenges.curate", slug=challenge.slug))
    status = 422 if form.errors else 200
    return render_template("challenges/form.html", form=form, c=None), status


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@capability_required(MANAGE)
def edit(slug: str):
    """Edit a challenge's details."""
    challenge = _managed_or_404(slug)
    if request.method == "GET":
        form = ChallengeForm(
            data={
                "title": challenge.title,
                "slug": challenge.slug,
                "summary": challenge.summary,
                "starts_at": _wall_clock(challenge, challenge.starts_at),
                "ends_at": _wall_clock(challenge, challenge.ends_at),
                "timezone": challenge.timezone,
                "place": challenge.place,
                "is_online": challenge.is_online,
                "contact": challenge.contact,
            }
        )
        return render_template("challenges/form.html", form=form, c=challenge)
    form = ChallengeForm()
    if form.validate_on_submit():
        try:
            services.update_challenge(current_user, challenge, **_challenge_fields(form))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(gettext("Challenge saved."), "success")
            return redirect(url_for("challenges.show", slug=challenge.slug))
    return render_template("challenges/form.html", form=form, c=challenge), 422


def _wall_clock(challenge: Challenge, value):
    """A stored time as the naive local time a datetime-local input shows."""
    local = challenge.local(value)
    return local.replace(tzinfo=None) if local else None


@bp.post("/<slug>/status")
@capability_required(MANAGE)
def change_status(slug: str):
    """Publish, close or reopen."""
    challenge = _managed_or_404(slug)
    form = StatusForm()
    check_button(form)
    try:
        services.change_status(current_user, challenge, form.status.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if challenge.status == ChallengeStatus.CLOSED:
            flash(gettext("The challenge is now closed."), "success")
        else:
            flash(gettext("The challenge is now published."), "success")
    if request.form.get("next") == "manage":
        return redirect(url_for("challenges.manage"))
    return redirect(url_for("challenges.curate", slug=challenge.slug))


# -- organizers: curation --------------------------------------------------------------------


@bp.get("/<slug>/curate")
@capability_required(MANAGE)
def curate(slug: str):
    """Find problems, order them, write notes; add extra datasets."""
    challenge = _managed_or_404(slug)
    detail = queries.challenge_detail(challenge, current_user, with_projects=False)
    search = ProblemSearchForm(request.args)
    categories = queries.active_categories()
    search.category.choices = [SelectChoice(0, gettext("Any category"))] + [
        SelectChoice(c.id, c.name) for c in categories
    ]
    results = None
    searched = any(request.args.get(k) for k in ("q", "dataset", "category", "min_votes"))
    if searched and search.validate():
        results = queries.search_problems(
            q=(search.q.data or "").strip(),
            dataset=(search.dataset.data or "").strip(),
            category_id=search.category.data or None,
            min_votes=search.min_votes.data,
        )
    dq = (request.args.get("dq") or "").strip()[:200]
    return render_template(
        "challenges/curate.html",
        c=challenge,
        detail=detail,
        search=search,
        results=results,
        dq=dq,
        dataset_results=queries.search_datasets(dq) if dq else None,
        add_form=AddProblemForm(),
        note_form=NoteForm(),
        dataset_form=AddDatasetForm(),
        status_form=StatusForm(),
    )


def _back_to_curate(challenge: Challenge, anchor: str | None = None, **search: str):
    return redirect(url_for("challenges.curate", slug=challenge.slug, _anchor=anchor, **search))


# The curate page's search, carried through an Add so the results stay on screen.
SEARCH_ARGS = ("q", "dataset", "category", "min_votes", "dq")


def _kept_search() -> dict[str, str]:
    """The search the Add form was posted from (its hidden fields), without empty values."""
    return {name: request.form[name][:200] for name in SEARCH_ARGS if request.form.get(name)}


@bp.post("/<slug>/problems")
@capability_required(MANAGE)
def add_problem(slug: str):
    """Curate the checked problems (one or several), keeping the search that found them."""
    challenge = _managed_or_404(slug)
    form = AddProblemForm()
    check_button(form)
    search = _kept_search()
    try:
        rows = services.add_problems(current_user, challenge, form.problem_id.data or [], form.note.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back_to_curate(challenge, "find" if search else None, **search)
    db.session.commit()
    flash(
        ngettext("Problem added to the challenge.", "%(num)d problems added to the challenge.", len(rows)),
        "success",
    )
    if search:
        return _back_to_curate(challenge, "find", **search)
    return _back_to_curate(challenge, f"curated-{rows[0].problem_id}")


@bp.post("/<slug>/problems/<int:problem_id>/move")
@capability_required(MANAGE)
def move_problem(slug: str, problem_id: int):
    """Move a curated problem up or down (a plain POST button, no script needed)."""
    challenge = _managed_or_404(slug)
    form = MoveForm()
    check_button(form)
    services.move_problem(current_user, challenge, problem_id, form.direction.data)
    db.session.commit()
    return _back_to_curate(challenge, f"curated-{problem_id}")


@bp.post("/<slug>/problems/<int:problem_id>/note")
@capability_required(MANAGE)
def problem_note(slug: str, problem_id: int):
    """Save the organizer's note on a curated problem."""
    challenge = _managed_or_404(slug)
    form = NoteForm()
    check_button(form)
    try:
        services.set_problem_note(current_user, challenge, problem_id, form.note.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(gettext("Note saved."), "success")
    return _back_to_curate(challenge, f"curated-{problem_id}")


@bp.post("/<slug>/problems/<int:problem_id>/remove")
@capability_required(MANAGE)
def remove_problem(slug: str, problem_id: int):
    """Take a problem out of the challenge."""
    challenge = _managed_or_404(slug)
    check_button(EmptyForm())
    services.remove_problem(current_user, challenge, problem_id)
    db.session.commit()
    flash(gettext("Problem removed from the challenge."), "success")
    return _back_to_curate(challenge, "curated")


@bp.post("/<slug>/datasets")
@capability_required(MANAGE)
def add_dataset(slug: str):
    """Add an extra dataset."""
    challenge = _managed_or_404(slug)
    form = AddDatasetForm()
    check_button(form)
    try:
        services.add_dataset(current_user, challenge, form.dataset_id.data, form.note.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(gettext("Dataset added."), "success")
    return _back_to_curate(challenge, "datasets", **_kept_search())


@bp.post("/<slug>/datasets/<int:dataset_id>/remove")
@capability_required(MANAGE)
def remove_dataset(slug: str, dataset_id: int):
    """Remove an extra dataset."""
    challenge = _managed_or_404(slug)
    check_button(EmptyForm())
    services.remove_dataset(current_user, challenge, dataset_id)
    db.session.commit()
    flash(gettext("Dataset removed."), "success")
    return _back_to_curate(challenge, "datasets")


# -- team invitations ------------------------------------------------------------------------


@bp.get("/invitations")
@login_required
def invitations():
    """The invitations waiting for the signed-in user's address, to accept or decline."""
    pending = services.invitations.pending_for(current_user)
    return render_template("challenges/invitations.html", invitations=pending, form=EmptyForm())


@bp.get("/invitations/<token>")
@login_required
def invitation(token: str):
    """The emailed link: the invitation it names, with accept and decline buttons."""
    found = services.invitations.find(token)
    if found is None or not found.is_pending or found.email != current_user.email.lower():
        # The same page whether the token is unknown, answered or someone else's.
        flash(
            gettext("This invitation is not valid for your account. Sign in with the address it was sent to."),
            "error",
        )
        return redirect(url_for("challenges.invitations"))
    return render_template("challenges/invitations.html", invitations=[found], form=EmptyForm())


@bp.post("/invitations/<int:invitation_id>/<any(accept, decline):answer>")
@login_required
def answer_invitation(invitation_id: int, answer: str):
    """Accept (join the team) or decline an invitation sent to your address."""
    check_button()
    found = db.session.get(ProjectInvitation, invitation_id)
    if answer == "accept":
        project = services.invitations.accept(current_user, found)
        db.session.commit()
        flash(gettext("You are now on the team of “%(project)s”.", project=project.name), "success")
        return redirect(url_for("challenges.show", slug=project.challenge.slug, _anchor=f"project-{project.id}"))
    services.invitations.decline(current_user, found)
    db.session.commit()
    flash(gettext("Invitation declined."), "success")
    return redirect(url_for("challenges.invitations"))
