"""Fixtures for the open interfaces: staff, responses, evidence, challenges, an Atom checker."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import api_as, token_for  # noqa: F401  (fixtures shared with the API tests)
from tests.interop import factories

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def staff_member(user_factory) -> Any:
    """A staff member of Transportation."""
    return user_factory(name="Sam Staff", roles=["staff"], department="Transportation")


@pytest.fixture
def response_factory(staff_member) -> Callable[..., Any]:
    """response_factory(problem, body=..., status_to=..., department=..., created_at=...)."""

    def factory(problem, author=None, **fields):
        return factories.make_response(problem, author or staff_member, **fields)

    return factory


@pytest.fixture
def evidence_factory(staff_member) -> Callable[..., Any]:
    """evidence_factory(problem, dataset, stance=..., removed=...)."""

    def factory(problem, dataset, author=None, **fields):
        return factories.make_evidence(problem, dataset, author or staff_member, **fields)

    return factory


@pytest.fixture
def organizer(user_factory) -> Any:
    return user_factory(name="Olu Organizer", roles=["organizer"])


@pytest.fixture
def challenge_factory(organizer) -> Callable[..., Any]:
    """challenge_factory(slug, status="published")."""

    def factory(slug: str = "open-streets", **fields):
        return factories.make_challenge(organizer, slug, **fields)

    return factory


def parse_atom(body: bytes) -> ET.Element:
    """Parse a feed and check what RFC 4287 requires of it; returns the root element."""
    root = ET.fromstring(body)  # noqa: S314 - our own output, under test
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, f"feed needs exactly one {name}"
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    rels = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert rels.get("self", "").startswith("http")
    assert rels.get("alternate", "").startswith("http")
    feed_has_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "published"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, f"entry needs exactly one {name}"
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert RFC3339.match(entry.findtext(f"{ATOM}published"))
        assert feed_has_author or entry.findtext(f"{ATOM}author/{ATOM}name")
        assert entry.findtext(f"{ATOM}author/{ATOM}name"), "every entry names its author"
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1 and alternate[0].get("href").startswith("http")
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids)), "entry ids are unique"
    return root


def entries(root: ET.Element) -> list[dict[str, Any]]:
    """The entries of a parsed feed as dicts (title, id, link, content, author, published)."""
    result = []
    for entry in root.findall(f"{ATOM}entry"):
        result.append(
            {
                "id": entry.findtext(f"{ATOM}id"),
                "title": entry.findtext(f"{ATOM}title"),
                "link": entry.find(f"{ATOM}link").get("href"),
                "content": entry.findtext(f"{ATOM}content"),
                "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
                "published": entry.findtext(f"{ATOM}published"),
                "updated": entry.findtext(f"{ATOM}updated"),
                "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
            }
        )
    return result
