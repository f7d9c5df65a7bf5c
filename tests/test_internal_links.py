"""Internal links are built with url_for, never written as paths: a route is spelled once."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A link attribute whose value starts with one "/" (not "//host", not "#anchor", not "http").
TEMPLATE_PATH_ATTRIBUTE = re.compile(r"""\b(?:href|action|src|formaction|data-[\w-]*url)\s*=\s*["']/(?!/)""")
# A path glued together in an expression: '/problems/' ~ p.id, absolute('/datasets/' ~ ...).
TEMPLATE_PATH_LITERAL = re.compile(r"""["']/[a-z][\w./-]*/["']\s*~""")
# An f-string that starts with a path, or a literal path handed to something that makes a link.
PYTHON_PATH = re.compile(
    r"""(?:\bf["']/[a-z{])"""
    r"""|(?:\b(?:redirect|site_url|absolute|problem_path|target_path)\(\s*["']/)"""
)


def _offenders(files, pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_templates_build_internal_links_with_url_for():
    templates = [p for p in (ROOT / "templates").rglob("*") if p.is_file()]
    assert templates
    offenders = _offenders(templates, TEMPLATE_PATH_ATTRIBUTE) + _offenders(templates, TEMPLATE_PATH_LITERAL)
    assert offenders == []


def test_python_builds_internal_links_with_url_for():
    modules = list((ROOT / "civicboard").rglob("*.py"))
    assert modules
    assert _offenders(modules, PYTHON_PATH) == []


def test_the_scan_catches_hard_coded_paths_and_allows_external_links_and_anchors():
    assert TEMPLATE_PATH_ATTRIBUTE.search('<a href="/problems/{{ p.id }}">')
    assert TEMPLATE_PATH_ATTRIBUTE.search("<form action='/search'>")
    assert TEMPLATE_PATH_LITERAL.search("{{ absolute('/datasets/' ~ d.id) }}")
    assert PYTHON_PATH.search('return f"/problems/{target.id}"')
    assert PYTHON_PATH.search('return redirect("/moderation")')
    assert not TEMPLATE_PATH_ATTRIBUTE.search('<a href="https://example.org/data">')
    assert not TEMPLATE_PATH_ATTRIBUTE.search('<a href="#main">')
    assert not TEMPLATE_PATH_ATTRIBUTE.search("<a href=\"{{ url_for('problems.index') }}\">")
