"""Challenges: create, edit and move them through draft -> published -> closed; follow them.

Organizers (capability "manage_challenges", admins included) create and edit challenges.
Notifications to a curated problem's followers ("challenge_added") go out when the problem is
added to a *published* challenge, or, for problems curated while the challenge was a draft, when
the challenge is first published. Nothing is sent for additions to a closed challenge, nor on a
reopening (its problems were announced at the first publication).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from sqlalchemy import func, insert, literal, select, update

from civicboard.audit.services import record
from civicboard.auth.models import User
from civicboard.challenges.models import STATUS_LABELS, Challenge, ChallengeProblem, ChallengeStatus, can_transition
from civicboard.challenges.services.common import UNSET, clean_url
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.permissions import Capability, PermissionDenied, require
from civicboard.problems import visibility
from civicboard.problems.models import Follow, Notification, NotificationKind, Problem
from civicboard.problems.notifications import follow, notify_followers, unfollow, written
from civicboard.timeutil import to_naive_utc, utcnow
from civicboard.validation import ConflictError, ValidationError, clean_name, clean_text

# First path segments under /challenges/ that are routes, not challenges.
RESERVED_SLUGS = frozenset(
    {"manage", "new", "edit", "feeds", "api", "brief", "projects", "search", "admin", "curate", "static", "invitations"}
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 80
GENERATED_SLUG_LENGTH = 60


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
        message = gettext("Slug is required.")
    elif len(slug) > MAX_SLUG_LENGTH:
        message = gettext("Slug must be at most %(max)s characters.", max=MAX_SLUG_LENGTH)
    elif not SLUG_PATTERN.match(slug):
        message = gettext("Use lower-case letters, digits and single hyphens (e.g. streets-data-jam).")
    elif slug in RESERVED_SLUGS:
        message = gettext("“%(slug)s” is reserved; choose another slug.", slug=slug)
    if message:
        raise ValidationError(message, {"slug": message})
    if _slug_taken(slug, exclude_id):
        message = gettext("Another challenge already uses this slug.")
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
        message = gettext("Choose a time zone such as America/New_York.")
        raise ValidationError(message, {"timezone": message}) from exc
    return name


def parse_when(value: Any, zone_name: str, field: str) -> datetime:
    """A start or end time as naive UTC.

    Accepts an aware datetime, a naive one (wall-clock time in `zone_name`, as a
    datetime-local input sends), or an ISO 8601 string of either kind ("2026-05-02T10:00Z",
    "2026-05-02T10:00:00-04:00", "2026-05-02T10:00").
    """
    starts = field == "starts_at"
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError as exc:
            if starts:
                message = gettext("Start must be a date and time (ISO 8601).")
            else:
                message = gettext("End must be a date and time (ISO 8601).")
            raise ValidationError(message, {field: message}) from exc
    if not isinstance(value, datetime):
        message = gettext("Start date and time are required.") if starts else gettext("End date and time are required.")
        raise ValidationError(message, {field: message})
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone_name))
    return to_naive_utc(value)


def clean_contact(value: Any) -> str:
    """An email address or an http(s) URL."""
    label = gettext("Contact")
    text = clean_text(value, "contact", label=label, max_length=255)
    if "://" not in text and "@" in text:
        try:
            return validate_email(text.removeprefix("mailto:"), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            message = gettext("Enter an email address or a web address (https://...).")
            raise ValidationError(message, {"contact": message}) from exc
    return clean_url(text, "contact", label=label, required=True)


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
    require(actor, Capability.MANAGE_CHALLENGES)
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
    require(actor, Capability.MANAGE_CHALLENGES)
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
            message = gettext("The slug of a published challenge cannot change: its links have been shared.")
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

    attempt("title", clean_name, raw["title"], "title", label=gettext("Title"), min_length=3, max_length=140)
    attempt(
        "summary", clean_text, raw["summary"], "summary", label=gettext("Summary"), max_length=20000, required=False
    )
    attempt("timezone", clean_timezone, raw["timezone"])
    zone = out.get("timezone", "UTC")
    attempt("starts_at", parse_when, raw["starts_at"], zone, "starts_at")
    attempt("ends_at", parse_when, raw["ends_at"], zone, "ends_at")
    attempt("place", clean_text, raw["place"], "place", label=gettext("Place"), max_length=255, required=False)
    out["is_online"] = bool(raw["is_online"])
    attempt("contact", clean_contact, raw["contact"])
    if "starts_at" in out and "ends_at" in out and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = gettext("The end must be after the start.")
    if "place" in out and not out["place"] and not out["is_online"]:
        errors["place"] = gettext("Give a place, or mark the challenge as online.")
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
    require(actor, Capability.MANAGE_CHALLENGES)
    try:
        target_status = ChallengeStatus(str(target))
    except ValueError as exc:
        message = gettext("Status must be draft, published or closed.")
        raise ValidationError(message, {"status": message}) from exc
    current = ChallengeStatus(challenge.status)
    if not can_transition(current, target_status):
        raise ConflictError(
            gettext(
                "A %(current)s challenge cannot become %(target)s.",
                current=STATUS_LABELS[current].lower(),
                target=STATUS_LABELS[target_status].lower(),
            ),
            {"status": gettext("That status change is not allowed.")},
        )
    if target_status is ChallengeStatus.PUBLISHED and _visible_problem_count(challenge.id) == 0:
        message = gettext("Add at least one problem before publishing.")
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
    kind = (
        NotificationKind.CHALLENGE_PUBLISHED
        if target_status is ChallengeStatus.PUBLISHED
        else NotificationKind.CHALLENGE_CLOSED
    )
    notify_followers(kind.value, actor=actor, challenge_id=challenge.id)
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
    written()
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


def follow_challenge(actor: User, challenge: Challenge) -> bool:
    """Follow a challenge you can see; False if already following."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(gettext("Please log in to continue."))
    if not challenge.visible_to(actor):
        raise PermissionDenied()
    return follow(actor, challenge_id=challenge.id)


def unfollow_challenge(actor: User, challenge: Challenge) -> bool:
    """Stop following a challenge; False if not following."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(gettext("Please log in to continue."))
    return unfollow(actor, challenge_id=challenge.id)
