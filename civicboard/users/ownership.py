"""What residents own: the download of everything the board holds about them, and deleting the account.

Deleting keeps the row as a tombstone, so every foreign key (problems, comments, responses,
audit entries) still holds: the email address becomes a unique value that is not an address
(the address can register again at once), the name becomes "Former resident", the password
can no longer match, sessions and tokens end, roles and team memberships go, notifications go,
and votes and follows are removed through problems/counters.py, so every counter stays exact.

The city's policy for what the person posted (see docs/security.md, "Your data, your account"):
problems and comments stay for the public record, signed "Former resident". When the person
asks, what nobody else has answered is taken away: their comments that no one else replied to
are deleted (text erased, a placeholder keeps the thread's shape, as when they delete one
themselves), and their problems that no one else commented on and staff never answered are
withdrawn (hidden from everyone, title and text erased). Reports they made to moderators stay
with the moderation record.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash

from civicboard.audit.services import record
from civicboard.auth.models import ApiToken, User, UserRole, UserSession
from civicboard.auth.sessions import end_all_sessions
from civicboard.challenges.models import Challenge, Project, ProjectInvitation, ProjectMember
from civicboard.extensions import db
from civicboard.moderation.models import Flag
from civicboard.outbox.models import OutboxMessage, OutboxStatus
from civicboard.permissions import PermissionDenied, Role
from civicboard.problems import counters, notifications
from civicboard.problems.models import (
    AreaFollow,
    Comment,
    CommentRevision,
    Follow,
    Notification,
    NotificationSetting,
    Problem,
    Vote,
)
from civicboard.staff.models import Response
from civicboard.timeutil import isoformat_z, utcnow
from civicboard.validation import ValidationError

FORMER_RESIDENT = "Former resident"
WITHDRAWN_TITLE = "Withdrawn by its author"
WITHDRAWN_REASON = "Withdrawn by its author when the account was deleted."
EXPORT_FORMAT = "civicboard-account-export/1"
# Matches no password: check_password_hash needs "method$salt$hash" and answers False to this.
NO_PASSWORD = "!"  # noqa: S105


# -- export --------------------------------------------------------------------------------------


def _rows(statement) -> list[dict[str, Any]]:
    """Run a column query; each row as a dict, datetimes as ISO 8601 UTC with Z."""
    return [
        {key: isoformat_z(value) if hasattr(value, "isoformat") else value for key, value in row._mapping.items()}
        for row in db.session.execute(statement)
    ]


def export_account(user: User) -> dict[str, Any]:
    """Everything the board holds about `user`, and only theirs, in a fixed number of queries.

    Secrets never leave: no password hash, no session or token digest.
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please log in to continue."))
    uid = user.id
    roles = db.session.execute(select(UserRole.role).where(UserRole.user_id == uid).order_by(UserRole.role)).scalars()
    profile = {
        "id": uid,
        "email": user.email,
        "name": user.name,
        "bio": user.bio,
        "roles": [Role.RESIDENT.value, *roles],
        "department": user.department.name if user.department else None,
        "created_at": isoformat_z(user.created_at),
        "last_login_at": isoformat_z(user.last_login_at),
        "password_changed_at": isoformat_z(user.password_changed_at),
        "suspended_at": isoformat_z(user.banned_at),
        "suspended_until": isoformat_z(user.banned_until),
        "suspension_reason": user.ban_reason,
    }
    problems = _rows(
        select(
            Problem.id,
            Problem.title,
            Problem.description,
            Problem.status,
            Problem.neighbourhood,
            Problem.language,
            Problem.data_request,
            Problem.vote_count,
            Problem.comment_count,
            Problem.created_at,
            Problem.updated_at,
            Problem.hidden_at,
            Problem.hidden_reason,
        )
        .where(Problem.author_id == uid)
        .order_by(Problem.id)
    )
    comments = _rows(
        select(
            Comment.id,
            Comment.problem_id,
            Comment.parent_id,
            Comment.body,
            Comment.language,
            Comment.created_at,
            Comment.edited_at,
            Comment.deleted_at,
            Comment.hidden_at,
            Comment.hidden_reason,
        )
        .where(Comment.author_id == uid)
        .order_by(Comment.id)
    )
    revisions = _rows(
        select(CommentRevision.comment_id, CommentRevision.body, CommentRevision.created_at)
        .join(Comment, Comment.id == CommentRevision.comment_id)
        .where(Comment.author_id == uid)
        .order_by(CommentRevision.comment_id, CommentRevision.id)
    )
    by_comment: dict[int, list[dict[str, Any]]] = {}
    for revision in revisions:
        by_comment.setdefault(revision.pop("comment_id"), []).append(revision)
    for comment in comments:
        comment["earlier_versions"] = by_comment.get(comment["id"], [])
    return {
        "format": EXPORT_FORMAT,
        "exported_at": isoformat_z(utcnow()),
        "profile": profile,
        "problems": problems,
        "comments": comments,
        "votes": _rows(
            select(Vote.problem_id, Vote.created_at)
            .where(Vote.user_id == uid)
            .order_by(Vote.created_at, Vote.problem_id)
        ),
        "follows": _rows(
            select(Follow.problem_id, Follow.challenge_id, Follow.created_at)
            .where(Follow.user_id == uid)
            .order_by(Follow.id)
        ),
        "area_follows": _rows(
            select(AreaFollow.dataset_id, AreaFollow.category_id, AreaFollow.neighbourhood_id, AreaFollow.created_at)
            .where(AreaFollow.user_id == uid)
            .order_by(AreaFollow.id)
        ),
        "notification_settings": _rows(
            select(NotificationSetting.topic, NotificationSetting.delivery, NotificationSetting.updated_at)
            .where(NotificationSetting.user_id == uid)
            .order_by(NotificationSetting.topic)
        ),
        "flags": _rows(
            select(
                Flag.id,
                Flag.target_type,
                Flag.target_id,
                Flag.reason,
                Flag.note,
                Flag.created_at,
                Flag.resolved_at,
                Flag.resolution,
            )
            .where(Flag.user_id == uid)
            .order_by(Flag.id)
        ),
        "notifications": _rows(
            select(
                Notification.id,
                Notification.kind,
                Notification.problem_id,
                Notification.comment_id,
                Notification.challenge_id,
                Notification.created_at,
                Notification.read_at,
            )
            .where(Notification.user_id == uid)
            .order_by(Notification.id)
        ),
        "official_responses": _rows(
            select(Response.id, Response.problem_id, Response.body, Response.status_from, Response.status_to)
            .add_columns(Response.created_at)
            .where(Response.author_id == uid)
            .order_by(Response.id)
        ),
        "api_tokens": _rows(
            select(ApiToken.label, ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at)
            .where(ApiToken.user_id == uid)
            .order_by(ApiToken.id)
        ),
        "sessions": _rows(
            select(
                UserSession.created_at,
                UserSession.last_seen_at,
                UserSession.expires_at,
                UserSession.user_agent,
                UserSession.ip_address,
            )
            .where(UserSession.user_id == uid)
            .order_by(UserSession.id)
        ),
        "projects": _rows(
            select(
                Project.id,
                Project.name,
                Challenge.slug.label("challenge"),
                (Project.created_by_id == uid).label("created_by_me"),
                exists()
                .where(ProjectMember.project_id == Project.id, ProjectMember.user_id == uid)
                .label("team_member"),
                Project.created_at,
            )
            .join(Challenge, Challenge.id == Project.challenge_id)
            .where(
                (Project.created_by_id == uid)
                | exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == uid)
            )
            .order_by(Project.id)
        ),
        "project_invitations": _rows(
            select(
                ProjectInvitation.project_id,
                ProjectInvitation.created_at,
                ProjectInvitation.accepted_at,
                ProjectInvitation.declined_at,
            )
            .where(ProjectInvitation.email == user.email)
            .order_by(ProjectInvitation.id)
        ),
    }


