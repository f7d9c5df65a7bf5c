"""Moderation actions: flags, hide and restore, lock and unlock, suspensions.

Moderators hide, they never delete: hiding sets hidden_at / hidden_by_id / hidden_reason and
a restore clears all three, so everything comes back as it was. Counts follow in the same
transaction: a hidden problem leaves the dataset counters (counters.on_visibility_change), a
hidden comment leaves its problem's live comment count (and the hot score).

Flags: one per user per item. `flag_count` on the item counts every report it ever got; the
open ones (not yet reviewed) are counted from the rows. When FLAG_HIDE_THRESHOLD open flags
(from different people, since each person flags once) from established accounts accumulate
(older than FLAG_MIN_ACCOUNT_AGE_HOURS, with a confirmed address), the
item is hidden automatically pending review, as a system action (no actor). Reports are
rate-limited per person and per address (RATELIMIT_FLAGS, civicboard.ratelimits). A moderator then hides it for
good (with their own reason), restores it, or dismisses the flags; dismissing the flags of an
item hidden automatically also restores it, since the hide was only pending review.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from civicboard.audit.services import record
from civicboard.auth import services as auth_services
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.moderation.models import Flag, FlagReason
from civicboard.permissions import Capability, NotFound, require, require_active
from civicboard.problems import counters, photos, visibility
from civicboard.problems.models import Comment, NotificationKind, Photo, Problem
from civicboard.problems.notifications import notify_user
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_text

TARGET_TYPES = ("problem", "comment")
MAX_NOTE_LENGTH = 1000
MAX_REASON_LENGTH = 1000

FLAG_REASON_LABELS = {
    FlagReason.SPAM: _l("Spam or advertising"),
    FlagReason.ABUSE: _l("Abusive, hateful or harassing"),
    FlagReason.OFF_TOPIC: _l("Off topic"),
    FlagReason.PERSONAL_INFORMATION: _l("Shares someone's personal information"),
    FlagReason.OTHER: _l("Something else (say what in the note)"),
}


class Resolution:
    """How a flag was closed (Flag.resolution)."""

    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"


def resolution_labels() -> dict[str, str]:
    """How a closed flag reads on the moderation pages, in the reader's language."""
    return {
        Resolution.HIDDEN: pgettext("flag resolution", "hidden"),
        Resolution.RESTORED: pgettext("flag resolution", "restored"),
        Resolution.DISMISSED: pgettext("flag resolution", "dismissed"),
    }


# -- flags -------------------------------------------------------------------------------------


