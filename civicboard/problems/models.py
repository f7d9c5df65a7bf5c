"""Problems and what hangs off them: categories, datasets, votes, comments, follows, notifications."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicboard.extensions import db
from civicboard.permissions import Capability, has_capability
from civicboard.problems import visibility
from civicboard.timeutil import utcnow


def _active(user) -> bool:
    """Logged in and neither suspended nor banned."""
    return user is not None and user.is_authenticated and not user.is_banned


class ProblemStatus(enum.StrEnum):
    """Where a problem stands; staff move it with official responses."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DECLINED = "declined"
    DUPLICATE = "duplicate"


# Lazy: each label is read in the language of whoever reads it (str() it to join or compare).
STATUS_LABELS = {
    ProblemStatus.OPEN: _l("Open"),
    ProblemStatus.ACKNOWLEDGED: _l("Acknowledged"),
    ProblemStatus.IN_PROGRESS: _l("In progress"),
    ProblemStatus.RESOLVED: _l("Resolved"),
    ProblemStatus.DECLINED: _l("Declined"),
    ProblemStatus.DUPLICATE: _l("Duplicate"),
}

# Every allowed status change, in one place. Closed problems can only be reopened.
TRANSITIONS: dict[ProblemStatus, frozenset[ProblemStatus]] = {
    ProblemStatus.OPEN: frozenset(
        {
            ProblemStatus.ACKNOWLEDGED,
            ProblemStatus.IN_PROGRESS,
            ProblemStatus.RESOLVED,
            ProblemStatus.DECLINED,
            ProblemStatus.DUPLICATE,
        }
    ),
    ProblemStatus.ACKNOWLEDGED: frozenset(
        {ProblemStatus.IN_PROGRESS, ProblemStatus.RESOLVED, ProblemStatus.DECLINED, ProblemStatus.DUPLICATE}
    ),
    ProblemStatus.IN_PROGRESS: frozenset(
        {ProblemStatus.ACKNOWLEDGED, ProblemStatus.RESOLVED, ProblemStatus.DECLINED, ProblemStatus.DUPLICATE}
    ),
    ProblemStatus.RESOLVED: frozenset({ProblemStatus.OPEN}),
    ProblemStatus.DECLINED: frozenset({ProblemStatus.OPEN}),
    ProblemStatus.DUPLICATE: frozenset({ProblemStatus.OPEN}),
}

# Statuses in which a problem is closed: no votes, counted as answered.
CLOSED_STATUSES = frozenset({ProblemStatus.RESOLVED, ProblemStatus.DECLINED, ProblemStatus.DUPLICATE})


def is_closed_status(status: str) -> bool:
    """Resolved, declined or a duplicate: the problem's record is settled."""
    return ProblemStatus(status) in CLOSED_STATUSES


def can_transition(current: str, target: str) -> bool:
    """True when staff may move a problem from `current` to `target`."""
    return ProblemStatus(target) in TRANSITIONS[ProblemStatus(current)]


class DataRequestStatus(enum.StrEnum):
    """How staff answered a request for unpublished data."""

    REQUESTED = "requested"
    PLANNED = "planned"
    PUBLISHED = "published"
    DECLINED = "declined"


def data_request_status_label(status: str | None) -> str:
    """A data request's status in the reader's language ("Requested" until staff answer it)."""
    # A context of their own: in Spanish a request (la solicitud) takes other endings than a problem.
    labels = {
        DataRequestStatus.REQUESTED: pgettext("data request", "Requested"),
        DataRequestStatus.PLANNED: pgettext("data request", "Planned"),
        DataRequestStatus.PUBLISHED: pgettext("data request", "Published"),
        DataRequestStatus.DECLINED: pgettext("data request", "Declined"),
    }
    return labels[DataRequestStatus(status or DataRequestStatus.REQUESTED)]


class Category(db.Model):
    """A staff-managed kind of problem, optionally owned by a department."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    department = relationship("Department", lazy="joined")
    # Datasets a report in this category is tied to when its sender names none (Open311).
    default_links: Mapped[list[CategoryDataset]] = relationship(
        "CategoryDataset", cascade="all, delete-orphan", order_by="CategoryDataset.position", lazy="select"
    )

    @property
    def default_dataset_ids(self) -> list[int]:
        return [link.dataset_id for link in self.default_links]


class CategoryDataset(db.Model):
    """A dataset a category names by default (Open311 reports in it are tied to it)."""

    __tablename__ = "category_datasets"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class ProblemDataset(db.Model):
    """A problem's tie to a dataset of the catalog."""

    __tablename__ = "problem_datasets"

    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    dataset = relationship("Dataset", lazy="joined")

    __table_args__ = (Index("ix_problem_datasets_dataset_id", "dataset_id", "problem_id"),)


