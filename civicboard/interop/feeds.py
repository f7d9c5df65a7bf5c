"""Atom 1.0 feeds (RFC 4287): newest problems, a dataset's activity, a challenge's additions.

Feeds are built as plain data (Feed, Entry), then written with xml.etree, which escapes text
and attributes; characters XML forbids are dropped first. Entry ids are tag: URIs (RFC 4151)
naming the board's host and the day the item was created, so they never change afterwards.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from markupsafe import Markup

from civicboard.challenges.models import Challenge, ChallengeProblem, Project
from civicboard.datasets.models import Dataset
from civicboard.i18n import offered
from civicboard.interop.links import problem_url, site_url_for, tag_uri
from civicboard.interop.queries import FEED_LIMIT
from civicboard.interop.text import xml_safe
from civicboard.problems.models import STATUS_LABELS, Problem, ProblemStatus
from civicboard.staff.models import Evidence, Response
from civicboard.timeutil import isoformat_z, utcnow

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"


@dataclass
class Entry:
    """One Atom entry."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str
    content_html: str = ""
    categories: list[tuple[str, str]] = field(default_factory=list)
    enclosure: str | None = None  # a photo's URL (rel="enclosure")


@dataclass
class Feed:
    """An Atom feed: its identity, its links and its entries (newest first)."""

    id: str
    title: str
    self_url: str
    alternate_url: str
    subtitle: str = ""
    entries: list[Entry] = field(default_factory=list)
    # Used as the feed's <updated> when it has no entries.
    fallback_updated: datetime | None = None

    @property
    def updated(self) -> datetime:
        if self.entries:
            return max(entry.updated for entry in self.entries)
        return self.fallback_updated or utcnow()


