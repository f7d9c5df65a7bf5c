"""Problem pages: the board (/), proposing, a problem's page, votes, comments, follows,
search, notifications, and the staff's category list.

Views are thin: parse, call one service, commit, redirect (or render the form again with
everything typed kept). Vote and follow buttons are plain forms that redirect back; the page's
script sends the same clicks to the JSON API (/api/v1) instead, so there is one protocol
for scripts and these routes are the path without JavaScript.
"""

from __future__ import annotations

import re
from functools import cache

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import CompoundSelect, bindparam, literal, select, union_all

from civicboard import skeletons
from civicboard.auth.forms import EmptyForm
from civicboard.auth.models import Department
from civicboard.challenges.queries import badges_for_problem, challenge_names
from civicboard.datasets.queries import DatasetFilters, list_datasets
from civicboard.extensions import db
from civicboard.moderation.queries import reported_items, reported_on_problem
from civicboard.permissions import Capability, PermissionDenied, capability_required
from civicboard.problems import (
    holes,  # noqa: F401  (fills the vote buttons of kept signed-in pages)
    notifications,
    photos,
    queries,
    search,
    services,
    threads,
)
from civicboard.problems.forms import CategoryForm, CommentForm, EditCommentForm, ProblemForm
from civicboard.problems.models import STATUS_LABELS, Category, Comment, CommentRevision, Photo, Problem, ProblemStatus
from civicboard.problems.visibility import is_visible_to
from civicboard.ratelimits import comments_limit, problems_limit, votes_limit
from civicboard.staff import reopen
from civicboard.staff.queries import (
    duplicates_of,
    evidence_for_problem,
    response_status_changes,
    responses_for_problem,
)
from civicboard.validation import ValidationError, accepts_uploads
from civicboard.web import apply_errors, back_to, check_button, found_or_404, int_arg
from civicboard.writes import retry_when_locked

bp = Blueprint("problems", __name__)
# Empty photo fields on the propose and edit forms (a problem takes up to photos.MAX_PHOTOS).
PHOTO_SLOTS = 3


# -- helpers ---------------------------------------------------------------------------------------


def _problem_or_404(problem_id: int):
    return found_or_404(queries.get_problem(problem_id, current_user))


def _filters_from_args() -> queries.ProblemFilters:
    return queries.ProblemFilters(
        status=request.args.get("status") or None,
        dataset_id=int_arg("dataset"),
        category=(request.args.get("category") or "").strip() or None,
        voted_by_me=request.args.get("voted") == "1" and current_user.is_authenticated,
    )


@skeletons.personal_here
def _own_part_of_problem_page(user) -> bool:
    """A problem's page shows its author, commenters and uploaders controls of their own, and
    what a reader reported or asked to reopen: such a reader's page is built for them alone."""
    if request.endpoint != "problems.show":
        return False
    problem_id = (request.view_args or {}).get("problem_id")
    return db.session.execute(_own_part_query(), {"problem_id": problem_id, "reader_id": user.id}).first() is not None


@cache
def _own_part_query() -> CompoundSelect:
    """Built once: every signed-in reader's problem page asks it."""
    problem_id, user_id = bindparam("problem_id"), bindparam("reader_id")
    return union_all(
        select(literal("problem"), Problem.id).where(Problem.id == problem_id, Problem.author_id == user_id),
        select(literal("comment"), Comment.id).where(Comment.problem_id == problem_id, Comment.author_id == user_id),
        select(literal("photo"), Photo.id).where(Photo.problem_id == problem_id, Photo.author_id == user_id),
        reported_on_problem(user_id, problem_id),
        reopen.requested_mark(user_id, problem_id),
    ).limit(1)


# -- the board -------------------------------------------------------------------------------------


@bp.get("/")
def index():
    """The problem list: hot, top, new or most discussed; filtered; keyset-paginated."""
    filters = _filters_from_args()
    page = queries.list_problems(
        current_user,
        sort=request.args.get("sort", "hot"),
        filters=filters,
        after=request.args.get("after"),
        with_text=False,
    )
    categories = queries.active_categories()
    dataset = None
    if filters.dataset_id:
        # The datasets of the shown problems are loaded already; every one is tied to it.
        dataset = next(
            (link.dataset for p in page.items for link in p.dataset_links if link.dataset_id == filters.dataset_id),
            None,
        )
    return render_template(
        "problems/index.html",
        page=page,
        categories=categories,
        dataset=dataset,
        filters=filters,
        sorts=queries.sort_labels(),
        statuses=STATUS_LABELS,
        first_page=not request.args.get("after"),
    )


