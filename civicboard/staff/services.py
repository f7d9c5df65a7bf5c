"""Staff actions: official responses (with status changes and duplicates), open-data evidence,
and answers to data requests.

Every function takes the acting user first, checks the permission, validates, writes (audit
entry included) and leaves the commit to the caller: the HTML views and the JSON API call
these same functions.

Decisions worth knowing:
- A response is signed with the author's department at the time of writing. Staff without a
  department (and admins) may still respond; the response then has no department and is
  shown as signed by "City staff".
- Choosing the status a problem already has means "no status change" (not an error).
- Marking a problem a duplicate follows a chain of duplicates to the original, refuses loops,
  carries the duplicate's votes over to the original (each voter counted once), and re-points
  problems that were duplicates of it, so no chain of duplicates is ever stored.
  Reopening a duplicate clears its link; votes already carried over stay on the original.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, insert, literal, select, update
from sqlalchemy.orm import aliased

from civicboard import i18n, markup
from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.datasets.models import Dataset, DatasetStatus
from civicboard.extensions import db
from civicboard.permissions import Capability, NotFound, PermissionDenied, has_capability, require, require_active
from civicboard.problems import counters, visibility
from civicboard.problems.models import (
    STATUS_LABELS,
    TRANSITIONS,
    DataRequestStatus,
    NotificationKind,
    Problem,
    ProblemDataset,
    ProblemStatus,
    Vote,
    can_transition,
)
from civicboard.problems.notifications import notify_followers
from civicboard.staff.models import Evidence, EvidenceStance, Response
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_text

MAX_RESPONSE_LENGTH = 10_000
MAX_CAPTION_LENGTH = 1000
MAX_URL_LENGTH = 2000
MAX_REASON_LENGTH = 1000
# Longer chains cannot exist (we flatten them), so hitting this means corrupt data.
MAX_DUPLICATE_HOPS = 50

STANCE_LABELS = {
    EvidenceStance.SUPPORTS: _l("Supports the problem"),
    EvidenceStance.CONTRADICTS: _l("Contradicts the problem"),
    EvidenceStance.CONTEXT: _l("Context"),
}


# -- official responses --------------------------------------------------------------------


def status_choices(problem: Problem) -> list[tuple[str, str]]:
    """The statuses staff may move this problem to, as (value, label), in workflow order."""
    allowed = TRANSITIONS[ProblemStatus(problem.status)]
    return [(s.value, _transition_label(s)) for s in ProblemStatus if s in allowed]


def _transition_label(status: ProblemStatus) -> str:
    return _("Reopen (Open)") if status is ProblemStatus.OPEN else str(STATUS_LABELS[status])


def respond(
    actor: User,
    problem: Problem,
    body: str,
    status: str | None = None,
    duplicate_of: Problem | int | str | None = None,
    *,
    language: str | None = None,
) -> Response:
    """Post an official response, optionally moving the problem's status (checked transitions).

    `language` is the one it is written in (a code of CIVICBOARD_LANGUAGES; None: not stated).
    """
    require(actor, Capability.RESPOND)
    require_active(actor)
    if not problem.visible_to(actor):
        raise NotFound()
    body = clean_text(body, "body", label=_("Response"), max_length=MAX_RESPONSE_LENGTH)
    language = i18n.content_language(language)
    target = _parse_status(status)

    # Lock the row and re-read what we decide on, so two staff members answering at once
    # cannot both move the problem away from the same status.
    _lock(problem, "status", "duplicate_of_id", "first_response_at", "resolved_at", "hidden_at")
    if not problem.visible_to(actor):
        raise NotFound()  # hidden by a moderator meanwhile
    old_status = problem.status
    if target is not None and target.value == old_status:
        target = None
    if _given(duplicate_of) and target is not ProblemStatus.DUPLICATE:
        message = _("Only a problem marked Duplicate can name the problem it duplicates.")
        raise ValidationError(message, {"duplicate_of": message})
    if target is not None and not can_transition(old_status, target):
        message = _transition_error(old_status, target)
        raise ValidationError(message, {"status": message})
    original = _resolve_original(problem, duplicate_of) if target is ProblemStatus.DUPLICATE else None

    now = utcnow()
    response = Response(
        problem_id=problem.id,
        author_id=actor.id,
        department_id=actor.department_id,
        body=body,
        body_html=markup.render(body),
        language=language,
        status_from=old_status if target else None,
        status_to=target.value if target else None,
        duplicate_of_id=original.id if original else None,
        created_at=now,
    )
    db.session.add(response)
    if problem.first_response_at is None:
        problem.first_response_at = now
    problem.last_activity_at = now
    if target is not None:
        problem.status = target.value
        problem.status_changed_at = now
        problem.updated_at = now
        if target is ProblemStatus.RESOLVED:
            problem.resolved_at = now
        elif target is ProblemStatus.OPEN:
            problem.resolved_at = None
            problem.duplicate_of_id = None
        if original is not None:
            problem.duplicate_of_id = original.id
        counters.on_status_change(problem, old_status)
    db.session.flush()

    merge = _merge_into(actor, problem, original) if original is not None else None
    # One notification per follower (the author follows their problem already): the response
    # carries the status change and, for a duplicate, the link to the original.
    notify_followers(NotificationKind.RESPONSE.value, actor=actor, problem_id=problem.id, response_id=response.id)
    department = actor.department.name if actor.department else None
    record(actor, "response.create", "problem", problem.id, response_id=response.id, department=department)
    if target is not None:
        record(
            actor,
            "problem.status",
            "problem",
            problem.id,
            status_from=old_status,
            status_to=target.value,
            response_id=response.id,
            duplicate_of=original.id if original else None,
        )
    if merge is not None:
        record(actor, "problem.merge", "problem", problem.id, response_id=response.id, **merge)
    return response


def _given(value: Any) -> bool:
    """True when a duplicate_of value was actually provided (forms send empty strings)."""
    if isinstance(value, Problem):
        return True
    return value is not None and str(value).strip() != ""


def _parse_status(value: Any) -> ProblemStatus | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return ProblemStatus(str(value).strip().lower())
    except ValueError as exc:
        names = ", ".join(s.value for s in ProblemStatus)
        message = _("Unknown status. Choose one of: %(names)s.", names=names)
        raise ValidationError(message, {"status": message}) from exc


def _transition_error(current: str, target: ProblemStatus) -> str:
    here = str(STATUS_LABELS[ProblemStatus(current)])
    there = str(STATUS_LABELS[target])
    allowed = [s for s in ProblemStatus if s in TRANSITIONS[ProblemStatus(current)]]
    if allowed == [ProblemStatus.OPEN]:
        return _(
            "A problem that is %(current)s cannot move to %(target)s; it can only be reopened (Open).",
            current=here,
            target=there,
        )
    return _(
        "A problem that is %(current)s cannot move to %(target)s. Choose one of: %(allowed)s.",
        current=here,
        target=there,
        allowed=", ".join(str(STATUS_LABELS[s]) for s in allowed),
    )


def _resolve_original(problem: Problem, duplicate_of: Problem | int | str | None) -> Problem:
    """The problem this one duplicates: visible, not itself, followed to the end of any chain."""
    if not _given(duplicate_of):
        message = _("Enter the number of the problem this one duplicates.")
        raise ValidationError(message, {"duplicate_of": message})
    if isinstance(duplicate_of, Problem):
        candidate: Problem | None = duplicate_of
    else:
        try:
            candidate_id = int(str(duplicate_of).strip().lstrip("#"))
        except ValueError as exc:
            message = _("Enter the number of the problem this one duplicates, such as 42.")
            raise ValidationError(message, {"duplicate_of": message}) from exc
        candidate = db.session.get(Problem, candidate_id)
    if candidate is not None and candidate.id == problem.id:
        message = _("A problem cannot be a duplicate of itself.")
        raise ValidationError(message, {"duplicate_of": message})
    seen = {problem.id}
    for _hop in range(MAX_DUPLICATE_HOPS):
        if candidate is None or not visibility.is_public(candidate):
            message = _("There is no visible problem with that number.")
            raise ValidationError(message, {"duplicate_of": message})
        if candidate.id in seen:
            message = _(
                "Problem #%(number)s is already a duplicate of this one; that would make a loop.", number=candidate.id
            )
            raise ValidationError(message, {"duplicate_of": message})
        seen.add(candidate.id)
        if candidate.status != ProblemStatus.DUPLICATE or candidate.duplicate_of_id is None:
            return candidate
        candidate = db.session.get(Problem, candidate.duplicate_of_id)
    message = _("That problem's chain of duplicates is too long to follow.")
    raise ValidationError(message, {"duplicate_of": message})


def _merge_into(actor: User, duplicate: Problem, original: Problem) -> dict[str, int]:
    """Carry the duplicate's votes over to the original, each voter counted once."""
    theirs = aliased(Vote)
    # RETURNING counts the rows carried over (psycopg reports no row count for INSERT ... SELECT).
    carried = len(
        db.session.execute(
            insert(Vote.__table__)
            .from_select(
                ["user_id", "problem_id", "created_at"],
                select(Vote.user_id, literal(original.id), Vote.created_at).where(
                    Vote.problem_id == duplicate.id,
                    ~exists().where(theirs.problem_id == original.id, theirs.user_id == Vote.user_id),
                ),
            )
            .returning(Vote.__table__.c.user_id)
        ).all()
    )
    # The original's count, hot score and demand follow, decided under its row lock.
    _before, new_count = counters.votes_recounted(original.id)
    # Problems that duplicated this one now point straight at the original.
    repointed = db.session.execute(
        update(Problem)
        .where(Problem.duplicate_of_id == duplicate.id, Problem.id != original.id)
        .values(duplicate_of_id=original.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    return {"into": original.id, "votes_carried": carried, "vote_count": new_count, "repointed": repointed}


def _lock(problem: Problem, *attributes: str) -> None:
    """Lock the problem's row, then re-read the attributes a decision depends on.

    A no-op UPDATE rather than SELECT ... FOR UPDATE: it locks the row on PostgreSQL and
    takes the write lock on SQLite, which ignores FOR UPDATE and would let two transactions
    decide on the same stale status.
    """
    db.session.execute(
        update(Problem)
        .where(Problem.id == problem.id)
        .values(status=Problem.status)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(problem, list(attributes))


# -- evidence ------------------------------------------------------------------------------


def can_edit_evidence(user: Any, evidence: Evidence) -> bool:
    """Its author, staff of the author's department, and admins may edit or remove evidence (Evidence.can_edit)."""
    return evidence.can_edit(user)


def add_evidence(
    actor: User,
    problem: Problem,
    dataset: Dataset | int | str | None,
    url: str | None,
    caption: str,
    stance: str,
    as_of: date | str | None,
) -> Evidence:
    """Link a problem to the data: a dataset of the catalog, a URL in it, a caption, a stance."""
    require(actor, Capability.MANAGE_EVIDENCE)
    require_active(actor)
    if not problem.visible_to(actor):
        raise NotFound()
    values = _clean_evidence(dataset, url, caption, stance, as_of)
    now = utcnow()
    evidence = Evidence(problem_id=problem.id, created_by_id=actor.id, created_at=now, updated_at=now, **values)
    db.session.add(evidence)
    db.session.flush()
    record(actor, "evidence.create", "evidence", evidence.id, problem_id=problem.id, after=_snapshot(evidence))
    return evidence


def edit_evidence(
    actor: User,
    evidence: Evidence,
    dataset: Dataset | int | str | None,
    url: str | None,
    caption: str,
    stance: str,
    as_of: date | str | None,
) -> Evidence:
    """Change a piece of evidence; the audit log keeps what it was before and after."""
    require(actor, Capability.MANAGE_EVIDENCE)
    require_active(actor)
    if not can_edit_evidence(actor, evidence):
        raise PermissionDenied(_("Only its author, their department or an administrator can change this evidence."))
    if evidence.removed_at is not None:
        raise ConflictError(_("This evidence was removed; add it again instead."))
    problem = db.session.get(Problem, evidence.problem_id)
    if problem is None or not problem.visible_to(actor):
        raise NotFound()
    values = _clean_evidence(dataset, url, caption, stance, as_of)
    before = _snapshot(evidence)
    for name, value in values.items():
        setattr(evidence, name, value)
    evidence.updated_at = utcnow()
    db.session.flush()
    record(
        actor,
        "evidence.edit",
        "evidence",
        evidence.id,
        problem_id=evidence.problem_id,
        before=before,
        after=_snapshot(evidence),
    )
    return evidence


def remove_evidence(actor: User, evidence: Evidence, reason: str) -> None:
    """Mark evidence removed (never deleted, so the audit log can always point at it)."""
    require(actor, Capability.MANAGE_EVIDENCE)
    require_active(actor)
    if not can_edit_evidence(actor, evidence):
        raise PermissionDenied(_("Only its author, their department or an administrator can remove this evidence."))
    if evidence.removed_at is not None:
        raise ConflictError(_("This evidence was already removed."))
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH)
    evidence.removed_at = utcnow()
    evidence.removed_by_id = actor.id
    record(
        actor,
        "evidence.remove",
        "evidence",
        evidence.id,
        reason,
        problem_id=evidence.problem_id,
        before=_snapshot(evidence),
    )


def _snapshot(evidence: Evidence) -> dict[str, Any]:
    return {
        "dataset_id": evidence.dataset_id,
        "url": evidence.url,
        "caption": evidence.caption,
        "stance": evidence.stance,
        "as_of": evidence.as_of.isoformat() if evidence.as_of else None,
    }


def _clean_evidence(
    dataset: Dataset | int | str | None, url: str | None, caption: str, stance: str, as_of: date | str | None
) -> dict[str, Any]:
    """Validate every field, reporting all problems at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, check, argument in (
        ("dataset", _clean_dataset, dataset),
        ("url", _clean_url, url),
        ("caption", _clean_caption, caption),
        ("stance", _clean_stance, stance),
        ("as_of", _clean_as_of, as_of),
    ):
        try:
            values[name] = check(argument)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(_("Check the evidence: %(errors)s", errors=" ".join(errors.values())), errors)
    return values


def _clean_dataset(value: Dataset | int | str | None) -> Dataset:
    if isinstance(value, Dataset):
        return value
    dataset = None
    try:
        dataset_id = int(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        dataset_id = None
    else:
        dataset = db.session.get(Dataset, dataset_id) if dataset_id else None
    if dataset is None:
        message = _("Choose a dataset of the catalog.")
        raise ValidationError(message, {"dataset_id": message})
    return dataset


def _clean_url(value: str | None) -> str | None:
    """Optional; an absolute http(s) URL. The server never fetches it, it is only a link."""
    text = (value or "").strip()
    if not text:
        return None
    message = _("Enter a web address starting with http:// or https://.")
    if len(text) > MAX_URL_LENGTH:
        message = _("The web address must be at most %(max)s characters.", max=MAX_URL_LENGTH)
        raise ValidationError(message, {"url": message})
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValidationError(message, {"url": message})
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError as exc:
        raise ValidationError(message, {"url": message}) from exc
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise ValidationError(message, {"url": message})
    if parts.username or parts.password:
        message = _("Leave user names and passwords out of the web address.")
        raise ValidationError(message, {"url": message})
    return text


def _clean_caption(value: str | None) -> str:
    return clean_text(value, "caption", label=_("Caption"), max_length=MAX_CAPTION_LENGTH)


def _clean_stance(value: str | None) -> str:
    try:
        return EvidenceStance(str(value or "").strip().lower()).value
    except ValueError as exc:
        message = _("Choose what the data says: supports, contradicts or context.")
        raise ValidationError(message, {"stance": message}) from exc


def _clean_as_of(value: date | str | None) -> date | None:
    """Optional; the date the data is as of, not in the future (UTC)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError as exc:
            message = _("Enter the date as YYYY-MM-DD.")
            raise ValidationError(message, {"as_of": message}) from exc
    if value > utcnow().date():
        message = _("The data cannot be as of a date in the future.")
        raise ValidationError(message, {"as_of": message})
    if value.year < 1900:
        message = _("Enter a date after 1900.")
        raise ValidationError(message, {"as_of": message})
    return value


# -- data requests ---------------------------------------------------------------------------------

ANSWER_STATUSES = (DataRequestStatus.PLANNED, DataRequestStatus.PUBLISHED, DataRequestStatus.DECLINED)


def can_answer_data_requests(user: Any) -> bool:
    """Staff who manage datasets or respond to problems answer data requests."""
    return has_capability(user, Capability.MANAGE_DATASETS) or has_capability(user, Capability.RESPOND)


def answer_data_request(
    actor: Any, problem: Problem, status: str, note: str, dataset: Dataset | None = None
) -> Problem:
    """Answer a request for unpublished data: planned, published (with a dataset) or declined.

    "published" ties the dataset to the problem (dataset counters kept exact) and tells
    the problem's followers; "declined" needs a reason in ``note``. A hidden request is
    answered only by those who may see it (moderators, its author). Audited.
    """
    if not can_answer_data_requests(actor):
        raise PermissionDenied()
    if not visibility.is_visible_to(problem, actor):
        raise NotFound()
    if problem.data_request is None:
        raise ConflictError(_("This problem is not a data request."))
    try:
        status = DataRequestStatus((status or "").strip().lower())
    except ValueError:
        status = None
    if status not in ANSWER_STATUSES:
        message = _("Choose planned, published or declined.")
        raise ValidationError(message, {"status": message})
    declining = status == DataRequestStatus.DECLINED
    note = clean_text(note, "note", label=_("Reason") if declining else _("Note"), max_length=2000, required=declining)
    if status == DataRequestStatus.PUBLISHED:
        if dataset is None:
            message = _("Say which dataset now holds the data.")
            raise ValidationError(message, {"dataset": message})
        if dataset.status != DatasetStatus.ACTIVE:
            message = _("That dataset is withdrawn from the catalog; choose an active one.")
            raise ValidationError(message, {"dataset": message})
    elif dataset is not None:
        message = _("A dataset is linked only when the data is published.")
        raise ValidationError(message, {"dataset": message})

    newly_published = problem.data_request_status != DataRequestStatus.PUBLISHED
    problem.data_request_status = status.value
    problem.data_request_note = note
    problem.updated_at = utcnow()
    if dataset is not None:
        links = problem.dataset_links
        if all(link.dataset_id != dataset.id for link in links):
            position = max((link.position for link in links), default=-1) + 1
            links.append(ProblemDataset(dataset_id=dataset.id, position=position))
            db.session.flush()
            counters.on_datasets_changed(problem, added=[dataset.id], removed=[])
            newly_published = True
        if newly_published:
            notify_followers(NotificationKind.DATA_PUBLISHED.value, actor=actor, problem_id=problem.id)
    record(
        actor,
        "data_request.answer",
        "problem",
        problem.id,
        reason=note,
        status=status.value,
        dataset_id=dataset.id if dataset is not None else None,
    )
    return problem
