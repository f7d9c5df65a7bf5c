"""Challenge and project actions: each takes the acting user, checks permission, validates, writes.

Organizers (capability "manage_challenges", admins included) create, edit, curate and move
challenges through draft -> published -> closed; logged-in, active participants submit projects
to published challenges; only a project's team edits it. Services never commit.

Notifications to a curated problem's followers ("challenge_added") go out when the problem is
added to a *published* challenge, or, for problems curated while the challenge was a draft, when
the challenge is first published. Nothing is sent for additions to a closed challenge, nor on a
reopening (its problems were announced at the first publication).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, insert, literal, select, update

from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.challenges.models import (
    STATUS_LABELS,
    Challenge,
    ChallengeDataset,
    ChallengeProblem,
    ChallengeStatus,
    Project,
    ProjectMember,
    ProjectProblem,
    can_transition,
)
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.permissions import PermissionDenied, require, require_active
from civicboard.problems import visibility
from civicboard.problems.models import Follow, Notification, NotificationKind, Problem
from civicboard.problems.notifications import follow, unfollow
from civicboard.timeutil import to_naive_utc, utcnow
from civicboard.validation import ConflictError, ValidationError, clean_text


class _Unset:
    """Marks a keyword argument that was not given (PATCH: leave the field as it is)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# First path segments under /challenges/ that are routes, not challenges.
RESERVED_SLUGS = frozenset(
    {"manage", "new", "edit", "feeds", "api", "brief", "projects", "search", "admin", "curate", "static"}
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 80
GENERATED_SLUG_LENGTH = 60
MAX_TEAM_MEMBERS = 20
URL_SCHEMES = ("http", "https")


# -- validation helpers ----------------------------------------------------------------------


def slugify(title: str) -> str:
    """A URL slug from a title: ASCII letters and digits joined by single hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    slug = slug[:GENERATED_SLUG_LENGTH].rstrip("-")
    return slug or "challenge"


def _slug_taken(slug: str, exclude_id: int | None) -> bool:
    query = select(Challenge.id).where(Challenge.slug == slug)
    if exclude_id is not None:
        query = query.where(Challenge.id != exclude_id)
    return db.session.execute(query).first() is not None


def unique_slug(base: str, exclude_id: int | None = None) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free and not reserved."""
    slug, n = base, 2
    while slug in RESERVED_SLUGS or _slug_taken(slug, exclude_id):
        slug, n = f"{base}-{n}", n + 1
    return slug


def clean_slug(value: Any, exclude_id: int | None = None) -> str:
    """Check an organizer's slug: [a-z0-9-], not reserved, not in use."""
    slug = str(value or "").strip().lower()
    message = None
    if not slug:
        message = "Slug is required."
    elif len(slug) > MAX_SLUG_LENGTH:
        message = f"Slug must be at most {MAX_SLUG_LENGTH} characters."
    elif not SLUG_PATTERN.match(slug):
        message = "Use lower-case letters, digits and single hyphens (e.g. streets-data-jam)."
    elif slug in RESERVED_SLUGS:
        message = f"“{slug}” is reserved; choose another slug."
    if message:
        raise ValidationError(message, {"slug": message})
    if _slug_taken(slug, exclude_id):
        message = "Another challenge already uses this slug."
        raise ConflictError(message, {"slug": message})
    return slug


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name the tz database knows, sorted (for the form's choices)."""
    return tuple(sorted(available_timezones()))


def clean_timezone(value: Any) -> str:
    """An IANA zone name that zoneinfo can load."""
    name = str(value or "").strip()
    try:
        if not name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = "Choose a time zone such as America/New_York."
        raise ValidationError(message, {"timezone": message}) from exc
    return name


def parse_when(value: Any, zone_name: str, field: str) -> datetime:
    """A start or end time as naive UTC.

    Accepts an aware datetime, a naive one (wall-clock time in `zone_name`, as a
    datetime-local input sends), or an ISO 8601 string of either kind ("2026-05-02T10:00Z",
    "2026-05-02T10:00:00-04:00", "2026-05-02T10:00").
    """
    label = "Start" if field == "starts_at" else "End"
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError as exc:
            message = f"{label} must be a date and time (ISO 8601)."
            raise ValidationError(message, {field: message}) from exc
    if not isinstance(value, datetime):
        message = f"{label} date and time are required."
        raise ValidationError(message, {field: message})
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone_name))
    return to_naive_utc(value)


