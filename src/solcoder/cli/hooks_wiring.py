"""The hooks of a launch: the runner the agent calls, what a `-p` run says about project hooks
not yet trusted, and the REPL's question before it trusts them (docs/hooks.md).

Nothing here is imported unless a config file has `[[hooks.EVENT]]` tables, so a launch
without hooks costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from solcoder.cli.output import print_notice

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.config.hook_tables import HookEntry
    from solcoder.hooks.runner import HookRunner
    from solcoder.workspace.session import WorkspaceSession


def hook_runner(
    settings: Settings, workspace: WorkspaceSession | None, session_id: str
) -> HookRunner | None:
    """The session's hooks, or None when no config defines any. A broken trust file is
    reported and trusts nothing (the user's own hooks still run)."""
    if not settings.hooks:
        return None
    from solcoder.cli.workspace_wiring import provider_key_names
    from solcoder.errors import ConfigError
    from solcoder.hooks.runner import HookRunner
    from solcoder.hooks.trust import trusted_digests

    try:
        trusted = trusted_digests(settings.home)
    except ConfigError as error:
        print_notice(f"Warning: {error.message} {error.hint or ''}".strip())
        trusted = frozenset()
    root = workspace.root if workspace is not None else Path.cwd()
    return HookRunner(
        settings.hooks,
        workspace=root,
        session_id=session_id,
        trusted=trusted,
        extra_secret_names=provider_key_names(settings),
        after_changes=_checkpoint_afters(workspace),
    )


def _checkpoint_afters(
    workspace: WorkspaceSession | None,
) -> Callable[[Sequence[str]], None] | None:
    """Files a hook rewrote after a tool changed them become the turn's "after" state, so
    `/undo` goes back to before the tool (the hook's work with it) without a conflict."""
    if workspace is None:
        return None

    def record(paths: Sequence[str]) -> None:
        import contextlib

        from solcoder.errors import CheckpointError

        store = workspace.store() if workspace.has_checkpoints() else None
        if store is not None:
            with contextlib.suppress(CheckpointError, OSError):
                store.after_changes(workspace.turn(), paths)

    return record


def describe(hook: HookEntry) -> str:
    matcher = f" [{', '.join(hook.matcher)}]" if hook.matcher else ""
    return f"{hook.event}{matcher}: {hook.shown_command()}"


def report_untrusted(runner: HookRunner) -> None:
    """`-p`: one line when project hooks were skipped, and how to approve them."""
    if runner is None:
        return
    waiting = runner.untrusted()
    if not waiting:
        return
    where = waiting[0].path
    print_notice(
        f"Warning: {len(waiting)} hook(s) from {where} are not trusted yet and do not run; "
        "review and approve them with `solcoder hooks trust` (or start `solcoder` in this "
        "project to be asked)."
    )


def ask_trust(runner: HookRunner, home: Path, ask: Callable[[str], str] = input) -> None:
    """The REPL, before its first prompt: show each untrusted project hook and ask once for
    all of them; a yes is remembered (per content hash) under SOLCODER_HOME."""
    if runner is None:
        return
    waiting = runner.untrusted()
    if not waiting:
        return
    from solcoder.terminal import safe

    print(f"{safe(str(waiting[0].path))} defines hooks, commands that run on your machine:")
    for hook in waiting:
        print(f"  {safe(describe(hook))}")
    try:
        answer = ask("Trust and run these hooks? [y]es / [n]o › ")
    except (EOFError, KeyboardInterrupt):
        answer = ""
    if answer.strip().lower() not in {"y", "yes"}:
        print("Not trusted: they do not run (`solcoder hooks trust` approves them later).")
        return
    from solcoder.hooks.trust import trust

    trust(home, waiting)
    runner.mark_trusted(waiting)
    print("Trusted; they run from now on (until they change).")


def status_rows(runner: HookRunner) -> list[tuple[str, str]]:
    """`/status`: every hook in force, with its source and whether it runs."""
    if runner is None:
        return []
    rows = []
    for number, hook in enumerate(runner.hooks):
        state = "runs" if runner.is_trusted(hook) else "not trusted: skipped"
        matcher = f" [{', '.join(hook.matcher)}]" if hook.matcher else ""
        line = f"{hook.event}{matcher} ({hook.source}, {state}): {hook.shown_command()}"
        rows.append(("hooks" if number == 0 else "", line))
    return rows