@bp.get("/map")
def map_page():
    """Located problems on a map, filtered as the board is, with the same problems as a list.

    The list is the page: it works with a keyboard, a screen reader and without JavaScript or
    tiles; the map (static/js/map.js) reads its markers from the list's items.
    """
    filters = _filters_from_args()
    page = queries.map_problems(current_user, filters)
    return render_template(
        "problems/map.html",
        page=page,
        filters=filters,
        categories=queries.active_categories(),
        statuses=STATUS_LABELS,
        limit=queries.MAP_LIMIT,
    )


# -- photos ----------------------------------------------------------------------------------------

PHOTO_CACHE_SECONDS = 365 * 24 * 3600


def _send_photo(key: str, *, thumbnail: bool):
    photo = photos.photo_by_key(key)
    if photo is None or not photos.may_see(photo, current_user):
        abort(404)
    path = photos.path_of(photo, thumbnail=thumbnail)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=photo.content_type, max_age=0, conditional=True, etag=True)
    # A photo's file never changes (a new photo gets a new key): public ones may be kept a
    # year anywhere; hidden or pending ones only by the moderator's or author's browser, briefly.
    if photos.is_public(photo):
        response.headers["Cache-Control"] = f"public, max-age={PHOTO_CACHE_SECONDS}, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _photo_on(problem, photo_id: int):
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.problem_id != problem.id or not is_visible_to(photo, current_user):
        abort(404)
    return photo


@bp.post("/problems/<int:problem_id>/photos")
@accepts_uploads(1)
@login_required
def add_photo(problem_id: int):
    """Add one photo (with its description) to a problem you may edit, from its page."""
    check_button()
    problem = _problem_or_404(problem_id)
    upload = request.files.get("photo")
    try:
        photos.add_photo(current_user, problem, upload.read() if upload else b"", request.form.get("photo_alt"))
    except (ValidationError, PermissionDenied) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", str(exc)), "error")
    else:
        db.session.commit()
        flash(_("Photo added."), "success")
    return redirect(url_for("problems.show", problem_id=problem.id, _anchor="photos"), 303)


@bp.post("/problems/<int:problem_id>/photos/<int:photo_id>/delete")
@login_required
def delete_photo(problem_id: int, photo_id: int):
    """Remove a photo and its files (whoever may edit the problem)."""
    check_button()
    problem = _problem_or_404(problem_id)
    try:
        photos.delete_photo(current_user, problem, _photo_on(problem, photo_id))
    except PermissionDenied as exc:
        db.session.rollback()
        flash(exc.message if hasattr(exc, "message") else str(exc), "error")
    else:
        db.session.commit()
        flash(_("Photo removed."), "success")
    return redirect(back_to(url_for("problems.show", problem_id=problem.id, _anchor="photos")), 303)


@bp.get("/photos/<key>")
def photo_file(key: str):
    """A problem's photo, re-encoded without metadata; 404 where the problem or the photo is hidden."""
    return _send_photo(key, thumbnail=False)


@bp.get("/photos/<key>/thumbnail")
def photo_thumbnail(key: str):
    """A photo's thumbnail (lists, maps, the gallery)."""
    return _send_photo(key, thumbnail=True)


# -- proposing -------------------------------------------------------------------------------------


def _problem_errors(form, exc: ValidationError) -> dict:
    """Put a service's errors on the form's fields; the datasets' error goes to the template."""
    fields = dict(exc.fields)
    dataset_error = fields.pop("dataset_ids", None)
    if fields:
        apply_errors(form, ValidationError(exc.message, fields))
    elif not dataset_error:
        flash(exc.message, "error")
    return {"dataset_error": dataset_error}


DATASET_MATCHES = 20


def _dataset_search(q: str | None):
    """The catalog search the picker shows (the API's `GET /datasets?q=`), or None when nothing is typed."""
    q = (q or "").strip()[:200]
    if not q:
        return None
    return list_datasets(DatasetFilters(q=q), per_page=DATASET_MATCHES, with_facets=False)


