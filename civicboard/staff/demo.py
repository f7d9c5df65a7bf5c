"""Demo data for staff and moderation: official responses, evidence and a couple of reports.

Runs after the problems demo: it looks up existing demo problems and does nothing without
them. Everything goes through the services, as a real staff member or resident would; then
each response (its evidence and the notifications it sent) is dated between the problem's
last comment and today, so the story reads in order. Problems asking for unpublished data are
not answered with a status: their requests are answered instead (the most wanted is planned).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from civicboard.auth.services import find_user_by_email
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.moderation.models import Flag
from civicboard.problems import visibility
from civicboard.problems.models import Comment, DataRequestStatus, Notification, Problem, ProblemStatus
from civicboard.staff import services
from civicboard.staff.models import Evidence, Response
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError

# (status, body, evidence stance or None, evidence caption)
RESPONSES = [
    (
        ProblemStatus.ACKNOWLEDGED,
        "Thank you for raising this. We have logged it with our operations team and will "
        "review it at the next monthly planning meeting.",
        None,
        "",
    ),
    (
        ProblemStatus.IN_PROGRESS,
        "A crew is scheduled for this work. You can follow progress on the city's open "
        "work-orders data; we will post here again when it is done.",
        None,
        "",
    ),
    (
        ProblemStatus.RESOLVED,
        "This is **fixed**. The latest data confirms the change, and we will keep watching "
        "it over the coming months.\n\nThank you to everyone who voted and commented.",
        "supports",
        "The latest records show the issue residents described, and the fix recorded against it.",
    ),
    (
        ProblemStatus.DECLINED,
        "We looked at this carefully. The data we hold does not show the pattern described, "
        "so we are not planning changes for now. If you have observations we are missing, "
        "please add them in the comments and we will look again.",
        "contradicts",
        "Over the last twelve months the records show no rise at this location.",
    ),
]


def seed_demo() -> dict[str, int]:
    """Responses on the first demo problems (with evidence), and a report or two."""
    counts = {"responses": 0, "evidence": 0, "flags": 0}
    if db.session.execute(select(func.count()).select_from(Response)).scalar_one():
        return counts  # already seeded
    problems = (
        db.session.execute(
            select(Problem)
            .where(
                visibility.public(Problem),
                Problem.status == ProblemStatus.OPEN.value,
                # A request for data is answered as a request (below), not resolved over it.
                Problem.data_request.is_(None),
            )
            # Among equal votes the newer first: the city answers what residents discuss now.
            .order_by(Problem.vote_count.desc(), Problem.created_at.desc(), Problem.id)
            .limit(len(RESPONSES) + 1)
        )
        .scalars()
        .all()
    )
    staff = [u for u in (find_user_by_email(e) for e in STAFF_EMAILS) if u]
    if not problems or not staff:
        return counts

    for problem, (status, body, stance, caption) in zip(problems, RESPONSES, strict=False):
        responder = _responder_for(problem, staff)
        answered_at = _answer_time(problem)
        response = services.respond(responder, problem, body, status.value)
        counts["responses"] += 1
        evidence = None
        # Evidence cites the problem's own data; a problem without a dataset gets none.
        dataset: Dataset | None = problem.dataset_links[0].dataset if problem.dataset_links else None
        if stance and dataset is not None:
            url = next((d.url for d in dataset.distributions if d.url.startswith(("http://", "https://"))), None)
            as_of = (answered_at - timedelta(days=2)).date()
            evidence = services.add_evidence(responder, problem, dataset, url, caption, stance, as_of)
            counts["evidence"] += 1
        db.session.flush()
        _backdate(problem, response, evidence, answered_at)

    _plan_most_wanted_data_request(staff[0])

    counts["flags"] += _report(
        "neighbour@demo.example.org", "problem", problems[-1], "off_topic", "This reads like an advert for a shop."
    )
    comment = db.session.execute(select(Comment).where(Comment.deleted_at.is_(None)).order_by(Comment.id)).scalar()
    if comment is not None:
        counts["flags"] += _report("cyclist@demo.example.org", "comment", comment, "spam", "")
    db.session.flush()
    return counts


STAFF_EMAILS = ("staff@demo.example.org", "parks@demo.example.org", "analytics@demo.example.org")


def _answer_time(problem: Problem) -> datetime:
    """When staff answer: after the problem's last comment, halfway to today (never in the future)."""
    last_comment = db.session.execute(
        select(func.max(Comment.created_at)).where(Comment.problem_id == problem.id)
    ).scalar()
    start = max(problem.created_at, last_comment or problem.created_at)
    now = utcnow()
    return min(start + (now - start) / 2 + timedelta(hours=1), now - timedelta(hours=1))


def _backdate(problem: Problem, response: Response, evidence: Evidence | None, when: datetime) -> None:
    """Date a demo response, its evidence, the problem's timestamps and the notifications it sent."""
    response.created_at = when
    if evidence is not None:
        evidence.created_at = when + timedelta(minutes=20)
    problem.first_response_at = when
    problem.updated_at = when
    problem.last_activity_at = when
    if problem.resolved_at is not None:
        problem.resolved_at = when
    db.session.execute(
        update(Notification)
        .where(Notification.response_id == response.id)
        .values(created_at=when)
        .execution_options(synchronize_session=False)
    )


def _plan_most_wanted_data_request(responder: object) -> None:
    """The most-voted open data request is planned (the others still wait in the staff queue)."""
    problem = db.session.execute(
        select(Problem)
        .where(
            visibility.public(Problem),
            Problem.status == ProblemStatus.OPEN.value,
            Problem.data_request.is_not(None),
            or_(
                Problem.data_request_status.is_(None),
                Problem.data_request_status == DataRequestStatus.REQUESTED.value,
            ),
        )
        .order_by(Problem.vote_count.desc(), Problem.id)
        .limit(1)
    ).scalar()
    if problem is None:
        return
    services.answer_data_request(
        responder,
        problem,
        DataRequestStatus.PLANNED.value,
        "We are collecting this data this season and will publish it in the catalog, then link it here.",
    )


def _responder_for(problem: Problem, staff: list) -> object:
    """The demo staff member of the problem's department, if any, else the first one."""
    department_id = problem.category.department_id if problem.category else None
    return next((u for u in staff if department_id and u.department_id == department_id), staff[0])


def _report(email: str, target_type: str, target: Problem | Comment, reason: str, note: str) -> int:
    """File a report as a demo resident; skipped when it would be refused (own item, say)."""
    user = find_user_by_email(email)
    if user is None or target.author_id == user.id:
        return 0
    exists = db.session.execute(
        select(Flag.id).where(Flag.user_id == user.id, Flag.target_type == target_type, Flag.target_id == target.id)
    ).first()
    if exists:
        return 0
    try:
        moderation.flag(user, target_type, target.id, reason, note)
    except ValidationError:
        return 0
    return 1
