"""`solcoder undo`: restore the files a session's last turn changed, without a REPL.

Headless, so it never asks: a file the user changed after SolCoder wrote it makes it refuse
(exit 1) and change nothing; `/undo` in the REPL asks instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from solcoder.cli.auth_cmd import settings_from_context
from solcoder.errors import UsageError

if TYPE_CHECKING:
    from solcoder.sessions import SessionStore
    from solcoder.workspace.checkpoint_records import UndoResult

CHECKPOINTS = "checkpoints"
"""A session's checkpoint store: `SOLCODER_HOME/sessions/<id>/checkpoints`."""


def latest_store_for(sessions: SessionStore, root: Path) -> tuple[str, Path] | None:
    """The most recent session (by its transcript) with checkpoints of this workspace."""
    from solcoder.workspace.checkpoints import CheckpointStore

    for info in sessions.list():
        directory = info.path.parent / CHECKPOINTS
        if not directory.is_dir():
            continue
        try:
            store = CheckpointStore.open(directory)
        except Exception:  # a corrupt store of another session is not this command's concern
            continue
        if store.root == root and store.turns():
            return info.id, directory
    return None


@click.command("undo")
@click.option(
    "--session",
    "session_id",
    metavar="ID",
    help="The session (default: the latest one that changed files in this workspace).",
)
@click.option(
    "--workspace",
    metavar="DIR",
    type=click.Path(file_okay=False, exists=True),
    help="The workspace to look in (default: the git root above here, else here).",
)
@click.pass_context
def undo_command(ctx: click.Context, session_id: str | None, workspace: str | None) -> None:
    """Restore the files the last turn of a session changed (repeat to go further back).

    Created files are removed, changed and deleted ones get their earlier bytes back. If a file
    changed on disk after SolCoder wrote it, nothing is restored: run /undo in the REPL to
    decide, or restore it by hand."""
    from solcoder.sessions import SessionStore
    from solcoder.terminal import echo
    from solcoder.workspace.checkpoints import CheckpointStore
    from solcoder.workspace.paths import find_root

    settings = settings_from_context(ctx)
    sessions = SessionStore(Path(settings.home))
    if session_id is not None:
        session_id = sessions.resolve(session_id)
        directory = sessions.root / session_id / CHECKPOINTS
        if not directory.is_dir():
            raise UsageError(
                f"Session {session_id} changed no files: nothing to undo.",
                hint="`solcoder sessions show ID` shows what a session did.",
            )
    else:
        root = Path(workspace).resolve() if workspace else find_root(Path.cwd())
        found = latest_store_for(sessions, root)
        if found is None:
            raise UsageError(
                f"Nothing to undo in {root}: no session has changes left to undo there.",
                hint="Pass --session ID (`solcoder sessions list`) or --workspace DIR.",
            )
        session_id, directory = found
    from solcoder.cli.workspace_hooks import undo_lines

    store = CheckpointStore.open(directory)
    result = store.undo_last()
    _record(sessions, session_id, result)
    for line in undo_lines(result, str(store.root)):
        echo(line)
    click.echo(f"Session {session_id}; run `solcoder undo` again to go further back.", err=True)


def _record(sessions: SessionStore, session_id: str, result: UndoResult) -> None:
    """The undo goes into the session's transcript when no running SolCoder holds it."""
    from solcoder.agent.transcript_records import UNDO
    from solcoder.errors import StorageError

    try:
        session = sessions.open(session_id)
    except StorageError:
        return
    try:
        files = [{"path": path, "action": action} for path, action in result.restored]
        session.record_event(UNDO, turn=result.turn, files=files)
    finally:
        session.close()
