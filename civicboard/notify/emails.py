"""The words of notification emails: one event on its own, or a period's events in a digest.

Plain text, built from what the worker loaded for a batch (Facts), so writing a thousand
emails asks the database a fixed number of questions. Every email names the problem or
challenge and what happened (who, the status from → to, an excerpt), links to the page,
and ends with the settings page and an unsubscribe link (its URL is also the
List-Unsubscribe header, RFC 8058). The words are those of the current language: the
worker writes each email inside civicboard.i18n.in_language_of(recipient).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
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
        return str(STATUS_LABELS[ProblemStatus(value)])
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
    """What happened, in words (in the current language); None when what it names is gone."""
    problem = facts.problems.get(n.problem_id) if n.problem_id else None
    who = facts.actors.get(n.actor_id) if n.actor_id else None
    who = who or _("Someone")
    title = problem.title if problem else ""
    if n.kind in (NotificationKind.RESPONSE, NotificationKind.STATUS) and problem:
        status_from, status_to, body, department = facts.responses.get(n.response_id, (None, None, "", ""))
        signed = f"{who} ({department})" if department else who
        lines = [_("%(who)s posted an official response on “%(title)s”.", who=signed, title=title)]
        subject = _("Official response on “%(title)s”", title=title)
        if status_to and status_to != status_from:
            lines.append(_("Status: %(old)s → %(new)s", old=_status(status_from), new=_status(status_to)))
            subject = _("“%(title)s” is now %(status)s", title=title, status=_status(status_to))
        lines += _excerpt(body)
        link = absolute_url("problems.show", problem_id=problem.id, _anchor=f"response-{n.response_id}")
        return Event(subject, lines, link)
    if n.kind in (NotificationKind.COMMENT, NotificationKind.REPLY) and problem:
        comment = facts.comments.get(n.comment_id)
        if comment is None or comment.deleted_at is not None:
            return None
        if n.kind == NotificationKind.REPLY:
            subject = _("%(who)s replied to your comment on “%(title)s”", who=who, title=title)
        else:
            subject = _("%(who)s commented on “%(title)s”", who=who, title=title)
        lines = [subject + ".", *_excerpt(comment.body)]
        link = absolute_url("problems.show", problem_id=problem.id, comment=comment.id, _anchor=f"comment-{comment.id}")
        return Event(subject, lines, link)
    if n.kind == NotificationKind.CHALLENGE_ADDED and problem and n.challenge_id in facts.challenges:
        slug, challenge_title = facts.challenges[n.challenge_id]
        lines = [
            _(
                "“%(title)s”, a problem you follow, was added to the challenge “%(challenge)s”.",
                title=title,
                challenge=challenge_title,
            )
        ]
        subject = _("“%(title)s” joined the challenge “%(challenge)s”", title=title, challenge=challenge_title)
        return Event(subject, lines, absolute_url("challenges.show", slug=slug))
    if n.kind in (NotificationKind.CHALLENGE_PUBLISHED, NotificationKind.CHALLENGE_CLOSED):
        if n.challenge_id not in facts.challenges:
            return None
        slug, challenge_title = facts.challenges[n.challenge_id]
        if n.kind == NotificationKind.CHALLENGE_PUBLISHED:
            subject = _("The challenge “%(challenge)s” is open", challenge=challenge_title)
            line = _(
                "%(who)s published the challenge “%(challenge)s”, which you follow: teams can submit projects.",
                who=who,
                challenge=challenge_title,
            )
        else:
            subject = _("The challenge “%(challenge)s” is closed", challenge=challenge_title)
            line = _(
                "%(who)s closed the challenge “%(challenge)s”, which you follow: it takes no more projects.",
                who=who,
                challenge=challenge_title,
            )
        return Event(subject, [line], absolute_url("challenges.show", slug=slug))
    if n.kind == NotificationKind.DATA_PUBLISHED and problem:
        lines = [_("%(who)s published the data requested in “%(title)s”.", who=who, title=title)]
        return Event(_("The data requested in “%(title)s” is published", title=title), lines, _problem_link(problem))
    if n.kind in (NotificationKind.HIDDEN, NotificationKind.RESTORED) and problem:
        return _moderation_event(n, title, _problem_link(problem))
    if n.kind == NotificationKind.AREA_ALERT and problem:
        lines = [
            _("%(who)s proposed a new problem: “%(title)s”.", who=who, title=title),
            *_excerpt(problem.description),
        ]
        return Event(_("New problem: “%(title)s”", title=title), lines, _problem_link(problem))
    return None


def _moderation_event(n: Notification, title: str, link: str) -> Event:
    """A moderator (or the reports threshold) hid an author's problem or comment, or restored it."""
    comment = bool(n.comment_id)
    if n.kind == NotificationKind.HIDDEN:
        if comment:
            subject = _("Your comment on “%(title)s” was hidden", title=title)
            line = (
                _("Your comment on “%(title)s” was hidden by a moderator.", title=title)
                if n.actor_id
                else _(
                    "Your comment on “%(title)s” was hidden automatically after several reports, "
                    "until a moderator reviews it.",
                    title=title,
                )
            )
        else:
            subject = _("Your problem “%(title)s” was hidden", title=title)
            line = (
                _("Your problem “%(title)s” was hidden by a moderator.", title=title)
                if n.actor_id
                else _(
                    "Your problem “%(title)s” was hidden automatically after several reports, "
                    "until a moderator reviews it.",
                    title=title,
                )
            )
        lines = [line]
        if n.detail:
            lines.append(_("Reason: %(reason)s", reason=n.detail))
        lines += [
            "",
            _(
                "Only you and the moderators can see it now. If you think this is a mistake, ask for "
                "a review by writing to %(contact)s with a link to it.",
                contact=current_app.config["CONTACT_EMAIL"],
            ),
        ]
        return Event(subject, lines, link)
    if comment:
        subject = _("Your comment on “%(title)s” was restored", title=title)
        line = _("Your comment on “%(title)s” was restored by a moderator: everyone can see it again.", title=title)
    else:
        subject = _("Your problem “%(title)s” was restored", title=title)
        line = _("Your problem “%(title)s” was restored by a moderator: everyone can see it again.", title=title)
    lines = [line]
    if n.detail:
        lines.append(_("Note: %(note)s", note=n.detail))
    return Event(subject, lines, link)