class Problem(db.Model):
    """What a resident proposes: a problem tied to datasets, or a request for unpublished data."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(140), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    description_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    neighbourhood: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # Where it is (places.geo): a WGS 84 point and an address line, both optional; the
    # neighbourhood polygon holding the point, when the city's boundaries are loaded.
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The language its author wrote it in (a code of CIVICBOARD_LANGUAGES); NULL when not stated.
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL"), nullable=True
    )
    # The first shown photo's key, kept by problems.photos so lists show a thumbnail without a query.
    cover_photo_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)

    status: Mapped[str] = mapped_column(String(20), default=ProblemStatus.OPEN.value, nullable=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), nullable=True)

    # A data request describes data that is not published yet; NULL for ordinary problems.
    data_request: Mapped[str | None] = mapped_column(Text, nullable=True)
    data_request_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    data_request_note: Mapped[str] = mapped_column(Text, default="", nullable=False)

    # Stored counters and ranking, kept exact in the transactions that change them.
    vote_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    comment_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    follower_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    flag_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    hot: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    locked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    category = relationship(Category, lazy="joined")
    duplicate_of = relationship("Problem", remote_side=[id], foreign_keys=[duplicate_of_id], lazy="select")
    dataset_links: Mapped[list[ProblemDataset]] = relationship(
        ProblemDataset, cascade="all, delete-orphan", order_by=ProblemDataset.position, lazy="select"
    )
    photos: Mapped[list[Photo]] = relationship(
        "Photo", cascade="all, delete-orphan", order_by="(Photo.position, Photo.id)", lazy="select"
    )

    __table_args__ = (
        CheckConstraint("vote_count >= 0", name="vote_count_not_negative"),
        CheckConstraint("comment_count >= 0", name="comment_count_not_negative"),
        Index("ix_problems_hot", "hot", "id"),
        Index("ix_problems_vote_count", "vote_count", "id"),
        Index("ix_problems_created_at", "created_at", "id"),
        Index("ix_problems_comment_count", "comment_count", "id"),
        Index("ix_problems_status", "status"),
        # Counts of visible problems read this small index. hidden_at is last on purpose: as a
        # prefix, the planner took it for the lists too and sorted 100k rows instead of walking hot.
        Index("ix_problems_visible", "status", "category_id", "hidden_at"),
        Index("ix_problems_author_id", "author_id"),
        Index("ix_problems_category_id", "category_id"),
        Index("ix_problems_duplicate_of_id", "duplicate_of_id"),
        Index("ix_problems_location", "latitude", "longitude"),
        Index("ix_problems_neighbourhood_id", "neighbourhood_id", "created_at", "id"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="location_complete"),
    )

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_data_request(self) -> bool:
        return self.data_request is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_closed(self) -> bool:
        return is_closed_status(self.status)

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def data_request_status_label(self) -> str:
        """How staff answered the data request, in the reader's language ("Requested" until they do)."""
        return data_request_status_label(self.data_request_status)

    def row_version(self) -> tuple:
        """Everything a list row shows of this problem apart from votes: the key of its
        rendered row (civicboard.fragments), so any change to what it shows renders it anew."""
        category = self.category
        return (
            self.id,
            self.title,
            self.status,
            self.data_request is not None,
            self.locked_at is not None,
            self.hidden_at is not None,
            category and (category.slug, category.name),
            self.neighbourhood,
            self.language,
            self.comment_count,
            self.author_id,
            self.author.name,
            self.created_at,
            tuple((link.dataset_id, link.dataset.title, link.dataset.is_withdrawn) for link in self.dataset_links),
        )

    def edit_refusal(self, user) -> str | None:
        """Why `user` may not edit this problem, or None when they may.

        The rule (docs/security.md): moderators may always edit; the author may edit while the
        problem is visible, unlocked and not closed. Once staff resolve, decline or mark it a
        duplicate, the text they answered is frozen for its author (reopening unfreezes it).
        """
        if user is None or not user.is_authenticated:
            return _("Please log in to continue.")
        if user.is_moderator:
            return None
        if user.id != self.author_id or user.is_banned:
            return _("You cannot edit this problem.")
        if not visibility.takes_contributions(self) or self.is_locked:
            return _("This problem is locked or hidden; it cannot be edited.")
        if self.is_closed:
            return _(
                "This problem is %(status)s: the official response answers it as written, so it can "
                "no longer be edited.",
                status=self.status_label.lower(),
            )
        return None

    def can_edit(self, user) -> bool:
        """The author may edit while the problem is open, visible and unlocked; moderators always."""
        return self.edit_refusal(user) is None

    @property
    def takes_votes(self) -> bool:
        """Open, visible and unlocked: whoever may vote can vote here (what anonymous readers are offered)."""
        return takes_votes(self)

    def can_vote(self, user) -> bool:
        """Logged-in, active users may vote on open, visible, unlocked problems."""
        return may_vote(user, self.takes_votes)

    def can_comment(self, user) -> bool:
        """Logged-in, active users may comment unless the problem is locked or hidden."""
        if user is None or not user.is_authenticated or user.is_banned:
            return False
        return visibility.takes_contributions(self) and not self.is_locked

    def visible_to(self, user) -> bool:
        """Hidden problems are seen only by moderators and their author (problems.visibility)."""
        return visibility.is_visible_to(self, user)

    def can_flag(self, user) -> bool:
        """Logged-in, active users may report someone else's problem (moderation.services.flag decides)."""
        return _active(user) and user.id != self.author_id

    def can_moderate(self, user) -> bool:
        """Moderators may hide, restore, lock and unlock it."""
        return has_capability(user, Capability.MODERATE)


