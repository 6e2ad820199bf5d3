"""Crash-safe writes of the user's files.

`fsutil.atomic_write` is for SolCoder's own private files (it forces 0600). A project file
keeps its own permission bits (an executable script stays executable) and is replaced by a
rename, so a crash, a full disk or a kill leaves the old content or the new, never half.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from solcoder.fsutil import write_then_rename

NEW_FILE_MODE = 0o666
"""Before the umask, like any editor's new file."""


def replace_file(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` atomically, keeping the existing file's mode (a new file gets
    0666 minus the umask), or ending with exactly `mode` when given (undo puts back bytes and
    mode in one rename). `path` must be a real path (symlinks already resolved by the
    workspace); missing parent directories are created. OSError propagates."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = None
    temporary = directory / f".{path.name}.{os.urandom(6).hex()}.solcoder-tmp"
    write_then_rename(
        temporary, path, data, create_mode=NEW_FILE_MODE if mode is None else 0o600, mode=mode
    )


def remove_file(path: Path) -> None:
    """Delete `path` if it exists (undo of a created file)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
