"""Words for people from machine values: a browser's User-Agent as "Firefox on Windows", an
audit entry's details as labelled lines instead of JSON."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext, pgettext
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


# The audit log's machine names in words. Entries name what they touch ("problem.hide", a
# detail "status_from": "open"); these say it in the reader's language (in English, the
# name's own words). A name not listed here is shown as its words ("site_branding" -> "Site
# branding"), so nothing is ever hidden; add it here to translate it.
AUDIT_SUBJECTS = {
    "problem": _l("Problem"),
    "comment": _l("Comment"),
    "photo": _l("Photo"),
    "user": _l("User"),
    "role": _l("Role"),
    "department": _l("Department"),
    "category": _l("Category"),
    "challenge": _l("Challenge"),
    "project": _l("Project"),
    "evidence": _l("Evidence"),
    "response": _l("Response"),
    "data_request": _l("Data request"),
    "reopen_request": _l("Reopen request"),
    "flags": _l("Flags"),
    "dataset": _l("Dataset"),
    "source": _l("Source"),
    "site_page": _l("Site page"),
    "site_branding": _l("Site branding"),
}
AUDIT_DETAILS = {
    "from": _l("From"),
    "to": _l("To"),
    "status": _l("Status"),
    "status_from": _l("Status from"),
    "status_to": _l("Status to"),
    "before": _l("Before"),
    "after": _l("After"),
    "changes": _l("Changes"),
    "name": _l("Name"),
    "title": _l("Title"),
    "description": _l("Description"),
    "slug": _l("Slug"),
    "role": _l("Role"),
    "roles": _l("Roles"),
    "department": _l("Department"),
    "department_id": _l("Department ID"),
    "active": _l("Active"),
    "datasets": _l("Datasets"),
    "dataset_id": _l("Dataset ID"),
    "dataset_ids": _l("Dataset IDs"),
    "problem_id": _l("Problem ID"),
    "response_id": _l("Response ID"),
    "request_id": _l("Request ID"),
    "duplicate_of": _l("Duplicate of"),
    "url": _l("URL"),
    "caption": _l("Caption"),
    "stance": _l("Stance"),
    "as_of": _l("As of"),
    "photo": _l("Photo"),
    "reason": _l("Reason"),
    "until": _l("Until"),
    "award": _l("Award"),
    "featured": _l("Featured"),
    "direction": _l("Direction"),
    "fields": _l("Fields"),
    "automatic": _l("Automatic"),
    "was_hidden": _l("Was hidden"),
    "open_flags": _l("Open flags"),
    "resolved_flags": _l("Resolved flags"),
    "dismissed": _l("Dismissed"),
    "restored": _l("Restored"),
    "remove_unanswered": _l("Remove unanswered"),
}
# Values that are names in code, in words, for the details that hold them.
AUDIT_VALUES = {
    "status": {
        "open": _l("Open"),
        "acknowledged": _l("Acknowledged"),
        "in_progress": _l("In progress"),
        "resolved": _l("Resolved"),
        "declined": _l("Declined"),
        "duplicate": _l("Duplicate"),
        "draft": _l("Draft"),
        "published": _l("Published"),
        "closed": _l("Closed"),
    },
    "role": {
        "resident": _l("Resident"),
        "staff": _l("City staff"),
        "moderator": _l("Moderator"),
        "organizer": _l("Organizer"),
        "admin": _l("Administrator"),
    },
    "stance": {"supports": _l("Supports"), "contradicts": _l("Contradicts")},
}
VALUE_KINDS = {
    "from": "status",
    "to": "status",
    "status": "status",
    "status_from": "status",
    "status_to": "status",
    "role": "role",
    "roles": "role",
    "stance": "stance",
}


def _verbs() -> dict[str, str]:
    """What was done, in words: the English keeps the action's own word ("problem.hide" ->
    "hide"); other languages say it their way (a context of its own: "close" is not "closed")."""
    return {
        "create": pgettext("audit action", "create"),
        "update": pgettext("audit action", "update"),
        "edit": pgettext("audit action", "edit"),
        "hide": pgettext("audit action", "hide"),
        "restore": pgettext("audit action", "restore"),
        "lock": pgettext("audit action", "lock"),
        "unlock": pgettext("audit action", "unlock"),
        "merge": pgettext("audit action", "merge"),
        "status": pgettext("audit action", "status"),
        "publish": pgettext("audit action", "publish"),
        "reopen": pgettext("audit action", "reopen"),
        "reopened": pgettext("audit action", "reopened"),
        "close": pgettext("audit action", "close"),
        "answer": pgettext("audit action", "answer"),
        "assign": pgettext("audit action", "assign"),
        "move": pgettext("audit action", "move"),
        "datasets": pgettext("audit action", "datasets"),
        "dismiss": pgettext("audit action", "dismiss"),
        "dismissed": pgettext("audit action", "dismissed"),
        "delete": pgettext("audit action", "delete"),
        "remove": pgettext("audit action", "remove"),
        "award": pgettext("audit action", "award"),
        "feature": pgettext("audit action", "feature"),
        "grant": pgettext("audit action", "grant"),
        "revoke": pgettext("audit action", "revoke"),
        "ban": pgettext("audit action", "ban"),
        "unban": pgettext("audit action", "unban"),
        "email_change": pgettext("audit action", "email change"),
    }


def _label(key: str) -> str:
    if key in AUDIT_DETAILS:
        return str(AUDIT_DETAILS[key])
    words = re.sub(r"[_\-]+", " ", key).strip()
    words = re.sub(r"\bid(s?)\b", r"ID\1", words)
    return words[:1].upper() + words[1:]


def _text(value: Any, key: str = "") -> str:
    if value is None or value == "":
        return gettext("none")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        return ", ".join(_text(item, key) for item in value) or gettext("none")
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k))}: {_text(v, str(k))}" for k, v in value.items())
    words = AUDIT_VALUES.get(VALUE_KINDS.get(key, ""), {}).get(value) if isinstance(value, str) else None
    return str(words) if words is not None else str(value)


def details(value: Any) -> list[tuple[str, str]]:
    """An audit entry's details as (label, text) lines: {'from': 'open', 'to': 'resolved'} ->
    [('From', 'Open'), ('To', 'Resolved')]."""
    if not value:
        return []
    if not isinstance(value, dict):
        return [(gettext("Details"), _text(value))]
    return [(_label(str(key)), _text(item, str(key))) for key, item in value.items()]


def subject(value: str) -> str:
    """What an audit entry touched, in words: 'problem' -> 'Problem', 'site_page' -> 'Site page'."""
    words = AUDIT_SUBJECTS.get(value)
    return str(words) if words is not None else _label(value)


def action(value: str) -> str:
    """An audit action in words: 'problem.hide' -> 'Problem: hide', 'user.create' -> 'Account: create'."""
    name, _, verb = value.partition(".")
    if not verb:
        return subject(value)
    words = _verbs().get(verb)
    return gettext("%(subject)s: %(action)s", subject=subject(name), action=words or verb.replace("_", " "))
