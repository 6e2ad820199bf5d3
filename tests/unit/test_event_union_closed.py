"""Every agent event is handled by name by both sinks (issue 23 item 10).

`ui/json_lines.py` and `ui/render.py` ended in `if isinstance(...)` chains that returned
None for anything else: a new event type was dropped without a word. Both are now a `match`
over `AgentEvent` ending in `assert_never` (mypy names a missing case); at run time an event
outside the union is an error, not silence.
"""

from __future__ import annotations

import ast
import io
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from solcoder.agent.events import AgentEvent
from solcoder.ui.json_lines import JsonLinesWriter
from solcoder.ui.render import StreamRenderer

UI = Path(__file__).parents[2] / "src" / "solcoder" / "ui"


@dataclass(frozen=True)
class NotAnAgentEvent:
    text: str = "nobody handles me"


def matched_classes(module: Path, function: str) -> set[str]:
    """The class names in the `case` patterns of every `function` in `module`."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {
        ast.unparse(pattern.cls)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == function
        for pattern in ast.walk(node)
        if isinstance(pattern, ast.MatchClass)
    }


@pytest.mark.parametrize(
    ("module", "function"), [("json_lines.py", "record"), ("render.py", "handle")]
)
def test_every_member_of_the_union_has_a_case(module: str, function: str) -> None:
    members = {member.__name__ for member in typing.get_args(AgentEvent)}
    assert members <= matched_classes(UI / module, function)


def test_the_json_sink_refuses_an_event_outside_the_union() -> None:
    event: Any = NotAnAgentEvent()
    with pytest.raises(AssertionError):
        JsonLinesWriter.record(event)


def test_the_screen_sink_refuses_an_event_outside_the_union() -> None:
    renderer = StreamRenderer(Console(file=io.StringIO()))
    event: Any = NotAnAgentEvent()
    with pytest.raises(AssertionError):
        renderer.handle(event)