def _render_problem_form(
    form, *, selected, duplicates=(), preview_html=None, problem=None, dataset_error=None, status=200
):
    # The search typed is run again on every render (preview, a validation error), so its
    # results stay beside the form instead of turning into "no dataset matches".
    search = _dataset_search(form.dataset_q.data)
    selected_ids = {d.id for d in selected}
    matches = [d for d in search.items if d.id not in selected_ids] if search else []
    return (
        render_template(
            "problems/new.html",
            form=form,
            selected=selected,
            matches=matches,
            match_total=search.total if search else 0,
            match_limit=DATASET_MATCHES,
            searched=(form.dataset_q.data or "").strip() if search else "",
            duplicates=duplicates,
            preview_html=preview_html,
            problem=problem,
            dataset_error=dataset_error,
            pending_photos=g.get("pending_photos", []),
            photo_errors=g.get("photo_errors", {}),
            photo_slots=_photo_slots(problem),
            existing_photos=photos.shown_photos(problem, current_user) if problem is not None else [],
            photo_max_mb=max(1, current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)),
        ),
        status,
    )


def _photo_slots(problem) -> int:
    """How many empty photo fields the form offers (up to 3, within the 6 a problem takes)."""
    taken = len(g.get("pending_photos", [])) + (len(problem.photos) if problem is not None else 0)
    return max(0, min(PHOTO_SLOTS, photos.MAX_PHOTOS - taken))


def _take_uploads(problem=None) -> None:
    """Store the photos chosen on the form as pending (so a preview or an error keeps them).

    The ones stored on an earlier round come back as `pending_photo` keys (only the user's own
    count). They are committed at once: they wait for the problem, tied to it when it is saved.
    Sets g.pending_photos and g.photo_errors for the form.
    """
    pending = photos.pending_photos(current_user, request.form.getlist("pending_photo"))
    existing = len(problem.photos) if problem is not None else 0
    errors: dict[str, str] = {}
    stored = False
    for slot in range(1, PHOTO_SLOTS + 1):
        upload = request.files.get(f"photo_{slot}")
        data = upload.read() if upload is not None else b""
        if not data:
            continue
        name = f"photo_{slot}"
        if existing + len(pending) >= photos.MAX_PHOTOS:
            errors[name] = ngettext(
                "A problem has at most %(num)d photo.", "A problem has at most %(num)d photos.", photos.MAX_PHOTOS
            )
            continue
        try:
            pending.append(photos.store(current_user, data, request.form.get(f"{name}_alt"), field=name))
            stored = True
        except ValidationError as exc:
            db.session.rollback()
            for key, message in exc.fields.items():
                errors[key] = _("%(error)s Choose the photo again.", error=message) if key == name else message
            errors.setdefault(name, _("Choose the photo again."))
    if stored:
        db.session.commit()
    g.pending_photos = pending
    g.photo_errors = errors


@bp.route("/problems/new", methods=["GET", "POST"])
@accepts_uploads(PHOTO_SLOTS)
@login_required
@problems_limit
def new_problem():
    """Propose a problem: find datasets, preview, see likely duplicates, then post."""
    form = ProblemForm(categories=queries.active_categories())
    if request.method == "GET":
        form.dataset_q.data = request.args.get("dataset_q", "")
        selected = queries.datasets_by_ids(services.parse_ids(request.args.getlist("dataset")))
        selected = [d for d in selected if not d.is_withdrawn]
        return _render_problem_form(form, selected=selected)

    selected = queries.datasets_by_ids(services.parse_ids(request.form.getlist("dataset_ids")))
    if not form.validate_on_submit():  # only the CSRF token can fail here
        return _render_problem_form(form, selected=selected, status=400)
    _take_uploads()
    action = request.form.get("action", "post")
    if action == "find":
        return _render_problem_form(form, selected=selected)

    fields = {
        "title": form.title.data,
        "description": form.description.data,
        "dataset_ids": [d.id for d in selected] or request.form.getlist("dataset_ids"),
        "category_id": form.category_id.data,
        "neighbourhood": form.neighbourhood.data,
        "data_request": form.data_request.data,
        "latitude": form.latitude.data,
        "longitude": form.longitude.data,
        "address": form.address.data,
        "language": form.language.data,
    }
    try:
        data = services.clean_problem_input(**fields)
    except ValidationError as exc:
        return _render_problem_form(form, selected=selected, status=422, **_problem_errors(form, exc))
    if g.photo_errors:
        flash(_("A photo could not be added: see the photos below."), "error")
        return _render_problem_form(form, selected=selected, status=422)
    duplicates = queries.find_duplicates(data.title, data.dataset_ids)
    if action == "preview":
        return _render_problem_form(form, selected=selected, duplicates=duplicates, preview_html=data.description_html)
    if duplicates and action != "post_anyway":
        return _render_problem_form(form, selected=selected, duplicates=duplicates, status=200)
    try:
        problem = services.create_problem(current_user, **fields)
        photos.attach_pending(current_user, problem, g.pending_photos)
    except ValidationError as exc:
        db.session.rollback()
        return _render_problem_form(form, selected=selected, status=422, **_problem_errors(form, exc))
    db.session.commit()
    flash(_("Your problem is posted. You will hear about comments and official responses."), "success")
    return redirect(url_for("problems.show", problem_id=problem.id), 303)