# -- delete --------------------------------------------------------------------------------------


def delete_account(user: User, password: str | None, *, remove_unanswered: bool = False) -> dict[str, int]:
    """Delete the caller's own account after checking the password; returns what was removed.

    The caller commits (and ends the browser's session). The last admin cannot leave: someone
    must be able to grant roles.
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please log in to continue."))
    if not check_password_hash(user.password_hash, password or ""):
        message = _("Your password is not correct.")
        raise ValidationError(message, {"password": message})
    if Role.ADMIN.value in {row.role for row in user.role_rows} and _other_admins(user) == 0:
        message = _("You are the only admin: make someone else an admin before deleting your account.")
        raise ValidationError(message, {"password": message})
    uid = user.id
    summary = {"votes": _remove_votes(uid), "follows": _remove_follows(uid)}
    if remove_unanswered:
        summary["comments_removed"] = _remove_unanswered_comments(uid)
        summary["problems_withdrawn"] = _withdraw_unanswered_problems(user)
    notifications.mark_all_read(user)  # the unread counter falls to zero with the rows it counts
    db.session.execute(delete(Notification).where(Notification.user_id == uid))
    db.session.execute(delete(AreaFollow).where(AreaFollow.user_id == uid))
    db.session.execute(delete(NotificationSetting).where(NotificationSetting.user_id == uid))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == uid))
    db.session.execute(delete(ProjectMember).where(ProjectMember.user_id == uid))
    # Invitations addressed to them hold the address; those they sent hold others' and stay.
    db.session.execute(delete(ProjectInvitation).where(ProjectInvitation.email == user.email))
    # Mail not yet sent to them never goes out; what was sent stays as the delivery log.
    db.session.execute(
        delete(OutboxMessage).where(
            (OutboxMessage.user_id == uid) | (OutboxMessage.recipient == user.email),
            OutboxMessage.status.in_([OutboxStatus.QUEUED.value, OutboxStatus.FAILED.value]),
        )
    )
    end_all_sessions(user)
    user.role_rows.clear()
    user.department = None
    # A value that is not an address: it never matches a login or a reset, and never collides.
    user.email = f"deleted-{uid}-{secrets.token_hex(8)}"
    user.name = FORMER_RESIDENT
    user.bio = ""
    user.password_hash = NO_PASSWORD
    user.last_login_at = None
    record(user, "user.delete", "user", uid, remove_unanswered=remove_unanswered, **summary)
    return summary


def _other_admins(user: User) -> int:
    return len(
        db.session.execute(
            select(UserRole.user_id).where(UserRole.role == Role.ADMIN.value, UserRole.user_id != user.id)
        ).all()
    )


def _remove_votes(uid: int) -> int:
    """Every vote, each problem's count moved by its owner (in problem order: no lock cycles)."""
    problem_ids = sorted(
        db.session.execute(delete(Vote).where(Vote.user_id == uid).returning(Vote.problem_id)).scalars()
    )
    for problem_id in problem_ids:
        counters.add_votes(counters.lock(problem_id), -1)
    return len(problem_ids)


