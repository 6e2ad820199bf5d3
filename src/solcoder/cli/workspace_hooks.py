"""The REPL's workspace commands: `/undo`, `/diff` and `@file` mentions, over the session's
`WorkspaceSession` (checkpoints, path rules, what the model has read)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

    from solcoder.agent.conversation import Conversation
    from solcoder.workspace.checkpoint_records import UndoResult
    from solcoder.workspace.checkpoints import CheckpointStore
    from solcoder.workspace.session import WorkspaceSession

Ask = Callable[[str], Awaitable[str]]
MENTION_LIST_TTL_S = 5.0
"""How long the file list behind `@` completion is reused before the tree is walked again."""


def undo_lines(result: UndoResult, root: str) -> list[str]:
    lines = [f"Undid turn {result.turn} in {root}:"]
    lines += [f"  {action} {path}" for path, action in result.restored]
    return lines


def diff_text(store: CheckpointStore | None) -> str:
    """Every file this session changed and has not undone: its first recorded content
    against what is on disk now, as unified diffs."""
    from solcoder.workspace.diffs import unified

    changes = store.session_changes() if store is not None else []
    if not changes:
        return "No changes in this session."
    parts: list[str] = []
    for change in changes:
        before = _text(change.original)
        after = _text(change.current)
        if before == after:
            continue
        parts.append(unified(change.path, before, after).text.rstrip("\n"))
    return "\n".join(parts) if parts else "No changes in this session (all were undone)."


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace").removeprefix("\ufeff")


def workspace_hooks(
    workspace: WorkspaceSession | None, conversation: Conversation
) -> dict[str, Any]:
    """`ReplHost` fields for the workspace (none without one)."""
    if workspace is None:
        return {}
    commands = conversation.commands

    def processes() -> list[tuple[str, str]]:
        if commands is None or not commands.has_processes():
            return []
        return [
            (info.id, f"{info.state.describe()} · {info.command}")
            for info in commands.processes.list()
        ]

    from solcoder.errors import NothingToUndo, UndoConflict

    async def undo(ask: Ask | None) -> RenderableType:
        from rich.text import Text

        store = workspace.store()
        if store is None:
            return "Nothing to undo: this run keeps no checkpoints."
        try:
            result = await asyncio.to_thread(store.undo_last)
        except NothingToUndo:
            return "Nothing to undo in this session."
        except UndoConflict as conflict:
            if ask is None:
                raise
            answer = await ask(f"{conflict.message} Undo anyway? [y]es / [n]o › ")
            if answer.strip().lower() not in {"y", "yes"}:
                return "Undo cancelled; nothing was changed."
            result = await asyncio.to_thread(store.undo_last, force=conflict.paths)
        for path, _ in result.restored:
            workspace.ledger.forget(path)
        conversation.record_undo(result.turn, [(path, action) for path, action in result.restored])
        return Text("\n".join(undo_lines(result, str(workspace.root))), style="green")

    def diff() -> RenderableType:
        from rich.console import Group
        from rich.text import Text

        from solcoder.ui.diff_view import diff_lines

        shown = diff_text(workspace.store())
        if not shown.startswith(("---", "diff")):
            return Text(shown, style="yellow")
        return Group(*diff_lines(shown, max_lines=None))

    def attach(prompt: str) -> tuple[str, list[str]]:
        from solcoder.workspace.mentions import attach_mentions

        attached = attach_mentions(prompt, workspace)
        lines = [f"attached {path}" for path in attached.files] + attached.notes
        return attached.text, lines

    cache: dict[str, Any] = {"at": 0.0, "paths": ()}

    def mention_paths() -> Sequence[str]:
        from solcoder.workspace.listing import list_files

        now = time.monotonic()
        if now - cache["at"] > MENTION_LIST_TTL_S:
            cache["paths"] = list_files(workspace.root, max_entries=5000).paths
            cache["at"] = now
        paths: Sequence[str] = cache["paths"]
        return paths

    return {
        "undo": undo,
        "diff": diff,
        "attach": attach,
        "mention_paths": mention_paths,
        "processes": processes,
    }