def flag(actor: User, target_type: str, target_id: int | str, reason: str, note: str = "") -> Flag:
    """Report a problem or comment, once; enough open reports hide it pending review."""
    require_active(actor)
    target_type = (target_type or "").strip().lower()
    if target_type not in TARGET_TYPES:
        message = _("You can report a problem or a comment.")
        raise ValidationError(message, {"target_type": message})
    target = _visible_target(actor, target_type, target_id)
    if target.author_id == actor.id:
        if target_type == "problem":
            raise ValidationError(_("You cannot report your own problem."))
        raise ValidationError(_("You cannot report your own comment."))
    if isinstance(target, Comment) and target.is_deleted:
        raise ValidationError(_("This comment was deleted."))
    reason_value = _parse_reason(reason)
    note = clean_text(
        note,
        "note",
        label=_("Note"),
        max_length=MAX_NOTE_LENGTH,
        required=reason_value is FlagReason.OTHER,
    )
    if target_type == "problem":
        already = _("You have already reported this problem; moderators will review it.")
    else:
        already = _("You have already reported this comment; moderators will review it.")
    exists = db.session.execute(
        select(Flag.id).where(Flag.user_id == actor.id, Flag.target_type == target_type, Flag.target_id == target.id)
    ).first()
    if exists:
        raise ConflictError(already)
    model = type(target)
    # The counter update comes first: it locks the item's row (the write lock on SQLite), so
    # concurrent reports of the same item queue up and each counts the others' flags below.
    # It also opens the transaction before the savepoint: on SQLite a SAVEPOINT outside a
    # transaction starts one, and releasing it would commit half of this report.
    db.session.execute(
        update(model)
        .where(model.id == target.id)
        .values(flag_count=model.flag_count + 1)
        .execution_options(synchronize_session=False)
    )
    report = Flag(user_id=actor.id, target_type=target_type, target_id=target.id, reason=reason_value.value, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError as exc:
        # The same person reporting in a concurrent request; the caller rolls back the count.
        raise ConflictError(already) from exc
    db.session.refresh(target, ["flag_count", "hidden_at", "hidden_by_id", "hidden_reason"])
    threshold = current_app.config.get("FLAG_HIDE_THRESHOLD", 3)
    if threshold and not target.is_hidden and counts_towards_hiding(actor):
        open_flags = _trusted_open_flag_count(target_type, target.id)
        if open_flags >= threshold:
            why = f"Hidden automatically after {open_flags} reports, pending review"
            _hide(target, None, why)
            record(None, f"{target_type}.hide", target_type, target.id, why, automatic=True, open_flags=open_flags)
            _tell_author(None, target, NotificationKind.HIDDEN, why)
    return report


# Who may hide an item automatically. Every report reaches the moderators' queue, but only
# reports from established accounts count towards FLAG_HIDE_THRESHOLD: otherwise three
# throwaway accounts, made a minute before, could take any problem off the board.


def _established_before() -> datetime:
    hours = current_app.config.get("FLAG_MIN_ACCOUNT_AGE_HOURS", 24)
    return utcnow() - timedelta(hours=hours)


def _confirmed_clause():
    """The email-confirmation part of the rule, as SQL: only confirmed accounts count."""
    return User.email_confirmed_at.is_not(None)


def counts_towards_hiding(user: User) -> bool:
    """True when the user's reports count towards hiding an item automatically.

    The account must be older than FLAG_MIN_ACCOUNT_AGE_HOURS (a day by default) and its
    address confirmed (see _confirmed_clause).
    """
    if user.created_at is None or user.created_at > _established_before():
        return False
    return user.is_confirmed


def _trusted_open_flag_count(target_type: str, target_id: int) -> int:
    """Open reports of an item from accounts whose reports count towards hiding it."""
    return db.session.execute(
        select(func.count())
        .select_from(Flag)
        .join(User, User.id == Flag.user_id)
        .where(
            Flag.target_type == target_type,
            Flag.target_id == target_id,
            Flag.resolved_at.is_(None),
            User.created_at <= _established_before(),
            _confirmed_clause(),
        )
    ).scalar_one()


def _parse_reason(value: Any) -> FlagReason:
    try:
        return FlagReason(str(value or "").strip().lower())
    except ValueError as exc:
        names = ", ".join(r.value for r in FlagReason)
        message = _("Choose a reason: %(names)s.", names=names)
        raise ValidationError(message, {"reason": message}) from exc


def _visible_target(actor: User, target_type: str, target_id: int | str) -> Problem | Comment:
    """The problem or comment, if it exists and the actor can see it (else 404)."""
    try:
        key = int(target_id)
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    if target_type == "problem":
        problem = db.session.get(Problem, key)
        if problem is None or not problem.visible_to(actor):
            raise NotFound()
        return problem
    comment = db.session.get(Comment, key)
    if comment is None:
        raise NotFound()
    problem = db.session.get(Problem, comment.problem_id)
    if problem is None or not problem.visible_to(actor):
        raise NotFound()
    if not visibility.is_visible_to(comment, actor):
        raise NotFound()
    return comment


def load_target(target_type: str, target_id: int | str) -> Problem | Comment:
    """The problem or comment a moderator acts on (hidden ones included), else 404."""
    model = {"problem": Problem, "comment": Comment}.get((target_type or "").strip().lower())
    if model is None:
        raise NotFound()
    try:
        target = db.session.get(model, int(target_id))
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    if target is None:
        raise NotFound()
    return target


def target_type_of(target: Problem | Comment) -> str:
    """'problem' or 'comment'."""
    return "problem" if isinstance(target, Problem) else "comment"


def _resolve_flags(actor: User | None, target_type: str, target_id: int, resolution: str) -> int:
    """Close the item's open flags; returns how many."""
    return db.session.execute(
        update(Flag)
        .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id if actor else None, resolution=resolution)
        .execution_options(synchronize_session=False)
    ).rowcount