class Photo(db.Model):
    """An image on a problem, re-encoded without metadata (problems.photos), with its thumbnail.

    Files live under UPLOAD_FOLDER as `<key>.<ext>` and `<key>-thumb.<ext>`; the key is random,
    so a photo's address reveals nothing and cannot be guessed. `author_id` is the uploader:
    hidden photos follow problems.visibility like any hideable item.
    """

    __tablename__ = "problem_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL while the photo waits for the problem its author is still writing (a preview, an error).
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(20), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    thumb_width: Mapped[int] = mapped_column(Integer, nullable=False)
    thumb_height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    alt: Mapped[str] = mapped_column(String(300), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)

    __table_args__ = (Index("ix_problem_photos_problem_id", "problem_id", "position"),)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[self.content_type]


def status_label(status: str) -> str:
    """A status's name in the reader's language."""
    return str(STATUS_LABELS[ProblemStatus(status)])


def takes_votes(problem: Any) -> bool:
    """Whether a problem takes votes: not hidden, not closed, not locked. `problem` is a Problem
    or a row of its columns (status, hidden_at, locked_at) such as counters.LockedProblem."""
    return (
        visibility.takes_contributions(problem) and problem.locked_at is None and not is_closed_status(problem.status)
    )


def may_vote(user, takes_votes: bool) -> bool:
    """Logged-in, active users may vote where votes are taken (Problem.takes_votes)."""
    if user is None or not user.is_authenticated or user.is_banned:
        return False
    return takes_votes


class Vote(db.Model):
    """One user's support for one problem."""

    __tablename__ = "votes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (Index("ix_votes_problem_id", "problem_id", "user_id"),)


class Comment(db.Model):
    """Markdown on a problem; replies go one level deep."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)  # as Problem.language
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    flag_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    problem = relationship(Problem, lazy="select")

    __table_args__ = (
        Index("ix_comments_problem_id", "problem_id", "created_at", "id"),
        Index("ix_comments_author_id", "author_id", "created_at"),
        Index("ix_comments_problem_author", "problem_id", "author_id"),
        Index("ix_comments_parent_id", "parent_id"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def can_edit(self, user) -> bool:
        """Only the author edits, while the comment is live and the problem open for comments."""
        if user is None or not user.is_authenticated or user.is_banned:
            return False
        return user.id == self.author_id and not self.is_deleted and visibility.takes_contributions(self)

    def can_flag(self, user) -> bool:
        """Logged-in, active users may report someone else's live comment (moderation.services.flag decides)."""
        return (
            _active(user) and user.id != self.author_id and not self.is_deleted and visibility.takes_contributions(self)
        )

    def can_moderate(self, user) -> bool:
        """Moderators may hide and restore it."""
        return has_capability(user, Capability.MODERATE)


