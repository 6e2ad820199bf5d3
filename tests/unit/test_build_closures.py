"""`build()`'s inner functions read only names bound before them (issue 23 item 10).

`turn_number` read `conversation`, and `fallback` read `gate`, `workspace`, `commands` and
`budget`, all assigned further down `build()`: they worked only because nothing called them
before the end, and any reordering would have read a stale or missing value.
"""

from __future__ import annotations

import ast
from pathlib import Path

BUILD = Path(__file__).parents[2] / "src" / "solcoder" / "cli" / "build.py"


def late_reads(function: ast.FunctionDef) -> list[str]:
    """Names each nested function reads that `function` assigns after that nested def."""
    assigned: dict[str, list[int]] = {}
    nested: list[ast.FunctionDef] = []
    for node in ast.walk(function):
        if node is function:
            continue
        if isinstance(node, ast.FunctionDef):
            nested.append(node)
            assigned.setdefault(node.name, []).append(node.lineno)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            assigned.setdefault(node.id, []).append(node.lineno)
    inner_lines = {
        line for each in nested for sub in ast.walk(each) for line in [getattr(sub, "lineno", 0)]
    }
    problems: list[str] = []
    for each in nested:
        end = each.end_lineno or each.lineno
        local = {
            node.id
            for node in ast.walk(each)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        } | {argument.arg for argument in ast.walk(each.args) if isinstance(argument, ast.arg)}
        for node in ast.walk(each):
            if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
                continue
            if node.id in local or node.id == each.name:
                continue
            later = [
                line for line in assigned.get(node.id, []) if line > end and line not in inner_lines
            ]
            if later:
                problems.append(f"{each.name} reads {node.id} (assigned at line {later[0]})")
    return sorted(set(problems))


def test_no_inner_function_of_build_reads_a_name_bound_later() -> None:
    tree = ast.parse(BUILD.read_text(encoding="utf-8"))
    (build,) = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "build"
    ]
    assert late_reads(build) == []


def test_the_check_sees_a_late_read() -> None:
    source = (
        "def build():\n    def inner():\n        return later\n    later = 1\n    return inner\n"
    )
    (function,) = ast.parse(source).body
    assert isinstance(function, ast.FunctionDef)
    assert late_reads(function) == ["inner reads later (assigned at line 4)"]