@bp.get("/problems/dataset-suggest")
def dataset_suggest():
    """JSON for the dataset type-ahead: active datasets whose title has every word typed."""
    datasets = queries.suggest_datasets(request.args.get("q", ""), limit=10)
    return jsonify(
        items=[
            {"id": d.id, "title": d.title, "publisher": d.publisher, "url": url_for("datasets.show", dataset_id=d.id)}
            for d in datasets
        ]
    )


@bp.route("/problems/<int:problem_id>/edit", methods=["GET", "POST"])
@accepts_uploads(PHOTO_SLOTS)
@login_required
def edit_problem(problem_id: int):
    """Edit a problem (its author while it is open, or a moderator)."""
    problem = _problem_or_404(problem_id)
    refusal = problem.edit_refusal(current_user)
    if refusal is not None:
        raise PermissionDenied(refusal)
    categories = queries.active_categories()
    if request.method == "GET":
        form = ProblemForm(
            categories=categories,
            current_category_id=problem.category_id,
            data={
                "title": problem.title,
                "description": problem.description,
                "category_id": str(problem.category_id or ""),
                "neighbourhood": problem.neighbourhood or "",
                "data_request": problem.data_request or "",
                "latitude": "" if problem.latitude is None else f"{problem.latitude:.6f}",
                "longitude": "" if problem.longitude is None else f"{problem.longitude:.6f}",
                "address": problem.address or "",
                # Not stated yet: the select offers the interface's language.
                **({"language": problem.language} if problem.language else {}),
            },
        )
        selected = [link.dataset for link in problem.dataset_links]
        return _render_problem_form(form, selected=selected, problem=problem)
    form = ProblemForm(categories=categories, current_category_id=problem.category_id)
    selected = queries.datasets_by_ids(services.parse_ids(request.form.getlist("dataset_ids")))
    if not form.validate_on_submit():
        return _render_problem_form(form, selected=selected, problem=problem, status=400)
    _take_uploads(problem)
    action = request.form.get("action", "post")
    if action == "find":
        return _render_problem_form(form, selected=selected, problem=problem)
    fields = {
        "title": form.title.data,
        "description": form.description.data,
        "dataset_ids": [d.id for d in selected],
        "category_id": form.category_id.data,
        "neighbourhood": form.neighbourhood.data,
        "data_request": form.data_request.data,
        "latitude": form.latitude.data,
        "longitude": form.longitude.data,
        "address": form.address.data,
        "language": form.language.data,
    }
    try:
        if action == "preview":
            data = services.clean_problem_input(existing=problem, **fields)
            return _render_problem_form(form, selected=selected, preview_html=data.description_html, problem=problem)
        if g.photo_errors:
            flash(_("A photo could not be added: see the photos below."), "error")
            return _render_problem_form(form, selected=selected, problem=problem, status=422)
        services.edit_problem(current_user, problem, **fields)
        photos.attach_pending(current_user, problem, g.pending_photos)
    except ValidationError as exc:
        db.session.rollback()
        return _render_problem_form(form, selected=selected, problem=problem, status=422, **_problem_errors(form, exc))
    db.session.commit()
    flash(_("Changes saved."), "success")
    return redirect(url_for("problems.show", problem_id=problem.id), 303)


# -- a problem's page --------------------------------------------------------------------------


def _comment_position() -> dict:
    """Which page of comments the query string asks for (see problems.threads).

    An id no comment can have is ignored (the databases' integers stop at 2**31 - 1).
    """
    return {name: int_arg(name) for name in ("before", "after", "comment", "thread")}


