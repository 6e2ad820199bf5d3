"""Workspace-aware Solana tools: `describe_program {name?}` (read-only, from the manifests and
the built IDLs) and `scaffold_program {name, framework?, directory?}` (writes a starter).

Thin adapters, declared like the workspace tools (`tools/workspace.py`): the listing and the
description come from `solcoder.solana.program_info`, the starter's files from
`toolkits/code.py`, and the scaffold writes through `WorkspaceSession` exactly as `write_file`
does: the user sees the whole diff before approving (`--approve-edits` covers it), each file is
checkpointed so `/undo` removes the scaffold, and an existing file is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from solcoder.tools.registry import Assessment, ToolOutput
from solcoder.tools.workspace import WorkspaceTool
from solcoder.workspace.refusal import Refused

if TYPE_CHECKING:
    from solcoder.tools.registry import ToolRegistry
    from solcoder.workspace.session import WorkspaceSession

SCAFFOLD: Final = "scaffold_program"


def _describe(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    from solcoder.solana import program_info

    name = arguments.get("name")
    if not name:
        return ToolOutput(program_info.list_programs(session.root))
    return ToolOutput(program_info.describe(session.root, str(name)))


def _planned(
    session: WorkspaceSession, arguments: Mapping[str, Any]
) -> tuple[list[tuple[Any, bytes]], list[str], str]:
    """(targets with their new bytes, next commands, directory) or Refused; changes nothing."""
    from solcoder.tools.toolkits.code import scaffold_files

    try:
        crate, files, commands = scaffold_files(
            str(arguments["name"]), arguments.get("framework") or "anchor"
        )
    except ValueError as error:
        raise Refused(str(error)) from None
    directory = str(arguments.get("directory") or crate).strip("/") or "."
    planned = []
    existing = []
    for relative, content in files.items():
        path = relative if directory == "." else f"{directory}/{relative}"
        target = session.resolve_for_write(path)
        if target.absolute.exists():
            existing.append(target.relative)
        planned.append((target, content.encode("utf-8")))
    if existing:
        raise Refused(
            f"The scaffold would replace {', '.join(f'`{p}`' for p in existing[:5])}; it never "
            "overwrites. Choose another `directory` (or name), or edit those files instead."
        )
    return planned, commands, directory


def _scaffold(session: WorkspaceSession, arguments: Mapping[str, Any]) -> ToolOutput:
    with session.locked():
        planned, commands, directory = _planned(session, arguments)
        changes = tuple(session.apply(target, None, content) for target, content in planned)
    listing = "\n".join(f"- {change.path}" for change in changes)
    steps = "\n".join(f"  {command}" for command in commands)
    return ToolOutput(
        f"Created {len(changes)} files in `{directory}` (/undo removes them):\n{listing}\n"
        f"Next, from `{directory}`:\n{steps}",
        changes=changes,
    )


def _assess_scaffold(session: WorkspaceSession, arguments: Mapping[str, Any]) -> Assessment:
    try:
        planned, _, _ = _planned(session, arguments)
    except Refused as error:
        return Assessment("writes_files", problem=str(error))
    preview = "".join(
        session.preview(target.relative, None, content).diff for target, content in planned
    )
    return Assessment("writes_files", preview=preview)


def program_tools(session: WorkspaceSession) -> list[WorkspaceTool]:
    """describe_program and scaffold_program over `session`."""
    return [
        WorkspaceTool(
            "describe_program",
            "The workspace's Solana programs. Without a name: each program's name, framework, "
            "path, address and instruction count. With a name: its instructions with their "
            "accounts (signer, writable, PDA seeds) and args, account types, events, errors "
            "(from the IDL `anchor build` writes to target/idl/).",
            {
                "type": "object",
                "properties": {
                    "name": {
                        "type": "string",
                        "description": "A program name (omit to list the programs).",
                    }
                },
                "required": [],
                "additionalProperties": False,
            },
            "read_only",
            session,
            _describe,
        ),
        WorkspaceTool(
            SCAFFOLD,
            "Create a new Solana program's starter files in the workspace (an Anchor 1.0 "
            "counter with a TypeScript test on @anchor-lang/core, or native solana-program). "
            "The user sees the files and approves; existing files are never replaced; /undo "
            "removes the scaffold.",
            {
                "type": "object",
                "properties": {
                    "name": {
                        "type": "string",
                        "description": "Program name; converted to snake_case for the crate.",
                    },
                    "framework": {
                        "type": "string",
                        "enum": ["anchor", "native"],
                        "description": '"anchor" (default, recommended) or "native".',
                    },
                    "directory": {
                        "type": "string",
                        "description": "Where to create it, relative to the workspace root "
                        '(default: a new directory named after the program; "." for the root).',
                    },
                },
                "required": ["name"],
                "additionalProperties": False,
            },
            "writes_files",
            session,
            _scaffold,
            _assess_scaffold,
        ),
    ]


def attach_program_tools(registry: ToolRegistry, session: WorkspaceSession | None) -> None:
    """Offer describe_program and scaffold_program in `registry` (none without a workspace)."""
    if session is None:
        return
    for tool in program_tools(session):
        registry.add_external(tool)
