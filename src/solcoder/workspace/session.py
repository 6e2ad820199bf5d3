"""The workspace as one session's tools use it: path rules, what the model has read, and
every change checkpointed before it lands.

The file tools (`workspace/tools.py`) are thin: each operation here takes the model's
arguments, applies the workspace's rules and answers with text for the model, or raises
`Refused` with a sentence it can act on. Every change goes through `apply`, the one write
path: checkpoint first (so `/undo` can restore it), then an atomic write, then the record
of what was written (so undo notices later edits by the user), then the diff.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from solcoder.workspace.ledger import ReadLedger
from solcoder.workspace.refusal import Refused as Refused  # noqa: PLC0414 (re-exported)

if TYPE_CHECKING:
    from solcoder.workspace.changes import FileChange
    from solcoder.workspace.checkpoints import CheckpointStore
    from solcoder.workspace.paths import Workspace, WorkspacePath

MAX_READ_BYTES = 10 * 1024 * 1024
"""read_file refuses bigger files outright (reading.numbered caps what is shown); the same
limit as `text.MAX_TEXT_BYTES`, the largest file edited."""

# The operations import what they use when a tool first runs: a launch only names the
# workspace, and the path rules, text handling, edits and diffs cost start-up time.


class WorkspaceSession:
    """One session's view of the workspace. `turn()` numbers the checkpoints (the
    conversation's turn); `checkpoints` is this session's private store directory (None:
    changes cannot be undone, as in a run that records no session)."""

    def __init__(
        self,
        workspace: Workspace | Callable[[], Workspace],
        *,
        checkpoints: Path | None = None,
        turn: Callable[[], int] = lambda: 1,
        root: Path | None = None,
    ) -> None:
        """`workspace` may be a factory (with its `root` given), called when a tool first
        needs the path rules, so a launch that never touches a file never loads them."""
        if callable(workspace):
            if root is None:
                raise ValueError("a workspace factory needs its root")
            self._workspace: Workspace | None = None
            self._make = workspace
            self.root = root
        else:
            self._workspace = workspace
            self._make = lambda: workspace
            self.root = workspace.root
        self.ledger = ReadLedger()
        self.turn = turn
        self._checkpoint_dir = checkpoints
        self._store: CheckpointStore | None = None
        self._write_lock = threading.Lock()
        """Held from the check of a file to its write: two edits of one file never interleave."""

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = self._make()
        return self._workspace

    @property
    def checkpoint_dir(self) -> Path | None:
        """This session's private checkpoint store (None: changes cannot be undone)."""
        return self._checkpoint_dir

    def has_checkpoints(self) -> bool:
        """Whether this session has a checkpoint store on disk yet (reads never make one)."""
        return self._store is not None or (
            self._checkpoint_dir is not None and self._checkpoint_dir.is_dir()
        )

    def store(self) -> CheckpointStore | None:
        """The checkpoint store, created on the first change (reads never create it)."""
        if self._store is None and self._checkpoint_dir is not None:
            from solcoder.workspace.checkpoints import CheckpointStore

            self._store = CheckpointStore(self._checkpoint_dir, self.root)
        return self._store

    # -- paths -------------------------------------------------------------------------

    def resolve(self, path: str) -> WorkspacePath:
        from solcoder.workspace.paths import PathRefused

        try:
            return self.workspace.resolve(path)
        except PathRefused as error:
            raise Refused(str(error)) from None

    def resolve_for_write(self, path: str) -> WorkspacePath:
        from solcoder.workspace.paths import PathRefused

        try:
            return self.workspace.resolve_for_write(path)
        except PathRefused as error:
            raise Refused(str(error)) from None

    def secret_reason(self, path: str) -> str | None:
        """Why reading `path` needs a person's yes (a keypair, `.env`, …), or None."""
        from solcoder.workspace.paths import PathRefused

        try:
            target = self.workspace.resolve(path)
        except PathRefused:
            return None  # refused anyway when it runs
        return self.workspace.secret_reason(target)

    # -- reading -----------------------------------------------------------------------

    def read(self, path: str, offset: int = 1, limit: int | None = None) -> str:
        from solcoder.workspace import reading, text

        target = self.resolve(path)
        data = self._read_bytes(target, "read_file")
        try:
            decoded = text.decode(data, name=target.relative)
        except text.NotText as error:
            raise Refused(str(error)) from None
        self.ledger.saw(target.relative, data)
        return reading.numbered(decoded.text, offset=offset, limit=limit, name=target.relative)

    def _read_bytes(self, target: WorkspacePath, tool: str) -> bytes:
        path = target.absolute
        if path.is_dir():
            raise Refused(
                f"`{target.relative}` is a directory; call list_files with path="
                f"{target.relative!r} to see what it holds."
            )
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise Refused(self._not_found(target, tool)) from None
        if size > MAX_READ_BYTES:
            raise Refused(
                f"`{target.relative}` is {size:,} bytes, more than {tool} handles "
                f"({MAX_READ_BYTES:,}). Use search_files to find the part you need."
            )
        try:
            return path.read_bytes()
        except OSError as error:
            raise Refused(
                f"`{target.relative}` cannot be read: {error.strerror or error}."
            ) from None

    def _not_found(self, target: WorkspacePath, tool: str) -> str:
        hint = "use write_file to create it" if tool == "edit_file" else "check the path"
        return (
            f"`{target.relative}` does not exist in the workspace; {hint} "
            "(list_files or search_files show what is there)."
        )

    # -- changing ------------------------------------------------------------------------

    def plan_edit(
        self, path: str, old_text: str, new_text: str, replace_all: bool = False
    ) -> tuple[WorkspacePath, bytes, bytes, int]:
        """(target, bytes now, bytes after, line of the first replacement); Refused when the
        edit cannot be made. Changes nothing."""
        from solcoder.workspace import text
        from solcoder.workspace.edits import EditRefused, apply_edit

        target = self.resolve_for_write(path)
        before = self._read_bytes(target, "edit_file")
        problem = self.ledger.problem(target.relative, before, "edit_file")
        if problem is not None:
            raise Refused(problem)
        try:
            decoded = text.decode(before, name=target.relative)
            result = apply_edit(
                decoded.text,
                old_text,
                new_text,
                replace_all=replace_all,
                newline=decoded.newline,
                name=target.relative,
            )
        except (text.NotText, EditRefused) as error:
            raise Refused(str(error)) from None
        return target, before, text.encode(decoded, result.text), result.first_line

    def plan_write(self, path: str, content: str) -> tuple[WorkspacePath, bytes | None, bytes]:
        """(target, bytes now or None when new, bytes after); Refused when the file exists
        and the model has not read its current content. Changes nothing."""
        from solcoder.workspace import text

        target = self.resolve_for_write(path)
        if target.absolute.is_dir():
            raise Refused(f"`{target.relative}` is a directory; give a file path.")
        if not target.absolute.exists():
            return target, None, content.encode("utf-8")
        before = self._read_bytes(target, "write_file")
        problem = self.ledger.problem(target.relative, before, "write_file")
        if problem is not None:
            raise Refused(problem)
        try:
            decoded = text.decode(before, name=target.relative)
        except text.NotText as error:
            raise Refused(f"{error} write_file replaces text files only.") from None
        return target, before, text.encode(decoded, text.adopt_newlines(decoded, content))

    def preview(self, relative: str, before: bytes | None, after: bytes | None) -> FileChange:
        """The change as it would be reported, without making it."""
        from solcoder.workspace import diffs
        from solcoder.workspace.changes import ChangeKind, FileChange

        kind: ChangeKind = (
            "created" if before is None else "deleted" if after is None else "modified"
        )
        diff = diffs.unified(relative, _shown(before), _shown(after))
        return FileChange(relative, kind, diff.text, diff.added, diff.removed)

    def apply(self, target: WorkspacePath, before: bytes | None, after: bytes | None) -> FileChange:
        """Make one change (None `after`: delete), checkpointed first. The caller planned it
        under the write lock (`locked()`) so nothing changed in between."""
        from solcoder.workspace.files import remove_file, replace_file

        relative = target.relative
        store = self.store()
        turn = self.turn()
        if store is not None:
            store.before_change(turn, relative)
        try:
            if after is None:
                remove_file(target.absolute)
            else:
                replace_file(target.absolute, after)
        except OSError as error:
            raise Refused(
                f"`{relative}` could not be written: {error.strerror or error}."
            ) from None
        finally:
            if store is not None:
                store.after_change(turn, relative)
        if after is None:
            self.ledger.forget(relative)
        else:
            self.ledger.saw(relative, after)
        return self.preview(relative, before, after)

    def locked(self) -> threading.Lock:
        return self._write_lock


def _shown(data: bytes | None) -> str | None:
    """Text for a diff: undecodable bytes shown as replacement characters (the diff is for
    reading; the file itself is written byte for byte)."""
    if data is None:
        return None
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff")