def _problem_link(problem: Problem) -> str:
    return absolute_url("problems.show", problem_id=problem.id)


def _footer(reason: str, unsubscribe_line: str) -> list[str]:
    return [
        "",
        "-- ",
        reason,
        _("Choose what you hear about, and how: %(url)s", url=absolute_url("notify.settings")),
        unsubscribe_line,
    ]


def single(user_name: str, event: Event, topic_label: str, unsubscribe_url: str) -> tuple[str, str]:
    """(subject, body) of one event's email, in the current language."""
    site = current_app.config["SITE_NAME"]
    body = [
        _("Hello %(name)s,", name=user_name),
        "",
        *event.lines,
        "",
        _("See it on %(site)s:", site=site),
        event.link,
        *_footer(
            _("You receive this email for: %(topic)s.", topic=str(topic_label).lower()),
            _("Stop these emails (one click): %(url)s", url=unsubscribe_url),
        ),
    ]
    return event.subject, "\n".join(body) + "\n"


def digest(user_name: str, period: str, events: list[Event], unsubscribe_url: str) -> tuple[str, str]:
    """(subject, body) of a digest, in the current language: every event of the period, oldest first."""
    site = current_app.config["SITE_NAME"]
    count = len(events)
    if period == "weekly":
        subject = ngettext(
            "Your weekly digest from %(site)s: %(num)d update",
            "Your weekly digest from %(site)s: %(num)d updates",
            count,
            site=site,
        )
        since = _("Here is what happened since your last weekly digest.")
        reason = _("You receive this weekly digest by choice.")
        stop = _("Stop the weekly digest (one click): %(url)s", url=unsubscribe_url)
    else:
        subject = ngettext(
            "Your daily digest from %(site)s: %(num)d update",
            "Your daily digest from %(site)s: %(num)d updates",
            count,
            site=site,
        )
        since = _("Here is what happened since your last daily digest.")
        reason = _("You receive this daily digest by choice.")
        stop = _("Stop the daily digest (one click): %(url)s", url=unsubscribe_url)
    body = [_("Hello %(name)s,", name=user_name), "", since, ""]
    for number, event in enumerate(events, 1):
        body += [f"{number}. {event.lines[0]}", *("   " + line if line else "" for line in event.lines[1:])]
        body += [f"   {event.link}", ""]
    body += _footer(reason, stop)
    return subject, "\n".join(body) + "\n"
