"""Demo data for staff and moderation: official responses, evidence and a couple of reports.

Runs after the problems demo: it looks up existing demo problems and does nothing without
them. Everything goes through the services, as a real staff member or resident would.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from civicboard.auth.services import find_user_by_email
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.moderation.models import Flag
from civicboard.problems import visibility
from civicboard.problems.models import Comment, Problem, ProblemStatus
from civicboard.staff import services
from civicboard.staff.models import Response
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
            .where(visibility.public(Problem), Problem.status == ProblemStatus.OPEN.value)
            .order_by(Problem.vote_count.desc(), Problem.id)
            .limit(len(RESPONSES) + 1)
        )
        .scalars()
        .all()
    )
    staff = [u for u in (find_user_by_email(e) for e in ("staff@demo.example.org", "parks@demo.example.org")) if u]
    if not problems or not staff:
        return counts

    fallback_dataset = db.session.execute(select(Dataset).order_by(Dataset.id).limit(1)).scalar()
    for problem, (status, body, stance, caption) in zip(problems, RESPONSES, strict=False):
        responder = _responder_for(problem, staff)
        services.respond(responder, problem, body, status.value)
        counts["responses"] += 1
        if stance:
            dataset = problem.dataset_links[0].dataset if problem.dataset_links else fallback_dataset
            if dataset is None:
                continue
            url = next((d.url for d in dataset.distributions if d.url.startswith(("http://", "https://"))), None)
            as_of = (utcnow() - timedelta(days=7)).date()
            services.add_evidence(responder, problem, dataset, url, caption, stance, as_of)
            counts["evidence"] += 1

    counts["flags"] += _report(
        "neighbour@demo.example.org", "problem", problems[-1], "off_topic", "This reads like an advert for a shop."
    )
    comment = db.session.execute(select(Comment).where(Comment.deleted_at.is_(None)).order_by(Comment.id)).scalar()
    if comment is not None:
        counts["flags"] += _report("cyclist@demo.example.org", "comment", comment, "spam", "")
    db.session.flush()
    return counts


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
