"""Every tool SolCoder itself offers, built for real, to write and check their snapshot
(`toolkits/specs.json`, read by `tools/snapshot.py`). Nothing at run time imports this module:
it imports every toolkit and every declared tool, which is what the snapshot spares a launch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from solcoder.tools.registry import ToolLike
from solcoder.tools.snapshot import SNAPSHOT
from solcoder.tools.toolkits import load_registry


def builtin_tools() -> list[ToolLike]:
    """Every tool SolCoder itself offers: the baseline toolkits, then the tools declared by a
    schema (workspace, programs, commands, and `load_skill`, offered when skills exist),
    which a launch attaches with its workspace. Their specs do not depend on the workspace,
    so none is given here: these are for the snapshot only."""
    from typing import cast

    from solcoder.commands.context import CommandContext
    from solcoder.skills.catalog import SkillSet
    from solcoder.tools.commands import command_tools
    from solcoder.tools.program_tools import program_tools
    from solcoder.tools.skills import LoadSkillTool
    from solcoder.tools.workspace import workspace_tools
    from solcoder.workspace.session import WorkspaceSession

    session = cast(WorkspaceSession, None)
    return [
        *load_registry(),
        *workspace_tools(session),
        *program_tools(session),
        *command_tools(cast(CommandContext, None)),
        LoadSkillTool(cast(SkillSet, None)),
    ]


def snapshot_of(tools: Iterable[ToolLike]) -> list[dict[str, Any]]:
    return [
        {
            "name": tool.name,
            "toolkit": tool.toolkit,
            "effect": tool.effect,
            "description": tool.description,
            "json_schema": tool.json_schema,
        }
        for tool in tools
    ]


def write_snapshot() -> None:
    """Renew `specs.json` from the tools (after a tool's signature or docstring changed)."""
    text = json.dumps(snapshot_of(builtin_tools()), indent=1, ensure_ascii=False)
    SNAPSHOT.write_text(text + "\n", encoding="utf-8")
