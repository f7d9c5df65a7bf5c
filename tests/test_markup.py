"""Markdown is rendered to HTML that is safe to show: no scripts, handlers, images or bad links."""

from __future__ import annotations

import re

import pytest

from civicboard.markup import render, render_plain

HREFS = re.compile(r'href="([^"]*)"')


def hrefs(html: str) -> list[str]:
    return HREFS.findall(html)


def test_script_tags_are_shown_as_text():
    html = render("<script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_img_with_onerror_is_not_markup():
    html = render('<img src="x" onerror="alert(1)">')
    assert "<img" not in html
    assert "&lt;img" in html  # shown as text, so the handler is inert


def test_svg_onload_is_not_markup():
    html = render("<svg onload=alert(1)>")
    assert "<svg" not in html


def test_raw_html_attributes_never_become_attributes():
    html = render('<a href="javascript:alert(1)" onclick="x()">x</a>')
    assert "<a " not in html
    assert "&lt;a" in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](vbscript:msgbox(1))",
    ],
)
def test_script_urls_lose_their_href(link):
    html = render(link)
    assert all("script" not in href.lower() for href in hrefs(html))
    assert ">x</a>" in html


def test_reference_style_links_are_sanitised_too():
    html = render("[click me][1]\n\n[1]: javascript:alert(1)")
    assert "javascript" not in html.lower()
    assert ">click me</a>" in html


def test_reference_style_links_to_the_web_work():
    html = render("See [the data][d].\n\n[d]: https://data.example.org/x")
    assert hrefs(html) == ["https://data.example.org/x"]


def test_data_urls_are_refused():
    html = render("[x](data:text/html;base64,PHNjcmlwdD4=)")
    assert "data:" not in html


def test_links_carry_nofollow_ugc_noopener():
    html = render("[ok](https://example.org/page)")
    assert '<a href="https://example.org/page" rel="nofollow ugc noopener">ok</a>' in html


def test_autolinks_are_links_with_rel():
    html = render("<https://example.org>")
    assert 'href="https://example.org"' in html and 'rel="nofollow ugc noopener"' in html


def test_mailto_links_are_allowed():
    assert hrefs(render("[mail](mailto:a@example.org)")) == ["mailto:a@example.org"]


def test_images_are_not_shown_but_linked():
    html = render("![a pothole](https://example.org/pothole.png)")
    assert "<img" not in html
    assert '<a href="https://example.org/pothole.png" rel="nofollow ugc noopener">a pothole</a>' in html


def test_image_with_a_script_url_keeps_no_href():
    html = render("![x](javascript:alert(1))")
    assert "<img" not in html and "javascript" not in html


def test_link_titles_cannot_break_out_into_attributes():
    html = render('[x](https://a.example "t" onmouseover="alert(1)")')
    assert 'onmouseover="' not in html  # at most text inside the title attribute


def test_headings_start_below_the_page_headings():
    assert render("# Big\n\n## Smaller") == "<h3>Big</h3>\n<h4>Smaller</h4>"


def test_code_blocks_escape_their_content():
    html = render("```\n<script>alert(1)</script>\n```")
    assert "<pre><code>&lt;script&gt;" in html


def test_tables_render():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html


def test_empty_text_renders_nothing():
    assert render("") == "" and render(None) == ""


def test_plain_excerpt_strips_markup_and_truncates():
    text = render_plain("**Bold** [link](https://e.org) " + "word " * 100, limit=40)
    assert "<" not in text and text.startswith("Bold link")
    assert len(text) <= 40 and text.endswith("…")