class CommentRevision(db.Model):
    """An earlier version of an edited comment, kept for moderators."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (Index("ix_comment_revisions_comment_id", "comment_id"),)


class Follow(db.Model):
    """Someone who wants to hear about a problem or a challenge."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("user_id", "problem_id", name="uq_follows_user_problem"),
        UniqueConstraint("user_id", "challenge_id", name="uq_follows_user_challenge"),
        CheckConstraint("(problem_id IS NULL) <> (challenge_id IS NULL)", name="exactly_one_target"),
        Index("ix_follows_problem_id", "problem_id"),
        Index("ix_follows_challenge_id", "challenge_id"),
    )


class NotificationKind(enum.StrEnum):
    """What a notification tells about."""

    COMMENT = "comment"
    REPLY = "reply"
    RESPONSE = "response"
    STATUS = "status"
    CHALLENGE_ADDED = "challenge_added"
    DATA_PUBLISHED = "data_published"
    PROJECT_INVITATION = "project_invitation"
    HIDDEN = "hidden"  # a moderator hid the recipient's problem or comment
    RESTORED = "restored"  # a moderator restored it
    AREA_ALERT = "area_alert"  # a new problem in a dataset or category the recipient follows
    CHALLENGE_PUBLISHED = "challenge_published"  # a challenge the recipient follows opened
    CHALLENGE_CLOSED = "challenge_closed"  # ... or closed


class EmailState(enum.StrEnum):
    """Where a notification's email is: waiting for the worker, written, waiting for a digest, or none."""

    PENDING = "pending"  # the worker has not looked at it yet
    SENT = "sent"  # an email of its own is in the outbox
    DAILY = "daily"  # waiting for the recipient's daily digest
    WEEKLY = "weekly"  # waiting for the weekly digest
    DIGESTED = "digested"  # told in a digest already in the outbox
    SKIPPED = "skipped"  # no email: only on the site, or the account cannot receive mail


class Notification(db.Model):
    """Something a follower has not yet seen."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), nullable=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True)
    # What the notification says beyond its kind, as it was then (a moderator's reason).
    detail: Mapped[str] = mapped_column(Text, default="", server_default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    # What the worker did about email (EmailState); written "pending" with the notification.
    email_state: Mapped[str] = mapped_column(
        String(10), default=EmailState.PENDING.value, server_default=EmailState.PENDING.value, nullable=False
    )

    actor = relationship("User", foreign_keys=[actor_id], lazy="select")
    problem = relationship(Problem, lazy="select")

    __table_args__ = (
        Index("ix_notifications_user_id", "user_id", "read_at", "created_at"),
        Index("ix_notifications_email_state", "email_state", "user_id"),
    )


class NotificationFanout(db.Model):
    """One event for a large audience, written by the request and expanded by the worker.

    A problem with thousands of followers would make the request write thousands of
    notifications; above NOTIFY_INLINE_MAX followers the request writes this one row instead
    and the worker writes the followers' notifications (and so their emails) after the commit.
    """

    __tablename__ = "notification_fanouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), nullable=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), nullable=True)
    exclude_user_ids: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    only_user_ids: Mapped[list | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_notification_fanouts_done_at", "done_at"),)


class NotificationSetting(db.Model):
    """How one user hears of one topic by email, when it differs from the topic's default."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(30), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


# One area per follow: the three columns' "is set" flags add up to one (the same SQL on SQLite and PostgreSQL).
EXACTLY_ONE_AREA = (
    "(CASE WHEN dataset_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN category_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN neighbourhood_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class AreaFollow(db.Model):
    """Someone who wants to hear of new problems in a dataset, a category or a neighbourhood (an area alert).

    Exactly one of the three is set; a person follows each area at most once.
    """

    __tablename__ = "area_follows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), nullable=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), nullable=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("user_id", "dataset_id", name="uq_area_follows_user_dataset"),
        UniqueConstraint("user_id", "category_id", name="uq_area_follows_user_category"),
        UniqueConstraint("user_id", "neighbourhood_id", name="uq_area_follows_user_neighbourhood"),
        CheckConstraint(EXACTLY_ONE_AREA, name="exactly_one_area"),
        Index("ix_area_follows_dataset_id", "dataset_id"),
        Index("ix_area_follows_category_id", "category_id"),
        Index("ix_area_follows_neighbourhood_id", "neighbourhood_id"),
    )
