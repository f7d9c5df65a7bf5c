"""Words for people from machine values: a browser's User-Agent as "Firefox on Windows", an
audit entry's details as labelled lines instead of JSON."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# Checked in order: Edge and Opera announce Chrome too, Chrome announces Safari.
BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
TOOLS = (("curl/", "curl"), ("python-requests/", _l("a Python script")), ("Python-urllib/", _l("a Python script")))


def device_name(user_agent: str | None) -> str:
    """A User-Agent in a few words: 'Firefox on Windows', 'Safari on iPhone', 'curl'."""
    ua = user_agent or ""
    for marker, name in TOOLS:
        if marker in ua:
            return str(name)
    browser = next((name for marker, name in BROWSERS if marker in ua), None)
    system = next((name for marker, name in SYSTEMS if marker in ua), None)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or gettext("A browser on %(system)s", system=system)
    return gettext("An unknown browser")


def _label(key: str) -> str:
    words = re.sub(r"[_\-]+", " ", key).strip()
    words = re.sub(r"\bid(s?)\b", r"ID\1", words)
    return words[:1].upper() + words[1:]


def _text(value: Any) -> str:
    if value is None or value == "":
        return gettext("none")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value) or gettext("none")
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k))}: {_text(v)}" for k, v in value.items())
    return str(value)


def details(value: Any) -> list[tuple[str, str]]:
    """An audit entry's details as (label, text) lines: {'from': 'open', 'to': 'resolved'} ->
    [('From', 'open'), ('To', 'resolved')]."""
    if not value:
        return []
    if not isinstance(value, dict):
        return [(gettext("Details"), _text(value))]
    return [(_label(str(key)), _text(item)) for key, item in value.items()]


def action(value: str) -> str:
    """An audit action in words: 'problem.hide' -> 'Problem: hide', 'site_page.update' -> 'Site page: update'."""
    subject, _, verb = value.partition(".")
    if not verb:
        return _label(value)
    return f"{_label(subject)}: {verb.replace('_', ' ')}"
