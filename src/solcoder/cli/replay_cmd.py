"""`solcoder replay`: run a recorded session again and report what changed.

Exit codes: 0 when the replay matches the recording, 6 (`DIFFERENCES_EXIT_CODE`) when it
differs, 2 when the transcript cannot be found or read.
"""

from __future__ import annotations

from pathlib import Path

import click

from solcoder.cli.auth_cmd import settings_from_context
from solcoder.errors import UsageError


def _transcript_path(ctx: click.Context, target: str) -> Path:
    """A transcript file given by path, or the transcript of a saved session given by id."""
    candidate = Path(target).expanduser()
    try:
        if candidate.is_file():
            return candidate
        if candidate.is_dir() and (candidate / "transcript.jsonl").is_file():
            return candidate / "transcript.jsonl"
    except OSError as error:  # a name too long for the file system, a loop of links
        raise UsageError(
            f"Cannot use {target[:80]!r}{'…' if len(target) > 80 else ''}: "
            f"{error.strerror or error}.",
            hint="Give a transcript file or a session id (`solcoder sessions list`).",
        ) from None
    from solcoder.sessions import SESSION_ID, SessionStore

    if SESSION_ID.fullmatch(target):
        store = SessionStore(Path(settings_from_context(ctx).home))
        return store.info(target).path
    raise UsageError(
        f"{target!r} is neither a transcript file nor a session id.",
        hint="List sessions with `solcoder sessions list`; transcripts live in "
        "SOLCODER_HOME/sessions/<id>/transcript.jsonl.",
    )


def _echo(text: str) -> None:
    """Recorded text, made terminal-safe and redacted."""
    from solcoder.terminal import echo

    echo(text)


@click.command("replay")
@click.argument("target", metavar="SESSION_ID|TRANSCRIPT")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.pass_context
def replay_command(ctx: click.Context, target: str, as_json: bool) -> None:
    """Replay a recorded session through the current agent and report any difference.

    The recorded model replies are fed back through the orchestrator and the tools; tool
    calls, tool results (timings ignored) and each turn's final text are compared with the
    recording. Exits 0 when identical, 6 when something differs.
    """
    from solcoder.agent.orchestrator import AgentOptions
    from solcoder.replay import DIFFERENCES_EXIT_CODE, replay_file
    from solcoder.words import count

    path = _transcript_path(ctx, target)
    llm = settings_from_context(ctx).llm
    options = AgentOptions(
        max_steps=llm.max_steps,
        tool_timeout=llm.tool_timeout,
        max_tool_calls_per_step=llm.max_tool_calls_per_step,
        max_tool_argument_bytes=llm.max_tool_argument_bytes,
    )
    report = replay_file(path, options=options)
    if as_json:
        from solcoder.terminal import safe_json

        click.echo(safe_json(report.as_dict()))
    else:
        for warning in report.warnings:
            _echo(f"warning: {warning}")
        if report.file_changes:
            _echo("Files the session changed (not changed again by the replay):")
            for line in report.file_changes:
                _echo(f"  {line}")
        summary = (
            f"{count(report.turns, 'turn')}, {count(report.steps, 'model step')}, "
            f"{count(report.tool_calls, 'tool call')}"
        )
        if report.identical:
            _echo(f"✓ {path}: replay matches the recording ({summary}).")
        else:
            found = count(len(report.differences), "difference")
            _echo(f"✗ {path}: {found} ({summary}):")
            for difference in report.differences:
                _echo("  " + difference.describe())
    ctx.exit(0 if report.identical else DIFFERENCES_EXIT_CODE)
