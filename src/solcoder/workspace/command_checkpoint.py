"""Checkpoints around a shell command: what it changed becomes part of the turn, undoable.

    with command_checkpoint(store, shadow, turn) as done:
        run the command
    report done.changes (path, created/modified/deleted) and done.notes

Before the command the whole tree is snapshotted (`snapshots.py`); after it, every path that
differs is recorded in the turn's checkpoint with its "before" taken from the snapshot and its
"after" from disk, exactly as `edit_file` records its own changes, so `/undo` and `solcoder
undo` treat both alike (and notice the user's later edits the same way). A path the turn had
already changed keeps its first "before".

It degrades, never fails the command: without git, or if the shadow repository cannot be used,
nothing is recorded and one note says so. Also left out, each with a note: files over 10 MB
(either side), symbolic links and nested repositories (undo restores regular files only), and a
file that appeared where a `.gitignore` the command changed used to apply (it may have existed,
ignored, before the command; undo must not delete it). Ignored paths (`target/`,
`node_modules/`) are not covered at all, which is what a user expects of build output.

Permission bits: git records only the executable bit, so a file's "before" mode is its mode now
with the executable bits the snapshot says (a `chmod +x` is undone), and a deleted file comes
back 0644 or 0755. A change of other permission bits alone is not seen.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from solcoder.errors import CheckpointError
from solcoder.workspace.changes import ChangeKind
from solcoder.workspace.checkpoint_records import KnownBefore, check_relative
from solcoder.workspace.checkpoints import CheckpointStore
from solcoder.workspace.snapshots import (
    EXECUTABLE,
    GITLINK,
    SYMLINK,
    Change,
    ShadowSnapshots,
    permission_bits,
)

MAX_BYTES = 10 * 1024 * 1024
"""Bigger files (before or after) are not copied into the checkpoint."""

NO_GIT = "Changes made by commands cannot be undone here: git is not installed."

_KINDS: dict[str, ChangeKind] = {
    "added": "created",
    "deleted": "deleted",
    "modified": "modified",
    "type_changed": "modified",
}


@dataclass(frozen=True, slots=True)
class CommandChange:
    """A path the command changed, recorded for undo."""

    path: str
    change: ChangeKind
    before: bytes | None = field(default=None, repr=False, compare=False)
    """The content before the command (None when it did not exist): for the change's diff."""


@dataclass(slots=True)
class CommandCheckpoint:
    """Filled in when the `with` block ends."""

    changes: list[CommandChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """One line each, for the tool's report: what is not covered, and why."""
    covered: bool = False
    """True if the tree was snapshotted before the command."""


@contextlib.contextmanager
def command_checkpoint(
    store: CheckpointStore, shadow: ShadowSnapshots | None, turn: int
) -> Iterator[CommandCheckpoint]:
    """Snapshot, run the block, record what changed (also when the block raised)."""
    done = CommandCheckpoint()
    tree = _snapshot(shadow, done)
    done.covered = tree is not None
    try:
        yield done
    finally:
        if shadow is not None and tree is not None:
            try:
                _record(store, shadow, turn, tree, done)
            except CheckpointError as error:
                done.notes.append(f"Changes made by this command cannot be undone: {error}")


def _snapshot(shadow: ShadowSnapshots | None, done: CommandCheckpoint) -> str | None:
    if shadow is None or not shadow.available():
        done.notes.append(NO_GIT)
        return None
    try:
        return shadow.snapshot()
    except CheckpointError as error:
        done.notes.append(f"Changes made by this command cannot be undone: {error}")
        return None


def _record(
    store: CheckpointStore,
    shadow: ShadowSnapshots,
    turn: int,
    tree: str,
    done: CommandCheckpoint,
) -> None:
    changes = [c for c in shadow.changes_since(tree) if _coverable(store, c, done)]
    unignored = [
        str(PurePosixPath(c.path).parent)
        for c in changes
        if PurePosixPath(c.path).name == ".gitignore" and c.status != "added"
    ]
    changes = [c for c in changes if not _maybe_ignored_before(c, unignored, done)]
    olds = [c.old_object for c in changes if c.old_object is not None]
    sizes = shadow.object_sizes(olds)
    changes = [c for c in changes if not _too_big(store, c, sizes, done)]
    contents = shadow.read_objects([c.old_object for c in changes if c.old_object is not None])
    directories = shadow.directories(tree) if any(c.old_object is None for c in changes) else set()
    befores = [_before(store, c, contents, directories) for c in changes]
    if not befores:
        return
    store.record_befores(turn, befores)
    store.after_changes(turn, [c.path for c in changes])
    done.changes.extend(
        CommandChange(c.path, _KINDS[c.status], before.data)
        for c, before in zip(changes, befores, strict=True)
    )


def _coverable(store: CheckpointStore, change: Change, done: CommandCheckpoint) -> bool:
    """Regular files with a plain path only."""
    try:
        check_relative(change.path)
        change.path.encode("utf-8")
    except (CheckpointError, UnicodeEncodeError):
        done.notes.append(f"{change.path!r} changed but cannot be checkpointed (its name).")
        return False
    if {change.old_mode, change.new_mode} & {SYMLINK, GITLINK}:
        done.notes.append(
            f"`{change.path}` changed but is a symbolic link or a nested repository; "
            "undo does not cover it."
        )
        return False
    return True


def _maybe_ignored_before(change: Change, unignored: list[str], done: CommandCheckpoint) -> bool:
    if change.status != "added":
        return False
    parents = {str(parent) for parent in PurePosixPath(change.path).parents}
    if not parents.intersection(unignored):
        return False
    done.notes.append(
        f"`{change.path}` appeared after a `.gitignore` changed and may have existed before; "
        "undo leaves it."
    )
    return True


def _too_big(
    store: CheckpointStore, change: Change, sizes: dict[str, int], done: CommandCheckpoint
) -> bool:
    size = sizes.get(change.old_object, 0) if change.old_object else 0
    with contextlib.suppress(OSError):
        size = max(size, os.lstat(store.root / change.path).st_size)
    if size <= MAX_BYTES:
        return False
    done.notes.append(
        f"`{change.path}` is too big to checkpoint ({_amount(size)}, over {_amount(MAX_BYTES)}); "
        "undo does not cover it."
    )
    return True


def _amount(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size / 1024:.0f} KB"


def _before(
    store: CheckpointStore, change: Change, contents: dict[str, bytes], directories: set[str]
) -> KnownBefore:
    if change.old_object is None or change.old_mode is None:
        parents = [str(p) for p in PurePosixPath(change.path).parents if str(p) != "."]
        created = tuple(p for p in parents if p not in directories)
        return KnownBefore(change.path, None, None, created)
    return KnownBefore(
        change.path, contents[change.old_object], _before_mode(store, change.path, change.old_mode)
    )


def _before_mode(store: CheckpointStore, path: str, old_mode: int) -> int:
    """The file's permission bits now, with the executable bits the snapshot recorded."""
    try:
        now = stat.S_IMODE(os.lstat(store.root / path).st_mode)
    except OSError:
        return permission_bits(old_mode)
    executable = old_mode == EXECUTABLE
    if executable and not now & 0o111:
        return now | ((now & 0o444) >> 2)
    if not executable and now & 0o111:
        return now & ~0o111
    return now
