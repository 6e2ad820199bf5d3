"""What every conversational command (-p, --dry-run-llm) prints around a turn: the session it
records into, the sink its events go to, and the advice added to a failure.

Shared by `cli/run.py` and `cli/dry_run.py`, which used to import each other for these.
"""

from __future__ import annotations

import sys
from typing import Any

from solcoder.cli.output import print_notice


def announce_session(
    session: Any,
    json_output: bool,
    instructions: Any = None,
    commands: Any = None,
    extensions: Any = None,
    *,
    hooks: Any = None,
) -> None:
    """Every launch says which session it records into (stderr, or an event with --json,
    which also lists the project instruction files in the system prompt, the workspace and
    the sandbox commands run in, the skills and the custom slash commands)."""
    if json_output:
        from solcoder.cli.extensions import session_fields
        from solcoder.cli.instructions import session_listing
        from solcoder.terminal import safe_json

        event = {"type": "session", "id": session.id, "instructions": session_listing(instructions)}
        event.update(session_fields(extensions))
        if commands is not None:
            event["workspace"] = str(commands.workspace.root)
            event["sandbox"] = commands.describe()
        if hooks is not None:  # the hooks in force (`hooks.runner.HookRunner.listing`)
            event["hooks"] = hooks.listing()
        sys.stdout.write(safe_json(event) + "\n")
        sys.stdout.flush()
    else:
        print_notice(f"session {session.id}")


def note_failure(error: Any, settings: Any, session: Any, *, resumable: bool = True) -> None:
    """Add what the user needs after a failed turn: a saved report for malformed responses,
    and (unless `resumable` is off, as in a dry run) where the conversation is kept."""
    from solcoder.errors import ProtocolError

    hint = error.hint or ""
    if isinstance(error, ProtocolError):
        from solcoder.cli.reports import save_report

        path = save_report(
            settings.home,
            error,
            context={
                "provider": session.provider or settings.llm.provider,
                "model": session.model or settings.llm.model,
                "base_url": settings.llm.base_url,
                "api": settings.llm.api,
                "session": session.id,
            },
        )
        if path is not None:
            hint = f"{hint} A report was saved to {path}.".strip()
    if resumable:
        hint = f"{hint} Your conversation is saved: resume it with --session {session.id}."
    error.hint = hint.strip() or None


def make_sink(json_output: bool, show_thinking: bool, *, diagnostics_to_stderr: bool = True) -> Any:
    """JSON Lines, or text: the reply on stdout and (for -p) tool lines and notices on stderr."""
    from solcoder.ui.console import LazyConsole
    from solcoder.ui.render import JsonLinesWriter, StreamRenderer

    if json_output:
        return JsonLinesWriter(sys.stdout)
    # rich is imported only if a tool line, notice or error is printed (`LazyConsole`).
    diagnostics = LazyConsole(sys.stderr) if diagnostics_to_stderr else None
    console = LazyConsole(sys.stdout)
    console.on_broken_pipe = _broken_pipe
    return StreamRenderer(
        console,  # type: ignore[arg-type]
        show_thinking=show_thinking,
        diagnostics=diagnostics,  # type: ignore[arg-type]
    )


def _broken_pipe() -> None:
    """rich's default exits 1 on a closed pipe; raise instead, so the turn closes in order."""
    raise BrokenPipeError
