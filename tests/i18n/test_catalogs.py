"""Every language's catalog is complete and consistent with the English it translates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "civicboard" / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# Python's %(name)s / %s and str.format's {name} placeholders.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{(\w*)\}")


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def test_there_is_a_spanish_catalog():
    assert "es" in [path.parts[-3] for path in CATALOGS]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_message_is_translated_and_keeps_its_placeholders(path):
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"missing: {ids[0]!r}")
            continue
        for translated in strings:
            if _placeholders(translated) != _placeholders(ids[-1]) and _placeholders(translated) != _placeholders(
                ids[0]
            ):
                problems.append(f"placeholders differ: {ids[0]!r} -> {translated!r}")
    assert not problems, "\n".join(problems)