def _sub(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def render(feed: Feed, site_name: str) -> bytes:
    """The feed as UTF-8 Atom XML."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title)
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle)
    _sub(root, "updated", isoformat_z(feed.updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    # A feed-level author covers any entry without one (RFC 4287, 4.1.1).
    author = _sub(root, "author")
    _sub(author, "name", site_name)
    _sub(root, "generator", site_name)
    for item in feed.entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", item.id)
        _sub(entry, "title", item.title, type="text")
        _sub(entry, "link", rel="alternate", type="text/html", href=item.link)
        if item.enclosure:
            _sub(entry, "link", rel="enclosure", href=item.enclosure)
        _sub(entry, "published", isoformat_z(item.published))
        _sub(entry, "updated", isoformat_z(item.updated))
        entry_author = _sub(entry, "author")
        _sub(entry_author, "name", item.author)
        for term, label in item.categories:
            _sub(entry, "category", term=term, label=label)
        # type="html": the sanitized HTML travels as escaped text, as RFC 4287 (3.1.1.2) says.
        _sub(entry, "content", item.content_html, type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# -- entries from the domain -------------------------------------------------------------------


def stored_html(html: str | None) -> Markup:
    """HTML stored by civicboard.markup.render on write, already sanitized there."""
    return Markup(html or "")  # noqa: S704 - sanitized with an allowlist when it was stored


def _status_label(status: str | None) -> str:
    """A status's name in the board's first language: a feed is data, the same for every reader."""
    try:
        with force_locale(offered()[0].replace("-", "_")):
            return str(STATUS_LABELS[ProblemStatus(status)])
    except ValueError:
        return status or ""


def problem_entry(problem: Problem) -> Entry:
    """A problem as an entry: its description, its category and status as Atom categories."""
    categories = [(f"status:{problem.status}", _status_label(problem.status))]
    if problem.category is not None:
        categories.insert(0, (problem.category.slug, problem.category.name))
    content = stored_html(problem.description_html)
    if problem.data_request:
        content += Markup("<p><strong>Data requested:</strong> {}</p>").format(problem.data_request)
    photo = None
    if problem.cover_photo_key:  # the first public photo, kept on the row: no query per entry
        photo = site_url_for("problems.photo_file", key=problem.cover_photo_key)
        content += Markup('<p><a href="{0}">Photo</a></p>').format(photo)
    if problem.address:
        content += Markup("<p><strong>Where:</strong> {}</p>").format(problem.address)
    return Entry(
        id=tag_uri(problem.created_at, f"problems/{problem.id}"),
        title=problem.title,
        link=problem_url(problem.id),
        published=problem.created_at,
        updated=max(problem.updated_at, problem.status_changed_at or problem.updated_at),
        author=problem.author.name,
        content_html=str(content),
        categories=categories,
        enclosure=photo,
    )


def response_entry(response: Response, problem_title: str) -> Entry:
    """An official response, signed by its department."""
    signed = response.department.name if response.department is not None else response.author.name
    content = stored_html(response.body_html)
    if response.status_to and response.status_to != response.status_from:
        content = Markup("<p><strong>Status:</strong> {}</p>").format(_status_label(response.status_to)) + content
    return Entry(
        id=tag_uri(response.created_at, f"responses/{response.id}"),
        title=f"Official response: {problem_title}",
        link=problem_url(response.problem_id, anchor=f"response-{response.id}"),
        published=response.created_at,
        updated=response.created_at,
        author=signed,
        content_html=str(content),
        categories=[("response", "Official response")],
    )


def evidence_entry(evidence: Evidence, problem_title: str) -> Entry:
    """Evidence citing a dataset: its stance, caption, link and as-of date."""
    parts = [Markup("<p><strong>{}</strong></p>").format(evidence.stance.capitalize())]
    if evidence.caption:
        parts.append(Markup("<p>{}</p>").format(evidence.caption))
    if evidence.url:
        parts.append(Markup('<p><a href="{0}" rel="nofollow ugc noopener">{0}</a></p>').format(evidence.url))
    if evidence.as_of:
        parts.append(Markup("<p>Data as of {}</p>").format(evidence.as_of.isoformat()))
    author = evidence.created_by
    signed = author.department.name if author.department is not None else author.name
    return Entry(
        id=tag_uri(evidence.created_at, f"evidence/{evidence.id}"),
        title=f"Evidence ({evidence.stance}): {problem_title}",
        link=problem_url(evidence.problem_id, anchor=f"evidence-{evidence.id}"),
        published=evidence.created_at,
        updated=evidence.updated_at or evidence.created_at,
        author=signed,
        content_html=str(Markup("").join(parts)),
        categories=[("evidence", "Evidence")],
    )


def curated_problem_entry(challenge: Challenge, item: ChallengeProblem) -> Entry:
    """A problem added to a challenge, with the organizer's note."""
    problem = item.problem
    content = stored_html(problem.description_html)
    if item.note:
        content = Markup("<p><strong>Organizer's note:</strong> {}</p>").format(item.note) + content
    return Entry(
        id=tag_uri(item.added_at, f"challenges/{challenge.slug}/problems/{problem.id}"),
        title=problem.title,
        link=problem_url(problem.id),
        published=item.added_at,
        updated=max(item.added_at, problem.updated_at),
        author=problem.author.name,
        content_html=str(content),
        categories=[("problem", "Curated problem")],
    )


def project_entry(challenge: Challenge, project: Project, submitter: str) -> Entry:
    """A project submitted to a challenge, with its links."""
    content = stored_html(project.description_html)
    for label, url in (("Repository", project.repository_url), ("Demo", project.demo_url)):
        if url:
            content += Markup('<p>{0}: <a href="{1}" rel="nofollow ugc noopener">{1}</a></p>').format(label, url)
    return Entry(
        id=tag_uri(project.created_at, f"challenges/{challenge.slug}/projects/{project.id}"),
        title=f"Project: {project.name}",
        link=site_url_for("challenges.show", slug=challenge.slug, _anchor=f"project-{project.id}"),
        published=project.created_at,
        updated=project.updated_at or project.created_at,
        author=project.team_names.strip() or submitter,
        content_html=str(content),
        categories=[("project", "Project")],
    )


def newest(entries: Iterable[Entry], limit: int = FEED_LIMIT) -> list[Entry]:
    """Entries newest first (by publication, then id for a stable order), at most `limit`."""
    return sorted(entries, key=lambda e: (e.published, e.id), reverse=True)[:limit]


def problems_feed(problems: list[Problem], site_name: str) -> Feed:
    """The newest problems on the board."""
    return Feed(
        id=site_url_for("interop.problems_feed"),
        title=f"{site_name}: newest problems",
        subtitle="Problems residents propose around the city's open data.",
        self_url=site_url_for("interop.problems_feed"),
        alternate_url=site_url_for("problems.index", sort="new"),
        entries=[problem_entry(p) for p in problems],
    )


def dataset_feed(
    dataset: Dataset,
    problems: list[Problem],
    responses: list[tuple[Response, str]],
    evidence: list[tuple[Evidence, str]],
    site_name: str,
) -> Feed:
    """Problems tied to a dataset, official responses on them and evidence citing the dataset."""
    entries = [problem_entry(p) for p in problems]
    entries += [response_entry(r, title) for r, title in responses]
    entries += [evidence_entry(e, title) for e, title in evidence]
    return Feed(
        id=site_url_for("interop.dataset_feed", dataset_id=dataset.id),
        title=f"{site_name}: {dataset.title}",
        subtitle="Problems tied to this dataset, official responses to them, and evidence citing it.",
        self_url=site_url_for("interop.dataset_feed", dataset_id=dataset.id),
        alternate_url=site_url_for("datasets.show", dataset_id=dataset.id),
        entries=newest(entries),
        fallback_updated=dataset.updated_at,
    )


def challenge_feed(
    challenge: Challenge,
    curated: list[ChallengeProblem],
    projects: list[tuple[Project, str]],
    site_name: str,
) -> Feed:
    """A published challenge's curated problems and submitted projects."""
    entries = [curated_problem_entry(challenge, item) for item in curated]
    entries += [project_entry(challenge, project, name) for project, name in projects]
    return Feed(
        id=site_url_for("interop.challenge_feed", slug=challenge.slug),
        title=f"{site_name}: {challenge.title}",
        subtitle=f"Problems curated for the challenge “{challenge.title}” and the projects submitted to it.",
        self_url=site_url_for("interop.challenge_feed", slug=challenge.slug),
        alternate_url=site_url_for("challenges.show", slug=challenge.slug),
        entries=newest(entries),
        fallback_updated=challenge.updated_at,
    )
