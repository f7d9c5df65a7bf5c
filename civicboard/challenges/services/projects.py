"""Projects: participants submit them to published challenges, their teams edit them,
organizers feature them and give awards.

Logged-in, active participants submit projects to published, running challenges; only a
project's team edits it. Teammates are invited by email (see invitations.py): whether an
address has an account is never revealed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from sqlalchemy import select

from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.challenges.models import Challenge, ChallengeProblem, Project, ProjectMember, ProjectProblem
from civicboard.challenges.services import invitations
from civicboard.challenges.services.common import UNSET, clean_url, parse_int, split_list
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.permissions import Capability, PermissionDenied, require, require_active
from civicboard.problems import visibility
from civicboard.problems.models import Problem
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_name, clean_text

MAX_TEAM_MEMBERS = 20


def _clean_member_emails(value: Any) -> list[str]:
    """The team's email addresses, checked for form only: no account is looked up.

    Counted before each address is validated, so a long list costs nothing.
    """
    raw_items = split_list(value, "member_emails")
    if len(raw_items) > MAX_TEAM_MEMBERS:
        message = gettext("A team has at most %(max)s members with accounts.", max=MAX_TEAM_MEMBERS)
        raise ValidationError(message, {"member_emails": message})
    emails: list[str] = []
    for raw in raw_items:
        try:
            address = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            message = gettext("“%(address)s” is not an email address.", address=raw[:80])
            raise ValidationError(message, {"member_emails": message}) from exc
        if address not in emails:
            emails.append(address)
    return emails


def _clean_team_names(value: Any) -> str:
    names = split_list(value, "team_names")
    text = "\n".join(dict.fromkeys(names))
    label = gettext("Other team members")
    return clean_text(text, "team_names", label=label, max_length=1000, required=False)


def _clean_problem_ids(challenge: Challenge, value: Any) -> list[int]:
    """The addressed problems: at least one, all among the challenge's visible problems."""
    ids: list[int] = []
    for item in value if isinstance(value, list | tuple | set) else split_list(value, "problem_ids"):
        ids.append(parse_int(item, "problem_ids"))
    ids = list(dict.fromkeys(ids))
    if not ids:
        message = gettext("Choose at least one problem your project addresses.")
        raise ValidationError(message, {"problem_ids": message})
    allowed = set(
        db.session.execute(
            select(ChallengeProblem.problem_id)
            .join(Problem, Problem.id == ChallengeProblem.problem_id)
            .where(ChallengeProblem.challenge_id == challenge.id, visibility.public(Problem))
        ).scalars()
    )
    if not set(ids) <= allowed:
        message = gettext("Choose problems from this challenge.")
        raise ValidationError(message, {"problem_ids": message})
    return ids


def _clean_project(challenge: Challenge, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate the fields given in `raw`, collecting field errors."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    checks = {
        "name": lambda v: clean_name(v, "name", label=gettext("Project name"), max_length=140),
        "description": lambda v: clean_text(v, "description", label=gettext("Description"), max_length=10000),
        "repository_url": lambda v: clean_url(v, "repository_url", label=gettext("Repository URL")),
        "demo_url": lambda v: clean_url(v, "demo_url", label=gettext("Demo URL")),
        "team_names": _clean_team_names,
        "member_emails": _clean_member_emails,
        "problem_ids": lambda v: _clean_problem_ids(challenge, v),
    }
    for name, check in checks.items():
        if name in raw:
            try:
                out[name] = check(raw[name])
            except ValidationError as exc:
                errors.update(exc.fields or {name: exc.message})
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    if "description" in out:
        out["description_html"] = render(out["description"])
    return out


def ensure_can_submit(actor: User, challenge: Challenge) -> None:
    """Raise unless the actor may submit a project to the challenge now (PermissionDenied, 409)."""
    require_active(actor)
    if not challenge.visible_to(actor):
        raise PermissionDenied()
    _ensure_submissions_open(challenge)


def ensure_can_edit_project(actor: User, project: Project) -> None:
    """Raise unless the actor is on the team and the challenge still takes changes."""
    require_active(actor)
    if not project.is_member(actor) or not visibility.takes_contributions(project):
        raise PermissionDenied(gettext("Only the project's team can change it."))
    _ensure_submissions_open(project.challenge)


def _ensure_submissions_open(challenge: Challenge) -> None:
    if not challenge.accepts_submissions():
        if challenge.is_published:
            message = gettext("This challenge has ended; projects can no longer be submitted or changed.")
        else:
            message = gettext("This challenge is not taking projects.")
        raise ConflictError(message)


