"""Users, their roles and department, login sessions and API tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicboard.extensions import db
from civicboard.permissions import Role
from civicboard.timeutil import utcnow


def hash_token(token: str) -> str:
    """Tokens are stored as SHA-256 digests: high-entropy secrets need no slow KDF."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Department(db.Model):
    """A city department that staff belong to and sign official responses with."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    __table_args__ = (Index("ix_user_roles_role", "role"),)


class User(UserMixin, db.Model):
    """A person with an account; every user is a resident, some hold more roles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    bio: Mapped[str] = mapped_column(Text, default="", nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # NULL until the address is confirmed through the emailed link (auth.confirmation).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # When the last confirmation link was sent: "send it again" waits CONFIRMATION_RESEND_SECONDS.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    banned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # NULL with banned_at set means banned for good.
    banned_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ban_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Stored so the header's badge costs no query; kept exact by the notification services.
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    # The interface language chosen with the switcher (or at registration); emails use it.
    # NULL: none chosen, the browser's Accept-Language decides.
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)

    role_rows: Mapped[list[UserRole]] = relationship(
        UserRole,
        foreign_keys=[UserRole.user_id],
        cascade="all, delete-orphan",
        lazy="select",
        order_by=UserRole.role,
    )
    department: Mapped[Department | None] = relationship(Department, lazy="joined")

    # Set by the session loader: the opaque token that identifies this login.
    session_token = None  # type: str | None

    def get_id(self) -> str | None:
        """Flask-Login stores the session token, not the user id: see auth.sessions."""
        return self.session_token

    @property
    def role_set(self) -> set[Role]:
        """Every role held; resident is implicit for every account."""
        return {Role(row.role) for row in self.role_rows} | {Role.RESIDENT}

    def has_role(self, role: Role | str) -> bool:
        """True when the user holds this role (admins do not implicitly hold others)."""
        return Role(role) in self.role_set

    @property
    def active_roles(self) -> set[Role]:
        """The roles in force: a suspended or banned account holds none but resident.

        `role_set` is what was granted (shown on profiles and the admin page); these are
        what the account may use, so a suspension takes every privilege away at once and
        lifting it gives them back.
        """
        return {Role.RESIDENT} if self.is_banned else self.role_set

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.active_roles

    @property
    def is_staff(self) -> bool:
        return Role.STAFF in self.active_roles or self.is_admin

    @property
    def is_moderator(self) -> bool:
        return Role.MODERATOR in self.active_roles or self.is_admin

    @property
    def is_organizer(self) -> bool:
        return Role.ORGANIZER in self.active_roles or self.is_admin

    @property
    def is_confirmed(self) -> bool:
        """The address was confirmed: until then the account may read, follow and draft, not act."""
        return self.email_confirmed_at is not None

    @property
    def is_banned(self) -> bool:
        """Suspended (until a date) or banned for good."""
        if self.banned_at is None:
            return False
        return self.banned_until is None or self.banned_until > utcnow()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """A server-side login session; deleting the row ends it everywhere at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    user_agent: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    ip_address: Mapped[str] = mapped_column(String(64), default="", nullable=False)

    user: Mapped[User] = relationship(User, lazy="joined")

    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)


class ApiToken(db.Model):
    """A personal API token; only its digest is stored, it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    label: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship(User, lazy="joined")

    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)
