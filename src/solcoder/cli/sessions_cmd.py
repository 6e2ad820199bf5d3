"""`solcoder sessions`: list, show, delete, pin and unpin saved conversations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from solcoder.cli.auth_cmd import settings_from_context
from solcoder.errors import UsageError

if TYPE_CHECKING:
    from solcoder.llm.messages import Part
    from solcoder.sessions import SessionStore

PREVIEW_LENGTH = 400


def _store(ctx: click.Context) -> SessionStore:
    from solcoder.sessions import SessionStore

    return SessionStore(Path(settings_from_context(ctx).home))


def _echo(message: str) -> None:
    """A line of transcript text: made terminal-safe (a stored reply may hold escape
    sequences) and redacted."""
    from solcoder.terminal import echo

    echo(message)


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _preview(text: str) -> str:
    """At most PREVIEW_LENGTH characters, made safe first: a cut must not leave the head of a
    key that the redactor would no longer recognise."""
    from solcoder.terminal import safe

    text = safe(text).rstrip()
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH] + " …"


@click.group("sessions")
def sessions_group() -> None:
    """List, show and delete saved sessions (the newest 20 are kept unless pinned)."""


@sessions_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """List sessions, most recent first (* = pinned)."""
    infos = _store(ctx).list()
    if as_json:
        for info in infos:
            from solcoder.terminal import safe_json

            click.echo(
                safe_json(
                    {
                        "id": info.id,
                        "path": str(info.path),
                        "created": info.created.isoformat(),
                        "updated": info.updated.isoformat(),
                        "provider": info.provider,
                        "model": info.model,
                        "turns": info.turns,
                        "pinned": info.pinned,
                        "title": info.title,
                    },
                )
            )
        return
    if not infos:
        _echo("No saved sessions yet.")
        return
    for info in infos:
        pin = "*" if info.pinned else " "
        model = f"{info.provider}/{info.model}" if info.model else info.provider
        _echo(
            f"{pin} {info.id}  {_local(info.updated)}  {info.turns:>3} turns  {model:<28}  "
            f"{info.title}"
        )


@sessions_group.command("show")
@click.argument("session_id", metavar="ID")
@click.pass_context
def show_command(ctx: click.Context, session_id: str) -> None:
    """Show a session's details and conversation."""
    store = _store(ctx)
    info = store.info(session_id)
    session = store.read(session_id)
    messages = session.messages()
    _echo(f"Session {info.id}{'  (pinned)' if info.pinned else ''}")
    _echo(f"  transcript: {info.path}")
    _echo(f"  provider:   {info.provider or '?'}   model: {info.model or '?'}")
    _echo(f"  created:    {_local(info.created)}   updated: {_local(info.updated)}")
    _echo(f"  turns:      {info.turns}")
    for warning in session.warnings:
        _echo(f"  warning: {warning}")
    _echo(f"  resume with: solcoder --session {info.id}")
    for message in messages:
        _echo("")
        for part in message.parts:
            _echo(_describe_part(message.role, part))
    from solcoder.sessions.hook_records import hook_lines
    from solcoder.sessions.transcript import file_change_lines, read_transcript

    records = read_transcript(info.path).records
    for title, lines in (
        ("Files changed:", file_change_lines(records)),
        ("Hooks:", hook_lines(records)),
    ):
        if lines:
            _echo("")
            _echo(title)
            for line in lines:
                _echo(f"  {line}")


def _describe_part(role: str, part: Part) -> str:
    from solcoder.llm.messages import Text, Thinking, ToolCall

    if isinstance(part, Text):
        return f"{role}: {_preview(part.text)}"
    if isinstance(part, Thinking):
        return f"{role} (thinking): {'[redacted]' if part.redacted else _preview(part.text)}"
    if isinstance(part, ToolCall):
        return f"{role} → {part.name}({_preview(part.arguments)})"
    status = "error" if part.is_error else "ok"
    return f"tool ← {part.name or part.call_id} [{status}]: {_preview(part.content)}"


@sessions_group.command("delete")
@click.argument("session_id", metavar="ID")
@click.option("--force", is_flag=True, help="Delete even if the session is pinned.")
@click.pass_context
def delete_command(ctx: click.Context, session_id: str, force: bool) -> None:
    """Delete a session and its transcript."""
    store = _store(ctx)
    if store.info(session_id).pinned and not force:
        raise UsageError(
            f"Session {session_id} is pinned.",
            hint=f"Unpin it first (solcoder sessions unpin {session_id}) or pass --force.",
        )
    store.delete(session_id)
    _echo(f"Deleted session {session_id}.")


@sessions_group.command("pin")
@click.argument("session_id", metavar="ID")
@click.pass_context
def pin_command(ctx: click.Context, session_id: str) -> None:
    """Keep a session for ever (pinned sessions are never pruned)."""
    _store(ctx).pin(session_id)
    _echo(f"Pinned session {session_id}.")


@sessions_group.command("unpin")
@click.argument("session_id", metavar="ID")
@click.pass_context
def unpin_command(ctx: click.Context, session_id: str) -> None:
    """Let a session be pruned again like any other."""
    _store(ctx).unpin(session_id)
    _echo(f"Unpinned session {session_id}.")