def _set_team(actor: User, project: Project, emails: list[str], always: Iterable[int]) -> None:
    """Make the team the listed addresses: members not listed leave (except `always`), listed
    addresses that are not members yet get an invitation, withdrawn ones are revoked."""
    kept_ids = set(always)
    for member in list(project.members):
        email = member.user.email.lower() if member.user is not None else None
        if member.user_id in kept_ids or email in emails:
            kept_ids.add(member.user_id)
        else:
            project.members.remove(member)
    for user_id in always:
        if not any(member.user_id == user_id for member in project.members):
            project.members.append(ProjectMember(user_id=user_id))
    member_emails = set(_emails_of(member.user_id for member in project.members))
    for invitation in list(project.invitations):
        if invitation.is_pending and invitation.email not in emails:
            invitations.revoke(invitation)
    pending = {i.email for i in project.invitations if i.is_pending}
    for email in emails:
        if email not in member_emails and email not in pending:
            invitations.invite(actor, project, email)


def _emails_of(user_ids: Iterable[int]) -> list[str]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return [email.lower() for email in db.session.execute(select(User.email).where(User.id.in_(ids))).scalars()]


def _set_problems(project: Project, problem_ids: list[int]) -> None:
    current = {link.problem_id: link for link in project.problem_links}
    for problem_id, link in current.items():
        if problem_id not in problem_ids:
            project.problem_links.remove(link)
    for problem_id in problem_ids:
        if problem_id not in current:
            project.problem_links.append(ProjectProblem(problem_id=problem_id))


def submit_project(
    actor: User,
    challenge: Challenge,
    *,
    name: str,
    description: str,
    problem_ids: Any,
    repository_url: str | None = None,
    demo_url: str | None = None,
    member_emails: Any = (),
    team_names: Any = "",
) -> Project:
    """A logged-in, active participant submits a project to a published, running challenge.

    The submitter is always a member; every other address listed is invited (see invitations).
    """
    ensure_can_submit(actor, challenge)
    fields = _clean_project(
        challenge,
        {
            "name": name,
            "description": description,
            "repository_url": repository_url,
            "demo_url": demo_url,
            "team_names": team_names,
            "member_emails": member_emails,
            "problem_ids": problem_ids,
        },
    )
    now = utcnow()
    project = Project(
        challenge_id=challenge.id,
        name=fields["name"],
        description=fields["description"],
        description_html=fields["description_html"],
        repository_url=fields["repository_url"],
        demo_url=fields["demo_url"],
        team_names=fields["team_names"],
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    project.challenge = challenge
    _set_problems(project, fields["problem_ids"])
    db.session.add(project)
    db.session.flush()
    _set_team(actor, project, fields["member_emails"], always=[actor.id])
    return project


def update_project(
    actor: User,
    project: Project,
    *,
    name: Any = UNSET,
    description: Any = UNSET,
    problem_ids: Any = UNSET,
    repository_url: Any = UNSET,
    demo_url: Any = UNSET,
    member_emails: Any = UNSET,
    team_names: Any = UNSET,
) -> Project:
    """A team member edits the project while the challenge takes submissions.

    Given member emails replace the team: members not listed leave, new addresses are invited,
    invitations to addresses taken off are withdrawn; the creator and the editor always stay.
    """
    ensure_can_edit_project(actor, project)
    given = {
        key: value
        for key, value in {
            "name": name,
            "description": description,
            "problem_ids": problem_ids,
            "repository_url": repository_url,
            "demo_url": demo_url,
            "member_emails": member_emails,
            "team_names": team_names,
        }.items()
        if value is not UNSET
    }
    fields = _clean_project(project.challenge, given)
    for key in ("name", "description", "description_html", "repository_url", "demo_url", "team_names"):
        if key in fields:
            setattr(project, key, fields[key])
    if "member_emails" in fields:
        _set_team(actor, project, fields["member_emails"], always=[project.created_by_id, actor.id])
    if "problem_ids" in fields:
        _set_problems(project, fields["problem_ids"])
    project.updated_at = utcnow()
    return project


def set_project_featured(actor: User, project: Project, featured: bool) -> Project:
    """Organizers feature a project (shown first), even after the challenge closed; audited."""
    require(actor, Capability.MANAGE_CHALLENGES)
    if project.featured != bool(featured):
        project.featured = bool(featured)
        record(actor, "project.feature", "project", project.id, featured=project.featured)
    return project


def set_project_award(actor: User, project: Project, award: Any) -> Project:
    """Organizers mark a winner with an award ("Grand prize"); empty text removes it; audited."""
    require(actor, Capability.MANAGE_CHALLENGES)
    text = clean_text(award, "award", label=gettext("Award"), max_length=120, required=False)
    if project.award != text:
        project.award = text
        record(actor, "project.award", "project", project.id, award=text)
    return project