def _render_problem(problem, *, comment_form=None, status=200):
    # Anonymous readers get no form: building one writes a CSRF token into a new session,
    # and its cookie would keep them out of the page cache from then on.
    if comment_form is None and current_user.is_authenticated:
        comment_form = CommentForm(formdata=None)
    reply_to = str(comment_form.parent_id.data or "") if comment_form is not None else ""
    # A reply that failed is shown again in its thread, wherever that thread's page is.
    position = {"comment": int(reply_to)} if reply_to.isdigit() else _comment_position()
    marks = []
    if current_user.is_authenticated:
        marks = [reported_on_problem(current_user.id, problem.id), reopen.requested_mark(current_user.id, problem.id)]
    page = queries.load_problem_page(problem, current_user, marks=marks)
    # Views sit on top of the layers: the page composes staff's records with the problem's own.
    page.responses = responses_for_problem(problem.id)
    page.evidence = evidence_for_problem(problem.id)
    return (
        render_template(
            "problems/show.html",
            page=page,
            problem=problem,
            comments=threads.load_comments(problem, current_user, **position),
            problem_url=url_for("problems.show", problem_id=problem.id),
            datasets=page.datasets,
            evidence=page.evidence,
            duplicates=duplicates_of(problem.id, current_user),
            comment_form=comment_form,
            reply_to=reply_to,
            challenge_badges=badges_for_problem(problem.id, current_user),
            reported=page.marks,
            statuses=STATUS_LABELS,
            # "Log in to vote" comes back here with ?vote=1: offer the vote, cast only by a POST.
            confirm_vote=request.args.get("vote") == "1" and not page.voted and problem.can_vote(current_user),
            gallery=photos.gallery(problem, current_user),
        ),
        status,
    )


@bp.get("/problems/<int:problem_id>")
def show(problem_id: int):
    """A problem: description, datasets, votes, official responses, evidence, a page of comments.

    `?fragment=1` answers only the page of comments' list items, for the script that loads
    earlier or later comments in place.
    """
    problem = _problem_or_404(problem_id)
    if request.args.get("fragment") == "1":
        comments = threads.load_comments(problem, current_user, **_comment_position())
        form = CommentForm(formdata=None) if current_user.is_authenticated else None
        return render_template(
            "problems/_comment_items.html",
            problem=problem,
            problem_url=url_for("problems.show", problem_id=problem.id),
            comments=comments,
            comment_form=form,
            reply_to="",
            reported=reported_items(current_user, problem.id),
        )
    return _render_problem(problem)


# -- votes and follows -------------------------------------------------------------------------


def _back_to(problem_id: int, *, error: Exception | None = None, message: str = ""):
    """Flash the outcome and go back to the page the button was on."""
    if error is not None:
        flash(getattr(error, "message", str(error)), "error")
    elif message:
        flash(message, "success")
    return redirect(back_to(url_for("problems.show", problem_id=problem_id)), 303)


def _vote_action(problem_id: int, action, message: str):
    if not current_user.is_authenticated:
        # The vote survives the login as `?vote=1`: the page then asks for a one-click POST.
        return redirect(url_for("auth.login", next=url_for("problems.show", problem_id=problem_id, vote=1)))
    check_button()

    def cast():
        try:
            action(current_user, problem_id)
        except (ValidationError, PermissionDenied) as exc:
            db.session.rollback()
            return _back_to(problem_id, error=exc)
        db.session.commit()
        return _back_to(problem_id, message=message)

    # SQLite's single writer: a vote waits its turn rather than being answered with an error.
    return retry_when_locked(cast)


@bp.post("/problems/<int:problem_id>/vote")
@votes_limit
def vote(problem_id: int):
    """Vote for a problem (again is harmless)."""
    return _vote_action(problem_id, services.vote, _("Your vote is counted."))


@bp.post("/problems/<int:problem_id>/unvote")
@votes_limit
def unvote(problem_id: int):
    """Withdraw your vote (again is harmless)."""
    return _vote_action(problem_id, services.withdraw_vote, _("Your vote is withdrawn."))


@bp.post("/problems/<int:problem_id>/follow")
@login_required
def follow(problem_id: int):
    """Hear about new comments, official responses and status changes."""
    check_button()
    problem = _problem_or_404(problem_id)
    services.follow_problem(current_user, problem)
    db.session.commit()
    return _back_to(problem.id, message=_("You follow this problem."))