def clean_contact(value: Any) -> str:
    """An email address or an http(s) URL."""
    text = clean_text(value, "contact", label="Contact", max_length=255)
    if "://" not in text and "@" in text:
        try:
            return validate_email(text.removeprefix("mailto:"), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            message = "Enter an email address or a web address (https://...)."
            raise ValidationError(message, {"contact": message}) from exc
    return clean_url(text, "contact", label="Contact", required=True)


def clean_url(value: Any, field: str, *, label: str, required: bool = False) -> str | None:
    """An absolute http or https URL with a host; None when empty and not required."""
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            message = f"{label} is required."
            raise ValidationError(message, {field: message})
        return None
    message = f"{label} must be a web address starting with http:// or https://."
    if len(text) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise ValidationError(message, {field: message})
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise ValidationError(message, {field: message}) from exc
    if parts.scheme.lower() not in URL_SCHEMES or not host:
        raise ValidationError(message, {field: message})
    return text


# -- challenges ------------------------------------------------------------------------------


def create_challenge(
    actor: User,
    *,
    title: str,
    starts_at: Any,
    ends_at: Any,
    timezone: str,
    summary: str = "",
    place: str = "",
    is_online: bool = False,
    contact: str = "",
    slug: str | None = None,
) -> Challenge:
    """Create a draft challenge (audited). An empty slug is generated from the title."""
    require(actor, "manage_challenges")
    fields = _clean_details(
        title=title,
        summary=summary,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        place=place,
        is_online=is_online,
        contact=contact,
    )
    slug = clean_slug(slug) if slug and str(slug).strip() else unique_slug(slugify(fields["title"]))
    now = utcnow()
    challenge = Challenge(
        slug=slug,
        status=ChallengeStatus.DRAFT.value,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    db.session.add(challenge)
    db.session.flush()
    record(actor, "challenge.create", "challenge", challenge.id, slug=slug, title=challenge.title)
    return challenge


def update_challenge(
    actor: User,
    challenge: Challenge,
    *,
    title: Any = UNSET,
    slug: Any = UNSET,
    summary: Any = UNSET,
    starts_at: Any = UNSET,
    ends_at: Any = UNSET,
    timezone: Any = UNSET,
    place: Any = UNSET,
    is_online: Any = UNSET,
    contact: Any = UNSET,
) -> Challenge:
    """Change some of a challenge's details; fields not given stay as they are (PATCH).

    The slug can change only while the challenge is a draft: once published, its page, brief
    and feed URLs have been shared and must keep working.
    """
    require(actor, "manage_challenges")
    zone_name = challenge.timezone if timezone is UNSET else timezone
    fields = _clean_details(
        title=challenge.title if title is UNSET else title,
        summary=challenge.summary if summary is UNSET else summary,
        starts_at=_stored(challenge.starts_at) if starts_at is UNSET else starts_at,
        ends_at=_stored(challenge.ends_at) if ends_at is UNSET else ends_at,
        timezone=zone_name,
        place=challenge.place if place is UNSET else place,
        is_online=challenge.is_online if is_online is UNSET else is_online,
        contact=challenge.contact if contact is UNSET else contact,
    )
    wanted = str(slug or "").strip().lower() if slug is not UNSET else challenge.slug
    if wanted != challenge.slug:
        if not challenge.is_draft:
            message = "The slug of a published challenge cannot change: its links have been shared."
            raise ConflictError(message, {"slug": message})
        # An emptied slug is made again from the (possibly new) title.
        fields["slug"] = (
            clean_slug(wanted, exclude_id=challenge.id)
            if wanted
            else unique_slug(slugify(fields["title"]), exclude_id=challenge.id)
        )
    for name, value in fields.items():
        setattr(challenge, name, value)
    challenge.updated_at = utcnow()
    return challenge


def _stored(value: datetime | None) -> datetime | None:
    """A stored naive-UTC time as an aware one, so it is not re-read as local wall time."""
    return value.replace(tzinfo=UTC) if value is not None else None


def _clean_details(**raw: Any) -> dict[str, Any]:
    """Validate every detail of a challenge at once, collecting field errors."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def attempt(name: str, fn, *args, **kwargs) -> None:
        try:
            out[name] = fn(*args, **kwargs)
        except ValidationError as exc:
            errors.update(exc.fields or {name: exc.message})

    attempt("title", clean_text, raw["title"], "title", label="Title", min_length=3, max_length=140)
    attempt("summary", clean_text, raw["summary"], "summary", label="Summary", max_length=20000, required=False)
    attempt("timezone", clean_timezone, raw["timezone"])
    zone = out.get("timezone", "UTC")
    attempt("starts_at", parse_when, raw["starts_at"], zone, "starts_at")
    attempt("ends_at", parse_when, raw["ends_at"], zone, "ends_at")
    attempt("place", clean_text, raw["place"], "place", label="Place", max_length=255, required=False)
    out["is_online"] = bool(raw["is_online"])
    attempt("contact", clean_contact, raw["contact"])
    if "starts_at" in out and "ends_at" in out and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = "The end must be after the start."
    if "place" in out and not out["place"] and not out["is_online"]:
        errors["place"] = "Give a place, or mark the challenge as online."
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    out["summary_html"] = render(out["summary"])
    return out


def _visible_problem_count(challenge_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(ChallengeProblem)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge_id, visibility.public(Problem))
    ).scalar_one()


def change_status(actor: User, challenge: Challenge, target: str) -> Challenge:
    """Move a challenge along draft -> published -> closed (or reopen a closed one); audited.

    Publishing needs at least one visible curated problem. The first publication tells the
    followers of every curated problem; closing stops project submissions and edits.
    """
    require(actor, "manage_challenges")
    try:
        target_status = ChallengeStatus(str(target))
    except ValueError as exc:
        message = "Status must be draft, published or closed."
        raise ValidationError(message, {"status": message}) from exc
    current = ChallengeStatus(challenge.status)
    if not can_transition(current, target_status):
        raise ConflictError(
            f"A {STATUS_LABELS[current].lower()} challenge cannot become {STATUS_LABELS[target_status].lower()}.",
            {"status": "That status change is not allowed."},
        )
    if target_status is ChallengeStatus.PUBLISHED and _visible_problem_count(challenge.id) == 0:
        message = "Add at least one problem before publishing."
        raise ConflictError(message, {"status": message})
    now = utcnow()
    first_publication = target_status is ChallengeStatus.PUBLISHED and challenge.published_at is None
    if target_status is ChallengeStatus.PUBLISHED:
        action = "challenge.publish" if first_publication else "challenge.reopen"
        challenge.published_at = challenge.published_at or now
        challenge.closed_at = None
    else:
        action = "challenge.close"
        challenge.closed_at = now
    challenge.status = target_status.value
    challenge.updated_at = now
    if first_publication:
        _notify_problem_followers(actor, challenge)
    record(
        actor,
        action,
        "challenge",
        challenge.id,
        slug=challenge.slug,
        status_from=current.value,
        status_to=target_status.value,
    )
    return challenge


def publish_challenge(actor: User, challenge: Challenge) -> Challenge:
    """Publish a draft (or reopen a closed challenge)."""
    return change_status(actor, challenge, ChallengeStatus.PUBLISHED)


def close_challenge(actor: User, challenge: Challenge) -> Challenge:
    """Close a published challenge: no more project submissions or edits."""
    return change_status(actor, challenge, ChallengeStatus.CLOSED)


def _notify_problem_followers(actor: User | None, challenge: Challenge, problem_id: int | None = None) -> None:
    """Tell the followers of the challenge's visible curated problems (or of one of them).

    One INSERT ... SELECT and one UPDATE whatever the number of problems and followers.
    (problems.notifications.notify_followers targets the *challenge's* followers when given a
    challenge_id, so this writes the same rows for the problems' followers instead.)
    """
    curated = (
        select(ChallengeProblem.problem_id)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge.id, visibility.public(Problem))
    )
    if problem_id is not None:
        curated = curated.where(ChallengeProblem.problem_id == problem_id)
    conditions = [Follow.problem_id.in_(curated)]
    if actor is not None:
        conditions.append(Follow.user_id != actor.id)
    source = select(
        Follow.user_id,
        literal(NotificationKind.CHALLENGE_ADDED.value),
        literal(getattr(actor, "id", None)),
        Follow.problem_id,
        literal(challenge.id),
        literal(utcnow()),
    ).where(*conditions)
    db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "actor_id", "problem_id", "challenge_id", "created_at"], source
        )
    )
    # A follower of several curated problems gets one notification for each.
    per_user = (
        select(func.count())
        .select_from(Follow)
        .where(Follow.user_id == User.id, *conditions)
        .correlate(User)
        .scalar_subquery()
    )
    db.session.execute(
        update(User)
        .where(User.id.in_(select(Follow.user_id).where(*conditions)))
        .values(unread_notifications=User.unread_notifications + per_user)
        .execution_options(synchronize_session=False)
    )


# -- curation --------------------------------------------------------------------------------


def _curated_rows(challenge: Challenge, actor: User | None) -> list[ChallengeProblem]:
    """The curated rows in order; hidden problems only for moderators (all rows for None)."""
    query = (
        select(ChallengeProblem)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge.id)
        .order_by(ChallengeProblem.position, ChallengeProblem.added_at, ChallengeProblem.problem_id)
    )
    if actor is not None:
        query = query.where(visibility.listed(Problem, actor))
    return list(db.session.execute(query).scalars().all())


def _curated_row(challenge: Challenge, problem_id: Any) -> ChallengeProblem:
    row = db.session.get(ChallengeProblem, (challenge.id, _int(problem_id, "problem_id")))
    if row is None:
        message = "That problem is not in this challenge."
        raise ValidationError(message, {"problem_id": message})
    return row


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        message = "Choose an item from the list."
        raise ValidationError(message, {field: message}) from exc


def _clean_note(note: Any) -> str:
    return clean_text(note, "note", label="Note", max_length=2000, required=False)


def add_problem(actor: User, challenge: Challenge, problem_id: Any, note: Any = "") -> ChallengeProblem:
    """Curate a visible problem at the end of the list; tell its followers if published."""
    require(actor, "manage_challenges")
    problem = db.session.get(Problem, _int(problem_id, "problem_id"))
    if problem is None or not visibility.is_public(problem):
        message = "There is no such problem."
        raise ValidationError(message, {"problem_id": message})
    if db.session.get(ChallengeProblem, (challenge.id, problem.id)) is not None:
        message = "This problem is already in the challenge."
        raise ConflictError(message, {"problem_id": message})
    last = db.session.execute(
        select(func.max(ChallengeProblem.position)).where(ChallengeProblem.challenge_id == challenge.id)
    ).scalar_one()
    row = ChallengeProblem(
        challenge_id=challenge.id,
        problem_id=problem.id,
        position=(last + 1) if last is not None else 0,
        note=_clean_note(note),
        added_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    challenge.updated_at = utcnow()
    if challenge.is_published:
        _notify_problem_followers(actor, challenge, problem.id)
    return row


def remove_problem(actor: User, challenge: Challenge, problem_id: Any) -> None:
    """Take a problem out of the challenge (projects keep the problems they named)."""
    require(actor, "manage_challenges")
    row = _curated_row(challenge, problem_id)
    db.session.delete(row)
    challenge.updated_at = utcnow()


def set_problem_note(actor: User, challenge: Challenge, problem_id: Any, note: Any) -> ChallengeProblem:
    """Write the organizer's note on a curated problem (plain text)."""
    require(actor, "manage_challenges")
    row = _curated_row(challenge, problem_id)
    row.note = _clean_note(note)
    challenge.updated_at = utcnow()
    return row


def move_problem(actor: User, challenge: Challenge, problem_id: Any, direction: str) -> bool:
    """Swap a curated problem with its neighbour above ("up") or below ("down").

    Neighbours are among the problems the organizer can see (hidden ones are skipped). Every
    row is renumbered 0..n-1 first, so ties left by concurrent additions never block a move.
    Returns False when the problem is already first (or last).
    """
    require(actor, "manage_challenges")
    if direction not in ("up", "down"):
        message = "Direction must be up or down."
        raise ValidationError(message, {"direction": message})
    target = _curated_row(challenge, problem_id)
    every_row = _curated_rows(challenge, None)  # each row's problem comes joined
    visible = [row for row in every_row if visibility.is_listed_for(row.problem, actor)]
    if target not in visible:
        raise ValidationError("That problem is not in this challenge.")
    index = visible.index(target)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(visible):
        return False
    for position, row in enumerate(every_row):
        row.position = position
    neighbour = visible[other]
    target.position, neighbour.position = neighbour.position, target.position
    challenge.updated_at = utcnow()
    return True


def add_dataset(actor: User, challenge: Challenge, dataset_id: Any, note: Any = "") -> ChallengeDataset:
    """Add an extra dataset to the challenge."""
    require(actor, "manage_challenges")
    dataset = db.session.get(Dataset, _int(dataset_id, "dataset_id"))
    if dataset is None:
        message = "There is no such dataset."
        raise ValidationError(message, {"dataset_id": message})
    if db.session.get(ChallengeDataset, (challenge.id, dataset.id)) is not None:
        message = "This dataset is already an extra dataset of the challenge."
        raise ConflictError(message, {"dataset_id": message})
    row = ChallengeDataset(challenge_id=challenge.id, dataset_id=dataset.id, note=_clean_note(note))
    db.session.add(row)
    db.session.flush()
    challenge.updated_at = utcnow()
    return row


def remove_dataset(actor: User, challenge: Challenge, dataset_id: Any) -> None:
    """Remove an extra dataset (datasets of curated problems stay: they come with the problems)."""
    require(actor, "manage_challenges")
    result = db.session.execute(
        delete(ChallengeDataset).where(
            ChallengeDataset.challenge_id == challenge.id,
            ChallengeDataset.dataset_id == _int(dataset_id, "dataset_id"),
        )
    )
    if not result.rowcount:
        message = "That dataset is not an extra dataset of this challenge."
        raise ValidationError(message, {"dataset_id": message})
    challenge.updated_at = utcnow()


# -- following -------------------------------------------------------------------------------


def follow_challenge(actor: User, challenge: Challenge) -> bool:
    """Follow a challenge you can see; False if already following."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("Please log in to continue.")
    if not challenge.visible_to(actor):
        raise PermissionDenied()
    return follow(actor, challenge_id=challenge.id)


def unfollow_challenge(actor: User, challenge: Challenge) -> bool:
    """Stop following a challenge; False if not following."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("Please log in to continue.")
    return unfollow(actor, challenge_id=challenge.id)


# -- projects --------------------------------------------------------------------------------


def _split(value: Any) -> list[str]:
    """A list of strings from a list, or from text separated by commas, semicolons or lines."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple | set) else re.split(r"[,;\n]", str(value))
    return [str(item).strip() for item in items if str(item).strip()]


def _resolve_members(value: Any) -> list[User]:
    """Users for the team's email addresses; every address must belong to an account."""
    emails: list[str] = []
    for raw in _split(value):
        try:
            address = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            message = f"“{raw}” is not an email address."
            raise ValidationError(message, {"member_emails": message}) from exc
        if address not in emails:
            emails.append(address)
    if len(emails) > MAX_TEAM_MEMBERS:
        message = f"A team has at most {MAX_TEAM_MEMBERS} members with accounts."
        raise ValidationError(message, {"member_emails": message})
    if not emails:
        return []
    users = db.session.execute(select(User).where(User.email.in_(emails))).scalars().all()
    missing = sorted(set(emails) - {u.email for u in users})
    if missing:
        message = (
            f"No account uses {', '.join(missing)}. Ask them to register first, or list them under other team members."
        )
        raise ValidationError(message, {"member_emails": message})
    return list(users)


def _clean_team_names(value: Any) -> str:
    names = _split(value)
    text = "\n".join(dict.fromkeys(names))
    return clean_text(text, "team_names", label="Other team members", max_length=1000, required=False)


def _clean_problem_ids(challenge: Challenge, value: Any) -> list[int]:
    """The addressed problems: at least one, all among the challenge's visible problems."""
    ids: list[int] = []
    for item in value if isinstance(value, list | tuple | set) else _split(value):
        ids.append(_int(item, "problem_ids"))
    ids = list(dict.fromkeys(ids))
    if not ids:
        message = "Choose at least one problem your project addresses."
        raise ValidationError(message, {"problem_ids": message})
    allowed = set(
        db.session.execute(
            select(ChallengeProblem.problem_id)
            .join(Problem, Problem.id == ChallengeProblem.problem_id)
            .where(ChallengeProblem.challenge_id == challenge.id, visibility.public(Problem))
        ).scalars()
    )
    if not set(ids) <= allowed:
        message = "Choose problems from this challenge."
        raise ValidationError(message, {"problem_ids": message})
    return ids


def _clean_project(challenge: Challenge, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate the fields given in `raw`, collecting field errors."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    checks = {
        "name": lambda v: clean_text(v, "name", label="Project name", max_length=140),
        "description": lambda v: clean_text(v, "description", label="Description", max_length=10000),
        "repository_url": lambda v: clean_url(v, "repository_url", label="Repository URL"),
        "demo_url": lambda v: clean_url(v, "demo_url", label="Demo URL"),
        "team_names": _clean_team_names,
        "member_emails": _resolve_members,
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
    if not project.is_member(actor) or project.is_hidden:
        raise PermissionDenied("Only the project's team can change it.")
    _ensure_submissions_open(project.challenge)


def _ensure_submissions_open(challenge: Challenge) -> None:
    if not challenge.accepts_submissions():
        if challenge.is_published:
            message = "This challenge has ended; projects can no longer be submitted or changed."
        else:
            message = "This challenge is not taking projects."
        raise ConflictError(message)


def _set_members(project: Project, users: Iterable[User], always: Iterable[int]) -> None:
    wanted = list(dict.fromkeys([*always, *(u.id for u in users)]))
    current = {m.user_id: m for m in project.members}
    for user_id, member in current.items():
        if user_id not in wanted:
            project.members.remove(member)
    for user_id in wanted:
        if user_id not in current:
            project.members.append(ProjectMember(user_id=user_id))


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

    The submitter is always a member; other members are accounts named by email.
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
    _set_members(project, fields["member_emails"], always=[actor.id])
    _set_problems(project, fields["problem_ids"])
    db.session.add(project)
    db.session.flush()
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

    Given member emails replace the team; the creator and the editor always stay on it.
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
        _set_members(project, fields["member_emails"], always=[project.created_by_id, actor.id])
    if "problem_ids" in fields:
        _set_problems(project, fields["problem_ids"])
    project.updated_at = utcnow()
    return project


def set_project_featured(actor: User, project: Project, featured: bool) -> Project:
    """Organizers feature a project (shown first), even after the challenge closed; audited."""
    require(actor, "manage_challenges")
    if project.featured != bool(featured):
        project.featured = bool(featured)
        record(actor, "project.feature", "project", project.id, featured=project.featured)
    return project


def set_project_award(actor: User, project: Project, award: Any) -> Project:
    """Organizers mark a winner with an award ("Grand prize"); empty text removes it; audited."""
    require(actor, "manage_challenges")
    text = clean_text(award, "award", label="Award", max_length=120, required=False)
    if project.award != text:
        project.award = text
        record(actor, "project.award", "project", project.id, award=text)
    return project
