"""Challenges, their curated problems and datasets, and submitted projects."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicboard.extensions import db
from civicboard.permissions import Capability, has_capability
from civicboard.problems import visibility
from civicboard.timeutil import format_local_time, utcnow


class ChallengeStatus(enum.StrEnum):
    """draft -> published -> closed."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


STATUS_LABELS = {
    ChallengeStatus.DRAFT: _l("Draft"),
    ChallengeStatus.PUBLISHED: _l("Published"),
    ChallengeStatus.CLOSED: _l("Closed"),
}

# Every allowed status change, in one place. A closed challenge can be reopened (published
# again) in case it was closed by mistake or the organizers extend it; nothing goes back to draft,
# because a published challenge has been announced and linked to.
TRANSITIONS: dict[ChallengeStatus, frozenset[ChallengeStatus]] = {
    ChallengeStatus.DRAFT: frozenset({ChallengeStatus.PUBLISHED}),
    ChallengeStatus.PUBLISHED: frozenset({ChallengeStatus.CLOSED}),
    ChallengeStatus.CLOSED: frozenset({ChallengeStatus.PUBLISHED}),
}

# Statuses anyone may see; drafts are for organizers only.
PUBLIC_STATUSES = (ChallengeStatus.PUBLISHED.value, ChallengeStatus.CLOSED.value)


def can_transition(current: str, target: str) -> bool:
    """True when a challenge may move from `current` to `target` (the one transition rule)."""
    try:
        return ChallengeStatus(target) in TRANSITIONS[ChallengeStatus(current)]
    except ValueError:
        return False


def can_manage_challenges(user: Any) -> bool:
    """Organizers and admins create, edit and curate challenges and see drafts."""
    return has_capability(user, Capability.MANAGE_CHALLENGES)


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The IANA zone of that name, or UTC for a name the tz database does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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

    @property
    def is_draft(self) -> bool:
        return self.status == ChallengeStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == ChallengeStatus.PUBLISHED

    @property
    def is_closed(self) -> bool:
        return self.status == ChallengeStatus.CLOSED

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ChallengeStatus(self.status)])

    @property
    def zone(self) -> ZoneInfo:
        """The zone the dates are shown in."""
        return zone_or_utc(self.timezone)

    def local(self, value: datetime | None) -> datetime | None:
        """A stored (naive UTC) time as an aware time in the challenge's zone."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC).astimezone(self.zone)

    @property
    def local_starts_at(self) -> datetime | None:
        return self.local(self.starts_at)

    @property
    def local_ends_at(self) -> datetime | None:
        return self.local(self.ends_at)

    def _format(self, local: datetime, pattern: str) -> str:
        # In the reader's language (the default one outside a request): "sáb 2 may 2026".
        return dates.format_datetime(local, pattern, tzinfo=self.zone, locale=get_locale() or "en")

    def format_local(self, value: datetime | None) -> str:
        """A stored time in the challenge's zone: "Sat 2 May 2026, 10:00 EDT"."""
        local = self.local(value)
        return format_local_time(local, "EEE d MMM y, HH:mm", self.zone, get_locale() or "en") if local else ""

    @property
    def when_label(self) -> str:
        """The dates in the challenge's zone, the end's day left out when it is the same."""
        start, end = self.local_starts_at, self.local_ends_at
        if start is None or end is None:
            return self.format_local(self.starts_at or self.ends_at)
        if start.date() == end.date():
            first = self._format(start, "EEE d MMM y, HH:mm")
            last = format_local_time(end, "HH:mm", self.zone, get_locale() or "en")
        else:
            first, last = self.format_local(self.starts_at), self.format_local(self.ends_at)
        return gettext("%(start)s to %(end)s", start=first, end=last)

    def visible_to(self, user: Any) -> bool:
        """Published and closed challenges are public; drafts only for organizers and admins."""
        return self.status in PUBLIC_STATUSES or can_manage_challenges(user)

    def accepts_submissions(self, now: datetime | None = None) -> bool:
        """Projects are submitted and edited while published and before the end time.

        The end time is when the event ends, so late entries need the organizers to move it.
        """
        if not self.is_published:
            return False
        return self.ends_at is None or (now or utcnow()) < self.ends_at


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

    # Loaded explicitly (selectinload) by the pages; a many-to-one to the challenge comes from
    # the session's identity map when the challenge is already loaded.
    challenge = relationship(Challenge, lazy="select")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="select")
    members: Mapped[list[ProjectMember]] = relationship(
        "ProjectMember", cascade="all, delete-orphan", lazy="select", order_by="ProjectMember.user_id"
    )
    problem_links: Mapped[list[ProjectProblem]] = relationship(
        "ProjectProblem", cascade="all, delete-orphan", lazy="select"
    )
    invitations: Mapped[list[ProjectInvitation]] = relationship(
        "ProjectInvitation", cascade="all, delete-orphan", lazy="select", back_populates="project"
    )

    __table_args__ = (Index("ix_projects_challenge_id", "challenge_id"),)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_winner(self) -> bool:
        return bool(self.award)

    def is_member(self, user: Any) -> bool:
        """True when the user is on the team (has a ProjectMember row)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return any(member.user_id == user.id for member in self.members)

    def can_edit(self, user: Any) -> bool:
        """Only active team members edit, and only while the challenge takes submissions."""
        if not self.is_member(user) or user.is_banned or not visibility.takes_contributions(self):
            return False
        return self.challenge.accepts_submissions()


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


class ProjectInvitation(db.Model):
    """An invitation to join a project's team, sent to an email address.

    Whoever signs in with that address accepts it (from the emailed link or their
    notifications); nothing about it tells the inviter whether the address has an account.
    Only a hash of the emailed token is stored.
    """

    __tablename__ = "project_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    project: Mapped[Project] = relationship(Project, back_populates="invitations", lazy="select")
    invited_by = relationship("User", foreign_keys=[invited_by_id], lazy="select")

    __table_args__ = (
        UniqueConstraint("project_id", "email", name="uq_project_invitations_project_email"),
        Index("ix_project_invitations_email", "email"),
    )

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.declined_at is None
