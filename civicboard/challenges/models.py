"""Challenges, their curated problems and datasets, and submitted projects."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicboard.extensions import db
from civicboard.timeutil import utcnow


class ChallengeStatus(enum.StrEnum):
    """draft -> published -> closed."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class Challenge(db.Model):
    """An organizer's curated set of problems and datasets for a hackathon."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(140), nullable=False)
    summary: Mapped[str] = mapped_column(Text, default="", nullable=False)
    summary_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Stored in UTC; `timezone` (an IANA name) is how the dates are shown.
    starts_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", nullable=False)
    place: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    is_online: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    contact: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default=ChallengeStatus.DRAFT.value, nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    created_by = relationship("User", lazy="joined")

    __table_args__ = (Index("ix_challenges_status", "status", "starts_at"),)


class ChallengeProblem(db.Model):
    """A curated problem in a challenge, in order, with an organizer's note."""

    __tablename__ = "challenge_problems"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    problem = relationship("Problem", lazy="joined")

    __table_args__ = (Index("ix_challenge_problems_problem_id", "problem_id"),)


class ChallengeDataset(db.Model):
    """An extra dataset an organizer adds to a challenge."""

    __tablename__ = "challenge_datasets"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    dataset = relationship("Dataset", lazy="joined")


class Project(db.Model):
    """What a team submits to a challenge."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(140), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    description_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    repository_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    demo_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # Team members without an account, as free text; members with one are ProjectMember rows.
    team_names: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    featured: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    award: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_projects_challenge_id", "challenge_id"),)


class ProjectMember(db.Model):
    """A team member with an account; members may edit the project."""

    __tablename__ = "project_members"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    user = relationship("User", lazy="joined")

    __table_args__ = (Index("ix_project_members_user_id", "user_id"),)


class ProjectProblem(db.Model):
    """A problem a project addresses."""

    __tablename__ = "project_problems"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_project_problems_problem_id", "problem_id"),)