@bp.post("/problems/<int:problem_id>/unfollow")
@login_required
def unfollow(problem_id: int):
    """Stop hearing about this problem."""
    check_button()
    problem = _problem_or_404(problem_id)
    services.unfollow_problem(current_user, problem)
    db.session.commit()
    return _back_to(problem.id, message=_("You no longer follow this problem."))


@bp.post("/problems/<int:problem_id>/reopen-request")
@login_required
def request_reopen(problem_id: int):
    """Say a resolved problem is still not fixed: the request goes to the staff queue."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    problem = _problem_or_404(problem_id)
    try:
        reopen.request_reopen(current_user, problem, request.form.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", str(exc)), "error")
    else:
        db.session.commit()
        flash(_("Thank you. Staff will look at this problem again."), "success")
    return redirect(url_for("problems.show", problem_id=problem.id, _anchor="still-not-fixed"), 303)


# -- comments --------------------------------------------------------------------------------------


@bp.post("/problems/<int:problem_id>/comments")
@login_required
@comments_limit
def add_comment(problem_id: int):
    """Comment, or reply to a comment."""
    problem = _problem_or_404(problem_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_problem(problem, comment_form=form, status=400)
    try:
        comment = services.add_comment(
            current_user, problem, form.body.data, parent_id=form.parent_id.data or None, language=form.language.data
        )
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        if not (form.body.errors or form.language.errors):
            form.body.errors = [exc.message]
        return _render_problem(problem, comment_form=form, status=exc.status)
    except PermissionDenied:
        db.session.rollback()
        raise
    db.session.commit()
    return redirect(comment_url(comment), 303)


@bp.app_template_global()
def comment_url(comment, **kwargs) -> str:
    """The link to a comment: its problem's page of comments that holds it, scrolled to it."""
    return url_for(
        "problems.show", problem_id=comment.problem_id, comment=comment.id, _anchor=f"comment-{comment.id}", **kwargs
    )


