"""`/tools` and `solcoder tools` name every tool the model may call (issue 23 item 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solcoder.cli.interactive import mcp_tool_rows
from solcoder.cli.tools_cmd import BUILTIN_ORIGIN
from solcoder.mcp.manager import ServerSnapshot
from solcoder.tools import effects
from solcoder.tools.toolkits import default_registry


def test_the_listed_origin_is_the_registrys() -> None:
    assert BUILTIN_ORIGIN == effects.BUILTIN_ORIGIN


@dataclass
class FakeManager:
    states: list[ServerSnapshot] = field(default_factory=list)

    def snapshots(self) -> list[ServerSnapshot]:
        return self.states


def test_tools_names_each_mcp_server_whose_tools_are_not_listed_yet() -> None:
    manager: Any = FakeManager(
        [ServerSnapshot("time", "stopped"), ServerSnapshot("git", "failed", "no such file")]
    )
    rows = dict(mcp_tool_rows(manager, default_registry()))
    assert set(rows) == {"mcp:time", "mcp:git"}
    assert "the first request starts it" in rows["mcp:time"]
    assert "failed: no such file" in rows["mcp:git"]


def test_no_mcp_rows_without_servers() -> None:
    assert mcp_tool_rows(None, default_registry()) == []