def dismiss_flags(actor: User, target_type: str, target_id: int | str, reason: str = "") -> int:
    """Close an item's open flags as unfounded; an item hidden automatically comes back."""
    require(actor, Capability.MODERATE)
    target = load_target(target_type, target_id)
    kind = target_type_of(target)
    _lock(target)
    dismissed = _resolve_flags(actor, kind, target.id, Resolution.DISMISSED)
    restored = False
    if target.is_hidden and target.hidden_by_id is None:
        _unhide(target)
        restored = True
    record(actor, "flags.dismiss", kind, target.id, reason, dismissed=dismissed, restored=restored)
    return dismissed


# -- hide and restore --------------------------------------------------------------------------


def hide(actor: User, target: Problem | Comment, reason: str) -> None:
    """Hide a problem or comment (reason required: its author sees it); closes its open flags."""
    require(actor, Capability.MODERATE)
    kind = target_type_of(target)
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH)
    _lock(target)
    was_hidden = target.is_hidden
    _hide(target, actor, reason)
    resolved = _resolve_flags(actor, kind, target.id, Resolution.HIDDEN)
    record(actor, f"{kind}.hide", kind, target.id, reason, was_hidden=was_hidden, resolved_flags=resolved)
    _tell_author(actor, target, NotificationKind.HIDDEN, reason)


def restore(actor: User, target: Problem | Comment, reason: str = "") -> bool:
    """Bring a hidden problem or comment back as it was; closes its open flags. False if not hidden."""
    require(actor, Capability.MODERATE)
    kind = target_type_of(target)
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH, required=False)
    _lock(target)
    if not target.is_hidden:
        return False
    before = {"hidden_reason": target.hidden_reason, "hidden_by_id": target.hidden_by_id}
    _unhide(target)
    resolved = _resolve_flags(actor, kind, target.id, Resolution.RESTORED)
    record(actor, f"{kind}.restore", kind, target.id, reason, resolved_flags=resolved, **before)
    _tell_author(actor, target, NotificationKind.RESTORED, reason)
    return True


def hide_photo(actor: User, photo: Photo, reason: str) -> None:
    """Hide one photo of a problem (the problem stays); its uploader still sees it, marked hidden."""
    require(actor, Capability.MODERATE)
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH)
    if photo.hidden_at is None:
        photo.hidden_at = utcnow()
        photo.hidden_by_id = actor.id
        photo.hidden_reason = reason
        record(actor, "photo.hide", "problem", photo.problem_id, reason, photo=photo.id)
    if photo.problem_id is not None:
        photos.refresh_cover(db.session.get(Problem, photo.problem_id))


def restore_photo(actor: User, photo: Photo) -> None:
    """Show a hidden photo again."""
    require(actor, Capability.MODERATE)
    if photo.hidden_at is not None:
        photo.hidden_at = None
        photo.hidden_by_id = None
        photo.hidden_reason = ""
        record(actor, "photo.restore", "problem", photo.problem_id, photo=photo.id)
    if photo.problem_id is not None:
        photos.refresh_cover(db.session.get(Problem, photo.problem_id))


def _tell_author(actor: User | None, target: Problem | Comment, kind: NotificationKind, reason: str) -> None:
    """The author of a hidden or restored item hears what happened, and why (the page says
    how to ask for a review)."""
    comment_id = target.id if isinstance(target, Comment) else None
    problem_id = target.problem_id if isinstance(target, Comment) else target.id
    notify_user(target.author_id, kind.value, actor=actor, problem_id=problem_id, comment_id=comment_id, detail=reason)


