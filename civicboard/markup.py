"""Markdown to sanitized HTML: the only place user text becomes markup.

Python-Markdown does not sanitize (and its old escape mode still let `javascript:` links
through), so its output goes through nh3 with an allowlist: no raw HTML, no images, links
only to http, https and mailto, each with rel="nofollow ugc noopener". Images are not shown
(an image would let any poster see who reads the page): `![alt](url)` becomes a link to it.
"""

from __future__ import annotations

import html as html_lib
import threading

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]


_local = threading.local()


class _ImagesAsLinks(Treeprocessor):
    """Turn every <img> into a link to the image, its alt text as the link text."""

    def run(self, root):
        for element in root.iter("img"):
            src, alt, title = element.get("src", ""), element.get("alt", ""), element.get("title")
            element.tag = "a"
            element.attrib.clear()
            element.set("href", src)
            if title:
                element.set("title", title)
            element.text = alt or src
        return None


def _markdown() -> markdown.Markdown:
    """A per-thread Markdown instance with raw HTML turned off (shown as text, not dropped)."""
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 0)
        _local.md = md
    return md.reset()


def render(text: str | None) -> str:
    """Render Markdown to HTML that is safe to show as-is."""
    if not text:
        return ""
    html = _markdown().convert(text)
    # Headings inside user content start at h3, below the page's own h1 and h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_plain(text: str | None, limit: int = 280) -> str:
    """A plain-text excerpt (for feeds, meta descriptions and lists)."""
    if not text:
        return ""
    cleaned = nh3.clean(render(text), tags=set())
    cleaned = " ".join(cleaned.split())
    cleaned = html_lib.unescape(cleaned)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rsplit(" ", 1)[0] + "…"
