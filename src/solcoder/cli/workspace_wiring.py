"""The workspace and command wiring of a launch: where the file tools work (the workspace and
its checkpoint store) and how commands run (the sandbox settings), built once per launch and
kept across a REPL rebuild. Nothing here loads the path rules or the sandbox: they are loaded
when a tool first needs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solcoder.commands.context import CommandContext
    from solcoder.config import Settings
    from solcoder.sessions import Session
    from solcoder.workspace.paths import Workspace
    from solcoder.workspace.session import WorkspaceSession


def command_context(settings: Settings, workspace: WorkspaceSession) -> CommandContext:
    """How this session runs commands: `tools.sandbox`, `tools.network`, the timeouts; the
    key variables of providers from the config are kept out of every command's environment."""
    from solcoder.commands.context import CommandContext, CommandSettings

    tools = settings.tools
    extra = provider_key_names(settings)
    return CommandContext(
        workspace,
        CommandSettings(
            sandbox=tools.sandbox,  # type: ignore[arg-type]
            network=tools.network,
            timeout_s=tools.command_timeout,
            max_timeout_s=tools.max_command_timeout,
            extra_secret_names=extra,
        ),
        solcoder_home=settings.home,
    )


def provider_key_names(settings: Settings) -> tuple[str, ...]:
    """The key variables of providers from the config (kept out of commands and hooks)."""
    extra: list[str] = []
    for table in settings.providers.values():
        names = table.get("key_env")
        extra += (
            [names] if isinstance(names, str) else [n for n in names or () if isinstance(n, str)]
        )
    return tuple(extra)


def workspace_session(
    settings: Settings,
    options: dict[str, Any] | None,
    session: Session | None,
    turn: Callable[[], int],
) -> WorkspaceSession:
    """The workspace (`--workspace DIR`, else the git root above the current directory, else
    the current directory) with this session's checkpoint store beside its transcript."""
    from pathlib import Path

    from solcoder.workspace.root import find_root
    from solcoder.workspace.session import WorkspaceSession

    given = (options or {}).get("workspace")
    root = Path(given).resolve() if given else find_root(Path.cwd())

    def rules() -> Workspace:
        from solcoder.workspace.paths import Workspace

        return Workspace(root, solcoder_home=settings.home)

    checkpoints = session.directory / "checkpoints" if session is not None else None
    # (cli/undo_cmd.py finds a session's store at the same place.)
    return WorkspaceSession(rules, checkpoints=checkpoints, turn=turn, root=root)
