"""The shape of `src/`: no import cycle between modules or packages, and no upward import
between layers (data flows down, DESIGN.md section 1). Imports under `if TYPE_CHECKING:` are
annotations only and do not count; imports inside functions do (they run)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

LAYERS: dict[str, int] = {
    "solcoder": 0,
    "solcoder.errors": 0,
    "solcoder.secret": 0,
    "solcoder.jsonsafe": 0,
    "solcoder.urls": 0,
    "solcoder.secret_forms": 0,
    "solcoder.secret_shapes": 0,
    "solcoder.records": 0,
    "solcoder.loopless": 0,
    "solcoder.patterns": 0,
    "solcoder.words": 0,
    "solcoder.redact": 1,
    "solcoder.redact_stream": 1,
    "solcoder.terminal": 1,
    "solcoder.fsutil": 1,
    "solcoder.credentials": 2,
    "solcoder.workspace": 2,
    "solcoder.solana": 2,
    "solcoder.shell": 2,
    "solcoder.llm": 2,
    "solcoder.config": 3,
    "solcoder.tools": 3,
    "solcoder.sandbox": 3,
    "solcoder.commands": 3,
    "solcoder.sessions": 3,
    "solcoder.skills": 3,
    "solcoder.hooks": 3,
    "solcoder.telemetry": 4,
    "solcoder.agent": 4,
    "solcoder.mcp": 4,
    "solcoder.middleware": 5,
    "solcoder.replay": 5,
    "solcoder.ui": 5,
    "solcoder.cli": 6,
    "solcoder.__main__": 6,
}
"""Lower layers never import higher ones. A new top-level module or package must be placed."""

LLM_LAYERS: dict[str, int] = {
    "solcoder.llm": 0,
    "solcoder.llm.messages": 0,
    "solcoder.llm.events": 0,
    "solcoder.llm.serialize": 0,
    "solcoder.llm.tokens": 0,
    "solcoder.llm.partial": 0,
    "solcoder.llm.wire": 1,
    "solcoder.llm.catalog": 2,
    "solcoder.llm.transport": 3,
    "solcoder.llm.providers": 4,
}
"""The rooms of `llm/`, bottom up: core types, what goes over the wire, what a provider is, how
bytes travel, and what answers a request. A new room or module in `llm/` must be placed."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted((SRC / "solcoder").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[module_name(path)] = {name for name in found if name.split(".")[0] == "solcoder"}
    return graph


def collapse(graph: dict[str, set[str]], depth: int) -> dict[str, set[str]]:
    def cut(name: str) -> str:
        return ".".join(name.split(".")[:depth])

    collapsed: dict[str, set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            if cut(source) != cut(target):
                collapsed.setdefault(cut(source), set()).add(cut(target))
    return collapsed


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative enough)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_modules_or_packages() -> None:
    graph = imports()
    for depth in (2, 3, 99):
        assert cycles(collapse(graph, depth)) == [], f"import cycle at depth {depth}"


def test_no_upward_import_between_layers() -> None:
    upward = []
    for source, targets in collapse(imports(), 2).items():
        assert source in LAYERS, f"{source} has no layer: add it to LAYERS"
        for target in targets:
            assert target in LAYERS, f"{target} has no layer: add it to LAYERS"
            if LAYERS[target] > LAYERS[source]:
                upward.append(f"{source} -> {target}")
    assert upward == []


def test_no_upward_import_between_the_rooms_of_llm() -> None:
    upward = []
    for source, targets in collapse(imports(), 3).items():
        if not source.startswith("solcoder.llm"):
            continue
        assert source in LLM_LAYERS, f"{source} has no layer: add it to LLM_LAYERS"
        for target in targets:
            if not target.startswith("solcoder.llm"):
                continue
            assert target in LLM_LAYERS, f"{target} has no layer: add it to LLM_LAYERS"
            if LLM_LAYERS[target] > LLM_LAYERS[source]:
                upward.append(f"{source} -> {target}")
    assert upward == []


def test_the_guard_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
