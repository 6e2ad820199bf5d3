"""What every conversational command (-p, --dry-run-llm) prints around a turn: the session it
records into, the sink its events go to, and the advice added to a failure.

Shared by `cli/run.py` and `cli/dry_run.py`, which used to import each other for these.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from solcoder.cli.output import print_notice

if TYPE_CHECKING:
    from solcoder.agent.hook_points import HookPoints
    from solcoder.agent.project_instructions import ProjectInstructions
    from solcoder.cli.extensions import Extensions
    from solcoder.commands.context import CommandContext
    from solcoder.config import Settings
    from solcoder.errors import SolcoderError
    from solcoder.sessions import Session
    from solcoder.ui.render import EventSink


def announce_session(
    session: Session,
    json_output: bool,
    instructions: ProjectInstructions | None = None,
    commands: CommandContext | None = None,
    extensions: Extensions | None = None,
    *,
    hooks: HookPoints | None = None,
) -> None:
    """Every launch says which session it records into (stderr, or an event with --json,
    which also lists the project instruction files in the system prompt, the workspace and
    the sandbox commands run in, the skills and the custom slash commands)."""
    if json_output:
        from solcoder.cli.extensions import session_fields
        from solcoder.cli.instructions import session_listing
        from solcoder.terminal import safe_json

        event: dict[str, object] = {
            "type": "session",
            "id": session.id,
            "instructions": session_listing(instructions),
        }
        event.update(session_fields(extensions))
        if commands is not None:
            event["workspace"] = str(commands.workspace.root)
            event["sandbox"] = commands.describe()
        if hooks is not None:  # the hooks in force (`hooks.runner.HookRunner.listing`)
            from solcoder.hooks.runner import HookRunner

            if isinstance(hooks, HookRunner):
                event["hooks"] = hooks.listing()
        sys.stdout.write(safe_json(event) + "\n")
        sys.stdout.flush()
    else:
        print_notice(f"session {session.id}")


def note_failure(
    error: SolcoderError, settings: Settings, session: Session, *, resumable: bool = True
) -> None:
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


def make_sink(
    json_output: bool, show_thinking: bool, *, diagnostics_to_stderr: bool = True
) -> EventSink:
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


async def with_spinner(sink: EventSink) -> EventSink:
    """On a terminal (stdout and stderr both), a waiting line on stderr until the model
    answers; a pipe gets nothing but the reply."""
    from solcoder.terminal import is_terminal

    if not (is_terminal(sys.stdout) and is_terminal(sys.stderr)):
        return sink
    from solcoder.loopless import need_loop

    await need_loop()  # the spinner turns on the event loop
    from solcoder.ui.spinner import SpinnerSink, WaitingSpinner

    unicode = (sys.stderr.encoding or "").lower().replace("-", "").startswith("utf")
    spinner = SpinnerSink(sink, WaitingSpinner(sys.stderr, unicode=unicode))
    spinner.begin()
    return spinner


def _broken_pipe() -> None:
    """rich's default exits 1 on a closed pipe; raise instead, so the turn closes in order."""
    raise BrokenPipeError
