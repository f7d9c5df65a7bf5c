"""Accessibility checks with axe-core (installed from npm by `make e2e-deps`, see package.json).

axe's script is read from node_modules and injected into the page under test. Playwright's
`page.add_script_tag(path=...)` inserts an inline <script>, which our Content-Security-Policy
(`script-src 'self'`) rightly refuses; a context with `bypass_csp=True` would allow it but would
also hide CSP violations from the journey. So the same file is evaluated through the DevTools
protocol instead, which the page's CSP does not govern, and the page keeps its real policy.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0-2.2 A and AA, plus axe's best practices; only serious and critical findings fail.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
NODES_SHOWN = 5


@functools.cache
def axe_source() -> str:
    """The axe-core script; a clear message when `npm ci` has not been run."""
    if not AXE_PATH.exists():
        message = f"{AXE_PATH} is missing: `make e2e-deps` installs it (npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE_PATH.read_text(encoding="utf-8")


def inject_axe(page: Page) -> None:
    """Make `window.axe` available in the page (once per document)."""
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    page.evaluate(axe_source())
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise RuntimeError("axe-core could not be loaded into the page")


def run_axe(page: Page, selector: str | None = None) -> dict[str, Any]:
    """Run axe on the whole page (or one element) and return its results."""
    inject_axe(page)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate(
        "async ([selector, options]) => await axe.run(selector ? document.querySelector(selector) : document, options)",
        [selector, options],
    )


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    """A readable report: rule, impact, what to fix, and the first offending elements."""
    lines = [f"{len(violations)} serious or critical accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        nodes = violation.get("nodes", [])
        for node in nodes[:NODES_SHOWN]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '')[:200]}")
            if summary:
                lines.append(f"       {summary[:400]}")
        if len(nodes) > NODES_SHOWN:
            lines.append(f"    ... and {len(nodes) - NODES_SHOWN} more element(s)")
    return "\n".join(lines)


def serious_violations(page: Page, selector: str | None = None) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds on the page."""
    results = run_axe(page, selector)
    return [v for v in results["violations"] if v.get("impact") in FAILING_IMPACTS]


def assert_no_serious_violations(page: Page, selector: str | None = None) -> None:
    """Fail with a readable report when axe finds serious or critical violations."""
    violations = serious_violations(page, selector)
    assert not violations, format_violations(violations, page.url)
