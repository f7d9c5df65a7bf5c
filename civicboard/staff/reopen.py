"""Reopen requests: a resident says a resolved problem is "still not fixed"; staff reopen it or
dismiss the request (as FixMyStreet's questionnaire does).

The table, its actions and its one read path live together here: the request is staff's work
(the decision changes a problem's status through `staff.services.respond`, which keeps the
counters and tells followers), so it sits in the staff layer, above problems.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import DateTime, ForeignKey, Index, Integer, Select, String, Text, UniqueConstraint, literal, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.permissions import Capability, NotFound, require, require_active
from civicboard.problems import visibility
from civicboard.problems.models import Problem, ProblemStatus
from civicboard.staff.services import respond
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, clean_text

REASON_MAX_LENGTH = 1000
QUEUE_SIZE = 50


class ReopenStatus(enum.StrEnum):
    """Where a reopen request stands."""

    OPEN = "open"
    REOPENED = "reopened"
    DISMISSED = "dismissed"


class ReopenRequest(db.Model):
    """One resident's "still not fixed" on one resolved problem (one per person per problem)."""

    __tablename__ = "reopen_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default=ReopenStatus.OPEN.value, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    problem: Mapped[Problem] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")

    __table_args__ = (
        UniqueConstraint("problem_id", "user_id"),
        Index("ix_reopen_requests_status_created_at", "status", "created_at"),
    )


def request_reopen(actor: User, problem: Problem, reason: str) -> ReopenRequest:
    """Say a resolved problem is still not fixed, once per person per problem."""
    require_active(actor)
    if not visibility.is_visible_to(problem, actor):
        raise NotFound()
    if problem.status != ProblemStatus.RESOLVED.value:
        raise ConflictError(_("Only a resolved problem can be reported as still not fixed."))
    reason = clean_text(reason, "reason", label=_("What is still wrong"), max_length=REASON_MAX_LENGTH)
    exists = db.session.execute(
        select(ReopenRequest.id).where(ReopenRequest.problem_id == problem.id, ReopenRequest.user_id == actor.id)
    ).first()
    if exists:
        raise ConflictError(_("You have already said this problem is still not fixed; staff will review it."))
    request = ReopenRequest(problem_id=problem.id, user_id=actor.id, reason=reason)
    db.session.add(request)
    db.session.flush()
    return request


def _open_request(actor: User, request: ReopenRequest) -> None:
    require(actor, Capability.RESPOND)
    require_active(actor)
    if request.status != ReopenStatus.OPEN.value:
        raise ConflictError(_("This request was decided already."))


def reopen(actor: User, request: ReopenRequest, body: str) -> None:
    """Reopen the problem (an official response moving it to Open) and close the request."""
    _open_request(actor, request)
    problem = db.session.get(Problem, request.problem_id)
    if problem.status != ProblemStatus.OPEN.value:
        respond(actor, problem, body, status=ProblemStatus.OPEN.value)
    _decide(actor, request, ReopenStatus.REOPENED)


def dismiss(actor: User, request: ReopenRequest) -> None:
    """Close the request without reopening the problem."""
    _open_request(actor, request)
    _decide(actor, request, ReopenStatus.DISMISSED)


def _decide(actor: User, request: ReopenRequest, status: ReopenStatus) -> None:
    request.status = status.value
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    record(actor, f"reopen_request.{status.value}", "problem", request.problem_id, request_id=request.id)


def open_requests(viewer: Any, limit: int = QUEUE_SIZE) -> list[ReopenRequest]:
    """Open requests on problems the viewer may list, oldest first, with problem and resident (one query)."""
    return list(
        db.session.execute(
            select(ReopenRequest)
            .join(Problem, Problem.id == ReopenRequest.problem_id)
            .where(ReopenRequest.status == ReopenStatus.OPEN.value, visibility.listed(Problem, viewer))
            .options(joinedload(ReopenRequest.problem), joinedload(ReopenRequest.user))
            .order_by(ReopenRequest.created_at, ReopenRequest.id)
            .limit(limit)
        ).scalars()
    )


def requested_mark(user_id: Any, problem_id: Any) -> Select:
    """A SELECT of ("reopen", problem id) when the user has asked to reopen the problem.

    The problem page runs it with its other questions about the viewer (one statement).
    Ids, or bound parameters for them (a statement built once).
    """
    return select(literal("reopen"), ReopenRequest.problem_id).where(
        ReopenRequest.problem_id == problem_id, ReopenRequest.user_id == user_id
    )
