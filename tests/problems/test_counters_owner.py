"""Only problems/counters.py writes the stored counters and the hot score.

A second place that writes them is how a dataset's demand drifted: each writer decided on its
own what counts. Reading them is fine; assigning them, or setting them in an UPDATE's
.values(...), happens in the counters module. (The city-scale bulk seeder, bench/city.py, lives
outside the package: it computes every counter in one pass, and tests/test_demo_city.py checks
it against a recount.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import civicboard

COUNTERS = {"vote_count", "comment_count", "follower_count", "hot", "problem_count", "demand"}
PACKAGE = Path(civicboard.__file__).parent
OWNERS = {PACKAGE / "problems" / "counters.py"}


def counter_writes(path: Path, root: Path = PACKAGE) -> list[str]:
    """'file:line name' for each assignment to a counter attribute or counter in .values(...)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.attr for t in targets if isinstance(t, ast.Attribute)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values":
            names = [k.arg for k in node.keywords if k.arg]
        found += [f"{path.relative_to(root)}:{node.lineno} {name}" for name in names if name in COUNTERS]
    return found


def test_no_module_but_counters_writes_a_stored_counter():
    writes = [w for path in sorted(PACKAGE.rglob("*.py")) if path not in OWNERS for w in counter_writes(path)]
    assert writes == []


def test_the_check_sees_a_counter_written_elsewhere(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        "def f(problem, t):\n    problem.vote_count += 1\n    problem.title = 'x'\n    t.values(demand=0)\n"
    )
    assert counter_writes(module, root=tmp_path) == ["sample.py:2 vote_count", "sample.py:4 demand"]