def _remove_follows(uid: int) -> int:
    """Every follow of a problem or challenge; problems' follower counts move with them."""
    problem_ids = db.session.execute(delete(Follow).where(Follow.user_id == uid).returning(Follow.problem_id)).all()
    followed_problems = sorted(row.problem_id for row in problem_ids if row.problem_id is not None)
    for problem_id in followed_problems:
        counters.add_followers(problem_id, -1)
    return len(problem_ids)


def _remove_unanswered_comments(uid: int) -> int:
    """Delete the person's comments nobody else replied to: text erased, earlier versions too."""
    reply = aliased(Comment)
    answered = exists().where(reply.parent_id == Comment.id, reply.author_id != uid)
    rows = db.session.execute(
        select(Comment.id, Comment.problem_id, Comment.hidden_at).where(
            Comment.author_id == uid, Comment.deleted_at.is_(None), ~answered
        )
    ).all()
    if not rows:
        return 0
    ids = [row.id for row in rows]
    db.session.execute(
        update(Comment)
        .where(Comment.id.in_(ids))
        .values(deleted_at=utcnow(), body="", body_html="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id.in_(ids)))
    live = Counter(row.problem_id for row in rows if row.hidden_at is None)
    for problem_id in sorted(live):
        counters.add_comments(problem_id, -live[problem_id])
    return len(ids)


def _withdraw_unanswered_problems(user: User) -> int:
    """Hide and erase the person's visible problems that nobody else commented on or staff answered."""
    uid = user.id
    others_commented = exists().where(Comment.problem_id == Problem.id, Comment.author_id != uid)
    answered = exists().where(Response.problem_id == Problem.id)
    problems = (
        db.session.execute(
            select(Problem)
            .where(and_(Problem.author_id == uid, Problem.hidden_at.is_(None), ~others_commented, ~answered))
            .order_by(Problem.id)
        )
        .scalars()
        .all()
    )
    for problem in problems:
        if counters.lock(problem.id).hidden:
            continue  # a moderator hid it meanwhile: their decision and reason stand
        problem.hidden_at = utcnow()
        problem.hidden_by_id = uid
        problem.hidden_reason = WITHDRAWN_REASON
        problem.title = WITHDRAWN_TITLE
        problem.description = ""
        problem.description_html = ""
        counters.on_visibility_change(problem, was_hidden=False)
    return len(problems)
