"""Official responses and evidence: staff's records of their own, never edits of a problem."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicboard.extensions import db
from civicboard.permissions import Capability, has_capability
from civicboard.timeutil import utcnow


class Response(db.Model):
    """An official statement by staff, signed by their department, maybe moving the status."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # The language its author wrote it in (a code of CIVICBOARD_LANGUAGES); NULL when not stated.
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    status_from: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status_to: Mapped[str | None] = mapped_column(String(20), nullable=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    author = relationship("User", lazy="joined")
    department = relationship("Department", lazy="joined")
    # Loaded by the queries that show a response (visibility.original_of reads it).
    duplicate_of = relationship("Problem", foreign_keys=[duplicate_of_id], lazy="select")

    __table_args__ = (
        Index("ix_responses_problem_id", "problem_id", "created_at"),
        Index("ix_responses_department_id", "department_id", "created_at"),
    )


class EvidenceStance(enum.StrEnum):
    """What the data says about the problem."""

    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    CONTEXT = "context"


class Evidence(db.Model):
    """Staff's link between a problem and the data: a dataset, a URL in it, a caption, a stance."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=False)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), nullable=False)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    caption: Mapped[str] = mapped_column(Text, default="", nullable=False)
    stance: Mapped[str] = mapped_column(String(20), nullable=False)
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    # Evidence is removed by marking it, so the audit log can always point at it.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    dataset = relationship("Dataset", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")

    __table_args__ = (
        Index("ix_evidence_problem_id", "problem_id"),
        Index("ix_evidence_dataset_id", "dataset_id", "created_at", "id"),
    )

    def can_edit(self, user) -> bool:
        """Its author, staff of the author's department, and admins may edit or remove it."""
        if not has_capability(user, Capability.MANAGE_EVIDENCE) or user.is_banned:
            return False
        if user.is_admin or self.created_by_id == user.id:
            return True
        author = self.created_by
        return user.department_id is not None and author is not None and author.department_id == user.department_id
