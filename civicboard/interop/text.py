"""Text helpers for open data: stored sanitized HTML to plain text, and XML-safe strings."""

from __future__ import annotations

import html as html_lib
import re

import nh3

# Characters XML 1.0 forbids even when escaped (most C0 controls, lone surrogates, U+FFFE/F).
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|pre|blockquote|tr)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)


def html_to_text(html: str | None, limit: int | None = None) -> str:
    """Plain text from stored (already sanitized) HTML; paragraphs become blank lines.

    Works from the stored HTML rather than re-rendering the Markdown, so a large export does
    not run the Markdown pipeline once per row.
    """
    if not html:
        return ""
    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n", html)
    text = html_lib.unescape(nh3.clean(marked, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs: list[str] = []
    for line in lines:
        if line:
            paragraphs.append(line)
        elif paragraphs and paragraphs[-1] != "":
            paragraphs.append("")
    text = "\n".join(paragraphs).strip()
    if limit is not None and len(text) > limit:
        text = " ".join(text[: limit - 1].split(" ")[:-1] or [text[: limit - 1]]).rstrip() + "…"
    return text


def excerpt(html: str | None, limit: int = 280) -> str:
    """A one-line plain-text excerpt of stored HTML."""
    return html_to_text(html, limit=limit).replace("\n\n", " ").replace("\n", " ")


def xml_safe(value: object) -> str:
    """A string XML 1.0 can carry: characters it forbids are dropped (escaping is the writer's job)."""
    return _XML_INVALID.sub("", "" if value is None else str(value))
