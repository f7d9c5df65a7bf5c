"""The words of notification emails: one event on its own, or a period's events in a digest.

Plain text, built from what the worker loaded for a batch (Facts), so writing a thousand
emails asks the database a fixed number of questions. Every email names the problem or
challenge and what happened (who, the status from → to, an excerpt), links to the page,
and ends with the settings page and an unsubscribe link (its URL is also the
List-Unsubscribe header, RFC 8058).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from civicboard.auth.models import Department, User
from civicboard.challenges.models import Challenge
from civicboard.extensions import db
from civicboard.links import absolute_url
from civicboard.problems.models import STATUS_LABELS, Comment, Notification, NotificationKind, Problem, ProblemStatus
from civicboard.staff.models import Response

EXCERPT_CHARS = 280


@dataclass
class Facts:
    """What a batch of notifications talks about, loaded with one query per table."""

    actors: dict[int, str] = field(default_factory=dict)
    problems: dict[int, Problem] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    responses: dict[int, tuple[str | None, str | None, str, str]] = field(default_factory=dict)
    challenges: dict[int, tuple[str, str]] = field(default_factory=dict)


def load_facts(notifications: list[Notification]) -> Facts:
    """Load the actors, problems, comments, responses and challenges the notifications name."""
    facts = Facts()

    def ids(attribute: str) -> list[int]:
        return sorted({getattr(n, attribute) for n in notifications if getattr(n, attribute) is not None})

    if actor_ids := ids("actor_id"):
        facts.actors = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all())
    if problem_ids := ids("problem_id"):
        facts.problems = {
            p.id: p for p in db.session.execute(select(Problem).where(Problem.id.in_(problem_ids))).scalars()
        }
    if comment_ids := ids("comment_id"):
        facts.comments = {
            c.id: c for c in db.session.execute(select(Comment).where(Comment.id.in_(comment_ids))).scalars()
        }
    if response_ids := ids("response_id"):
        rows = db.session.execute(
            select(Response.id, Response.status_from, Response.status_to, Response.body, Department.name)
            .outerjoin(Department, Department.id == Response.department_id)
            .where(Response.id.in_(response_ids))
        )
        facts.responses = {row[0]: (row[1], row[2], row[3], row[4] or "") for row in rows}
    if challenge_ids := ids("challenge_id"):
        rows = db.session.execute(
            select(Challenge.id, Challenge.slug, Challenge.title).where(Challenge.id.in_(challenge_ids))
        )
        facts.challenges = {row[0]: (row[1], row[2]) for row in rows}
    return facts


@dataclass
class Event:
    """One notification in words: a subject line, the lines of its story, and its link."""

    subject: str
    lines: list[str]
    link: str


def _status(value: str | None) -> str:
    try:
        return STATUS_LABELS[ProblemStatus(value)]
    except ValueError:
        return value or "—"


def _excerpt(text: str) -> list[str]:
    text = " ".join((text or "").split())
    if not text:
        return []
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rstrip() + "…"
    return ["", *("> " + line for line in textwrap.wrap(text, 72))]


def describe(n: Notification, facts: Facts) -> Event | None:
    """What happened, in words; None when what it names is gone."""
    problem = facts.problems.get(n.problem_id) if n.problem_id else None
    who = facts.actors.get(n.actor_id, "Someone") if n.actor_id else "Someone"
    title = f"“{problem.title}”" if problem else ""
    if n.kind in (NotificationKind.RESPONSE, NotificationKind.STATUS) and problem:
        status_from, status_to, body, department = facts.responses.get(n.response_id, (None, None, "", ""))
        signed = f"{who} ({department})" if department else who
        lines = [f"{signed} posted an official response on {title}."]
        subject = f"Official response on {title}"
        if status_to and status_to != status_from:
            lines.append(f"Status: {_status(status_from)} → {_status(status_to)}")
            subject = f"{title} is now {_status(status_to)}"
        lines += _excerpt(body)
        link = absolute_url("problems.show", problem_id=problem.id, _anchor=f"response-{n.response_id}")
        return Event(subject, lines, link)
    if n.kind in (NotificationKind.COMMENT, NotificationKind.REPLY) and problem:
        comment = facts.comments.get(n.comment_id)
        if comment is None or comment.deleted_at is not None:
            return None
        verb = "replied to your comment on" if n.kind == NotificationKind.REPLY else "commented on"
        lines = [f"{who} {verb} {title}.", *_excerpt(comment.body)]
        link = absolute_url("problems.show", problem_id=problem.id, comment=comment.id, _anchor=f"comment-{comment.id}")
        return Event(f"{who} {verb} {title}", lines, link)
    if n.kind == NotificationKind.CHALLENGE_ADDED and problem and n.challenge_id in facts.challenges:
        slug, challenge_title = facts.challenges[n.challenge_id]
        lines = [f"{title}, a problem you follow, was added to the challenge “{challenge_title}”."]
        return Event(
            f"{title} joined the challenge “{challenge_title}”", lines, absolute_url("challenges.show", slug=slug)
        )
    if n.kind in (NotificationKind.CHALLENGE_PUBLISHED, NotificationKind.CHALLENGE_CLOSED):
        if n.challenge_id not in facts.challenges:
            return None
        slug, challenge_title = facts.challenges[n.challenge_id]
        if n.kind == NotificationKind.CHALLENGE_PUBLISHED:
            subject = f"The challenge “{challenge_title}” is open"
            lines = [f"{who} published the challenge “{challenge_title}”, which you follow: teams can submit projects."]
        else:
            subject = f"The challenge “{challenge_title}” is closed"
            lines = [f"{who} closed the challenge “{challenge_title}”, which you follow: it takes no more projects."]
        return Event(subject, lines, absolute_url("challenges.show", slug=slug))
    if n.kind == NotificationKind.DATA_PUBLISHED and problem:
        lines = [f"{who} published the data requested in {title}."]
        return Event(f"The data requested in {title} is published", lines, _problem_link(problem))
    if n.kind in (NotificationKind.HIDDEN, NotificationKind.RESTORED) and problem:
        what = f"Your comment on {title}" if n.comment_id else f"Your problem {title}"
        if n.kind == NotificationKind.HIDDEN:
            by = "by a moderator" if n.actor_id else "automatically after several reports, until a moderator reviews it"
            lines = [f"{what} was hidden {by}."]
            if n.detail:
                lines.append(f"Reason: {n.detail}")
            contact = current_app.config["CONTACT_EMAIL"]
            lines += [
                "",
                "Only you and the moderators can see it now. If you think this is a mistake, ask for "
                f"a review by writing to {contact} with a link to it.",
            ]
            subject = f"{what} was hidden"
        else:
            lines = [f"{what} was restored by a moderator: everyone can see it again."]
            if n.detail:
                lines.append(f"Note: {n.detail}")
            subject = f"{what} was restored"
        return Event(subject, lines, _problem_link(problem))
    if n.kind == NotificationKind.AREA_ALERT and problem:
        lines = [f"{who} proposed a new problem: {title}.", *_excerpt(problem.description)]
        return Event(f"New problem: {title}", lines, _problem_link(problem))
    return None


def _problem_link(problem: Problem) -> str:
    return absolute_url("problems.show", problem_id=problem.id)


def _footer(reason: str, unsubscribe_url: str, what: str) -> list[str]:
    return [
        "",
        "-- ",
        reason,
        f"Choose what you hear about, and how: {absolute_url('notify.settings')}",
        f"Stop {what}: {unsubscribe_url}",
    ]


def single(user_name: str, event: Event, topic_label: str, unsubscribe_url: str) -> tuple[str, str]:
    """(subject, body) of one event's email."""
    site = current_app.config["SITE_NAME"]
    body = [
        f"Hello {user_name},",
        "",
        *event.lines,
        "",
        f"See it on {site}:",
        event.link,
        *_footer(f"You receive this email for: {topic_label.lower()}.", unsubscribe_url, "these emails (one click)"),
    ]
    return event.subject, "\n".join(body) + "\n"


def digest(user_name: str, period: str, events: list[Event], unsubscribe_url: str) -> tuple[str, str]:
    """(subject, body) of a digest: every event of the period, oldest first."""
    site = current_app.config["SITE_NAME"]
    count = len(events)
    subject = f"Your {period} digest from {site}: {count} update{'s' if count != 1 else ''}"
    body = [f"Hello {user_name},", "", f"Here is what happened since your last {period} digest.", ""]
    for number, event in enumerate(events, 1):
        body += [f"{number}. {event.lines[0]}", *("   " + line if line else "" for line in event.lines[1:])]
        body += [f"   {event.link}", ""]
    body += _footer(f"You receive this {period} digest by choice.", unsubscribe_url, f"the {period} digest (one click)")
    return subject, "\n".join(body) + "\n"
