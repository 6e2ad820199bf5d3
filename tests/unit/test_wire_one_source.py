"""A new wire protocol is one adapter file and one line (issue 23 item 11).

What a wire does by default (its reasoning control and round trip, whether its reasoning
object takes a budget) and where it is served used to be restated in tables keyed by wire
name in `wire/reasoning.py` and `wire/error_hints.py`; a new wire had to be added to each.
The defaults are declared on the adapter class and read through `wire/registry.py`; the
name, path and title are declared once, in `wire/names.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from solcoder.llm.wire import registry
from solcoder.llm.wire.names import WIRE_APIS

LLM = Path(__file__).parents[2] / "src" / "solcoder" / "llm"

ALLOWED = {
    # Provider data for llama.cpp (how it forces a tool on each wire), not a fact of a wire.
    ("catalog/providers.py", "LLAMA_CPP_FORCED_TOOL"),
    # The registry's own line per wire.
    ("wire/registry.py", "ADAPTERS"),
    # Each wire's name, endpoint path and title, import-free: the error advice the adapters
    # themselves give reads it (the registry would be an import cycle there).
    ("wire/names.py", "ENDPOINTS"),
}


def _names(node: ast.AST) -> set[str]:
    return {
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
    }


def tables_keyed_by_every_wire() -> set[tuple[str, str]]:
    """(module, name) of each module-level dict or tuple naming every wire in its keys or
    rows."""
    every = set(WIRE_APIS)
    found: set[tuple[str, str]] = set()
    for path in sorted(LLM.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            target, value = None, None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            if not isinstance(target, ast.Name) or value is None:
                continue
            if isinstance(value, ast.Dict):
                keys = {k.value for k in value.keys if isinstance(k, ast.Constant)}
            elif isinstance(value, ast.Tuple | ast.List):
                rows = [row for row in value.elts if isinstance(row, ast.Tuple)]
                keys = set().union(*(_names(row) for row in rows)) if rows else set()
            else:
                continue
            if every <= keys:
                found.add((str(path.relative_to(LLM)), target.id))
    return found


def test_no_table_outside_the_registry_restates_the_wires() -> None:
    assert tables_keyed_by_every_wire() - ALLOWED == set()


def test_the_registry_speaks_exactly_the_named_wires() -> None:
    assert tuple(registry.ADAPTERS) == WIRE_APIS
    for name, kind in registry.ADAPTERS.items():
        assert kind.api == name


def test_facts_are_read_from_the_adapters() -> None:
    assert registry.wire("chat").default_reasoning_style == "reasoning_effort"
    assert registry.wire("messages").default_reasoning_roundtrip is True
    assert registry.wire("chat").reasoning_object_budget is True
    assert registry.wire("responses").path == "/responses"
    assert registry.wire("messages").title == "Anthropic Messages"
