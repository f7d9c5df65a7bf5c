"""Invitations to a project's team: sent to an email address, accepted by whoever signs in with it.

Adding someone to a team never looks the address up for the inviter: every address gets the
same invitation (a row with a hashed token, and an email with the link), and the page answers
the same whether or not an account uses it. The invitee joins by accepting while signed in
with that address, from the emailed link or from their notifications.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import nullcontext

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from civicboard.auth.models import User
from civicboard.challenges.models import Project, ProjectInvitation, ProjectMember
from civicboard.extensions import db
from civicboard.i18n import chosen
from civicboard.links import absolute_url
from civicboard.outbox.services import queue_email
from civicboard.permissions import PermissionDenied, require_active
from civicboard.problems import notifications, visibility
from civicboard.problems.models import NotificationKind
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(actor: User, project: Project, email: str) -> ProjectInvitation:
    """Invite an address to the team (again, if it declined); the email joins the outbox.

    An account using the address, if any, also hears of it in its notifications and gets
    the email in its saved language (others get the inviter's); nothing the inviter sees
    depends on that.
    """
    token = secrets.token_urlsafe(32)
    invitation = next((i for i in project.invitations if i.email == email), None)
    if invitation is None:
        invitation = ProjectInvitation(email=email)
        project.invitations.append(invitation)
    invitation.token_hash = _hash(token)
    invitation.invited_by_id = actor.id
    invitation.created_at = utcnow()
    invitation.accepted_at = None
    invitation.declined_at = None
    db.session.flush()
    invitee = db.session.execute(select(User.id, User.language).where(func.lower(User.email) == email)).first()
    _send(actor, invitation, token, invitee.language if invitee is not None else None)
    if invitee is not None:
        notifications.notify_user(
            invitee.id, NotificationKind.PROJECT_INVITATION.value, actor=actor, challenge_id=project.challenge_id
        )
    return invitation


def invitation_link(token: str) -> str:
    """The emailed link, on the configured base URL (CIVICBOARD_URL), never the request's host."""
    return absolute_url("challenges.invitation", token=token)


def _send(actor: User, invitation: ProjectInvitation, token: str, language: str | None) -> None:
    """Queue the invitation's email in this transaction: a request that rolls back sends nothing.

    Written in `language` (the invitee's saved one) when it is offered, else in the request's.
    """
    project, link = invitation.project, invitation_link(token)
    language = chosen(language)
    with force_locale(language) if language else nullcontext():
        body = "\n\n".join(
            [
                gettext(
                    "%(inviter)s invited you to join the team of “%(project)s”, a project in the challenge "
                    "“%(challenge)s”.",
                    inviter=actor.name,
                    project=project.name,
                    challenge=project.challenge.title,
                ),
                gettext(
                    "To join, sign in (or create an account) with this address and accept the invitation:\n%(link)s",
                    link=link,
                ),
                gettext("If you do not know them, ignore this message: nothing happens unless you accept."),
            ]
        )
        subject = gettext("Join the team of “%(project)s”", project=project.name)
    queue_email(
        f"project-invitation:{invitation.id}:{invitation.token_hash[:16]}",
        invitation.email,
        subject,
        body + "\n",
    )


def revoke(invitation: ProjectInvitation) -> None:
    """Withdraw a pending invitation (the address was taken off the team list)."""
    invitation.project.invitations.remove(invitation)


def find(token: str) -> ProjectInvitation | None:
    """The invitation a link's token names, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(ProjectInvitation).where(ProjectInvitation.token_hash == _hash(token))
    ).scalar_one_or_none()


def pending_for(user: User) -> list[ProjectInvitation]:
    """The invitations waiting for the user's address, newest first."""
    return list(
        db.session.execute(
            select(ProjectInvitation)
            .where(
                ProjectInvitation.email == user.email.lower(),
                ProjectInvitation.accepted_at.is_(None),
                ProjectInvitation.declined_at.is_(None),
            )
            .order_by(ProjectInvitation.created_at.desc(), ProjectInvitation.id.desc())
        ).scalars()
    )


def _check_addressee(actor: User, invitation: ProjectInvitation | None) -> ProjectInvitation:
    require_active(actor)
    if invitation is None or not visibility.takes_contributions(invitation.project):
        raise PermissionDenied(gettext("This invitation is not valid any more."))
    if invitation.email != actor.email.lower():
        raise PermissionDenied(
            gettext("This invitation was sent to another address: sign in with the address it was sent to.")
        )
    if not invitation.is_pending:
        raise ConflictError(gettext("This invitation has already been answered."))
    return invitation


def accept(actor: User, invitation: ProjectInvitation | None) -> Project:
    """Join the team the invitation is for (signed in with the invited address)."""
    invitation = _check_addressee(actor, invitation)
    project = invitation.project
    if not any(member.user_id == actor.id for member in project.members):
        project.members.append(ProjectMember(user_id=actor.id))
    invitation.accepted_at = utcnow()
    return project


def decline(actor: User, invitation: ProjectInvitation | None) -> Project:
    """Turn the invitation down; the team may invite the address again."""
    invitation = _check_addressee(actor, invitation)
    invitation.declined_at = utcnow()
    return invitation.project
