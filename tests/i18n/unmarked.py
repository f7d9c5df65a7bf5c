"""Find the words a person reads that are not marked for translation.

Templates: every Jinja construct is cut out (a `{% trans %}` block and `{{ _("...") }}` with
it), then the HTML left is parsed; its text and the attributes people read (alt, title,
placeholder, aria-label, an input button's value) must hold no words. Python: the first argument of
flash(), of the validation errors services raise, and the label, description and message of
form fields must not be string literals (they go through gettext / lazy_gettext).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JINJA = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORD = re.compile(r"[A-Za-z]{2,}")
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description"}
BUTTON_TYPES = {"submit", "button", "reset"}
# Names and formats that read the same in every language, and HTML entities.
NOT_WORDS = {
    "CivicBoard",
    "JSON",
    "CSV",
    "API",
    "RSS",
    "Atom",
    "GeoJSON",
    "Open311",
    "OpenAPI",
    "DCAT",
    "UTC",
    "Markdown",
    "nbsp",
    "amp",
    "middot",
    "rarr",
    "larr",
    "hellip",
    "times",
    "mdash",
    "ndash",
    "quot",
}
CALLS = {"flash", "ValidationError", "ConflictError", "NotFound", "PermissionDenied"}
FIELD_KEYWORDS = ("label", "description", "message")


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        kept = dict(attrs)
        for name, value in attrs:
            # An input button shows its value; a <button>'s value is only sent with the form.
            shown_value = tag == "input" and name == "value" and kept.get("type") in BUTTON_TYPES
            readable = name in READ_ATTRIBUTES or shown_value
            if readable and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)

    def _check(self, value: str) -> None:
        if any(word not in NOT_WORDS for word in WORD.findall(value)):
            self.found.append((self.getpos()[0], " ".join(value.split())[:80]))


def unmarked_in_template(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each run of words in a template that is not marked."""
    source = path.read_text()
    # Keep the line count, so the lines reported are the template's own.
    stripped = JINJA.sub(lambda match: " " + "\n" * match.group(0).count("\n"), source)
    finder = _TextFinder()
    finder.feed(stripped)
    finder.close()
    return finder.found


def unmarked_in_python(path: Path) -> list[tuple[int, str]]:
    """(line, literal) of each message given as a bare string to flash, an error or a form field."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in CALLS:
            arguments = list(node.args[:1])
        elif name.endswith("Field"):
            arguments = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in FIELD_KEYWORDS]
        else:
            continue
        for argument in arguments:
            literal = isinstance(argument, ast.JoinedStr) or (
                isinstance(argument, ast.Constant) and isinstance(argument.value, str) and WORD.search(argument.value)
            )
            if literal:
                found.append((node.lineno, ast.unparse(argument)[:80]))
    return found