def _comment_or_404(problem_id: int, comment_id: int):
    problem = _problem_or_404(problem_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.problem_id != problem.id or not is_visible_to(comment, current_user):
        abort(404)
    return problem, comment


@bp.route("/problems/<int:problem_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(problem_id: int, comment_id: int):
    """Edit your own comment (the earlier text is kept for moderators)."""
    problem, comment = _comment_or_404(problem_id, comment_id)
    if not comment.can_edit(current_user):
        abort(403)
    form = EditCommentForm(data={"body": comment.body} if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.edit_comment(current_user, comment, form.body.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            return redirect(comment_url(comment), 303)
    status = 422 if form.errors else 200
    return render_template("problems/edit_comment.html", form=form, problem=problem, comment=comment), status


@bp.post("/problems/<int:problem_id>/comments/<int:comment_id>/delete")
@login_required
def delete_comment(problem_id: int, comment_id: int):
    """Delete your own comment; a placeholder keeps the thread readable."""
    _problem, comment = _comment_or_404(problem_id, comment_id)
    check_button()
    services.delete_comment(current_user, comment)
    db.session.commit()
    flash(_("Your comment was deleted."), "success")
    return redirect(comment_url(comment), 303)


@bp.get("/problems/<int:problem_id>/comments/<int:comment_id>/history")
@capability_required(Capability.MODERATE)
def comment_history(problem_id: int, comment_id: int):
    """Earlier versions of a comment, for moderators."""
    problem, comment = _comment_or_404(problem_id, comment_id)
    revisions = list(
        db.session.execute(
            db.select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.created_at.desc(), CommentRevision.id.desc())
        ).scalars()
    )
    return render_template("problems/comment_history.html", problem=problem, comment=comment, revisions=revisions)


# -- search ----------------------------------------------------------------------------------------


@bp.get("/search")
def search_page():
    """Full-text search over titles and descriptions, with the board's filters."""
    q = (request.args.get("q") or "").strip()
    filters = _filters_from_args()
    page_number = int_arg("page") or 1
    results = search.search_problems(current_user, q, filters=filters, page=page_number) if q else None
    return render_template(
        "problems/search.html",
        q=q,
        results=results,
        filters=filters,
        categories=queries.active_categories(),
        statuses=STATUS_LABELS,
    )


# -- notifications ---------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications_page():
    """Your notifications, newest first; the ones shown are marked read as you see them."""
    page = queries.notification_page(current_user, before=request.args.get("before"))
    unread_ids = {n.id for n in page.items if n.read_at is None}
    notifications.mark_read(current_user._get_current_object(), unread_ids)
    html = render_template(
        "problems/notifications.html",
        page=page,
        unread_ids=unread_ids,
        status_changes=response_status_changes([n.response_id for n in page.items if n.response_id]),
        challenges=challenge_names([n.challenge_id for n in page.items if n.challenge_id]),
    )
    # Commit after rendering: a commit expires the loaded rows, and reloading them one by
    # one in the template would cost a query per notification.
    db.session.commit()
    return html


@bp.post("/notifications/read")
@login_required
def mark_notifications_read():
    """Mark every notification read."""
    check_button()
    notifications.mark_all_read(current_user._get_current_object())
    db.session.commit()
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("problems.notifications_page"), 303)


# -- categories (staff) ----------------------------------------------------------------------------


def _departments():
    return list(db.session.execute(db.select(Department).order_by(Department.name)).scalars())


def _render_categories(new_form=None, edit_forms=None, status=200):
    categories = queries.all_categories()
    departments = _departments()
    forms = {}
    for category in categories:
        form = (edit_forms or {}).get(category.id)
        if form is None:
            form = CategoryForm(
                formdata=None,
                prefix=f"c{category.id}",
                departments=departments,
                data={
                    "name": category.name,
                    "description": category.description,
                    "department_id": str(category.department_id or ""),
                    "active": category.active,
                    "default_dataset_ids": ", ".join(str(i) for i in category.default_dataset_ids),
                },
            )
        forms[category.id] = form
    return (
        render_template(
            "problems/categories.html",
            categories=categories,
            forms=forms,
            new_form=new_form or CategoryForm(formdata=None, prefix="new", departments=departments),
            empty_form=EmptyForm(formdata=None),
        ),
        status,
    )


@bp.get("/manage/categories")
@capability_required(Capability.MANAGE_CATEGORIES)
def categories():
    """The categories residents choose from: add, rename, reorder, deactivate, link a department."""
    return _render_categories()


@bp.post("/manage/categories")
@capability_required(Capability.MANAGE_CATEGORIES)
def create_category():
    """Add a category."""
    form = CategoryForm(prefix="new", departments=_departments())
    if not form.validate_on_submit():
        return _render_categories(new_form=form, status=400)
    try:
        category = services.create_category(
            current_user, form.name.data, description=form.description.data, department_id=form.department_id.data
        )
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _render_categories(new_form=form, status=exc.status)
    db.session.commit()
    flash(_("Category “%(name)s” added.", name=category.name), "success")
    return redirect(url_for("problems.categories"), 303)


@bp.post("/manage/categories/<int:category_id>")
@capability_required(Capability.MANAGE_CATEGORIES)
def update_category(category_id: int):
    """Rename, (de)activate or link a category to a department."""
    category = db.get_or_404(Category, category_id)
    form = CategoryForm(prefix=f"c{category.id}", departments=_departments())
    if not form.validate_on_submit():
        return _render_categories(edit_forms={category.id: form}, status=400)
    try:
        services.update_category(
            current_user,
            category,
            name=form.name.data,
            description=form.description.data,
            department_id=form.department_id.data,
            active=form.active.data,
            default_dataset_ids=re.findall(r"\d+", form.default_dataset_ids.data or ""),
        )
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _render_categories(edit_forms={category.id: form}, status=exc.status)
    db.session.commit()
    flash(_("Category “%(name)s” saved.", name=category.name), "success")
    return redirect(url_for("problems.categories"), 303)


@bp.post("/manage/categories/<int:category_id>/move")
@capability_required(Capability.MANAGE_CATEGORIES)
def move_category(category_id: int):
    """Move a category up or down the list."""
    category = db.get_or_404(Category, category_id)
    check_button()
    services.move_category(current_user, category, 1 if request.form.get("direction") == "down" else -1)
    db.session.commit()
    return redirect(url_for("problems.categories"), 303)


@bp.app_template_global()
def problem_status_label(status: str) -> str:
    """A status's label for templates, in the reader's language ("in_progress" -> "In progress")."""
    try:
        return str(STATUS_LABELS[ProblemStatus(status)])
    except ValueError:
        return status