def hide_problem(actor: User, problem: Problem, reason: str) -> None:
    """Hide a problem (see hide)."""
    hide(actor, problem, reason)


def restore_problem(actor: User, problem: Problem, reason: str = "") -> bool:
    """Restore a problem (see restore)."""
    return restore(actor, problem, reason)


def hide_comment(actor: User, comment: Comment, reason: str) -> None:
    """Hide a comment (see hide)."""
    hide(actor, comment, reason)


def restore_comment(actor: User, comment: Comment, reason: str = "") -> bool:
    """Restore a comment (see restore)."""
    return restore(actor, comment, reason)


def _hide(target: Problem | Comment, actor: User | None, reason: str) -> None:
    """Set the hidden_* fields and move the counts (the row is locked by the caller)."""
    was_hidden = target.is_hidden
    if not was_hidden:
        target.hidden_at = utcnow()
    target.hidden_by_id = actor.id if actor else None
    target.hidden_reason = reason
    if was_hidden:
        return
    if isinstance(target, Problem):
        counters.on_visibility_change(target, was_hidden=False)
    elif not target.is_deleted:
        counters.add_comments(target.problem_id, -1)


def _unhide(target: Problem | Comment) -> None:
    target.hidden_at = None
    target.hidden_by_id = None
    target.hidden_reason = ""
    if isinstance(target, Problem):
        counters.on_visibility_change(target, was_hidden=True)
    elif not target.is_deleted:
        counters.add_comments(target.problem_id, +1)


def _lock(target: Problem | Comment) -> None:
    """Lock the item's row and re-read its moderation state (two moderators at once).

    A no-op UPDATE: a row lock on PostgreSQL, the write lock on SQLite (which ignores
    SELECT ... FOR UPDATE).
    """
    model = type(target)
    db.session.execute(
        update(model)
        .where(model.id == target.id)
        .values(flag_count=model.flag_count)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(target, ["hidden_at", "hidden_by_id", "hidden_reason", "flag_count"])


# -- locks -------------------------------------------------------------------------------------


def lock_problem(actor: User, problem: Problem, reason: str = "") -> bool:
    """Stop new comments and votes on a problem; False if it was locked already."""
    require(actor, Capability.MODERATE)
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH, required=False)
    if problem.is_locked:
        return False
    problem.locked_at = utcnow()
    problem.locked_by_id = actor.id
    record(actor, "problem.lock", "problem", problem.id, reason)
    return True


def unlock_problem(actor: User, problem: Problem, reason: str = "") -> bool:
    """Open a locked problem to comments and votes again; False if it was not locked."""
    require(actor, Capability.MODERATE)
    reason = clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH, required=False)
    if not problem.is_locked:
        return False
    problem.locked_at = None
    problem.locked_by_id = None
    record(actor, "problem.unlock", "problem", problem.id, reason)
    return True


# -- suspensions -------------------------------------------------------------------------------


def suspend_user(actor: User, user: User, until: date | datetime | None, reason: str) -> None:
    """Suspend a user until a date (the start of that day, UTC), or ban for good with None.

    Their sessions end at once; they cannot post, vote or flag until it ends.
    """
    if isinstance(until, date) and not isinstance(until, datetime):
        until = datetime.combine(until, time.min)
    auth_services.ban_user(actor, user, until, reason)


def lift_suspension(actor: User, user: User, reason: str = "") -> bool:
    """Lift a suspension or ban; False if the user was not suspended."""
    require(actor, Capability.MODERATE)
    if user.banned_at is None:
        return False
    auth_services.unban_user(
        actor, user, clean_text(reason, "reason", label=_("Reason"), max_length=MAX_REASON_LENGTH, required=False)
    )
    return True
