"""Shared safety checks for the credential files: private mode, owner, and a write lock.

Both file backends (encrypted and plain text) refuse a file other users could read, and
serialise read-modify-write cycles between processes, so two `solcoder auth login` runs at
once cannot lose a key.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
from collections.abc import Iterator
from pathlib import Path

from solcoder.errors import StorageError

MAX_CREDENTIALS_BYTES = 1024 * 1024


def read_private_file(path: Path) -> bytes | None:
    """The bytes of `path`, or None if missing; refuses a file others can read or write."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StorageError(
            f"Cannot read {path}: {error.strerror or error}.",
            hint="Check the file's permissions.",
        ) from None
    with os.fdopen(descriptor, "rb") as handle:
        check_private(path, os.fstat(handle.fileno()))
        data = handle.read(MAX_CREDENTIALS_BYTES + 1)
    if len(data) > MAX_CREDENTIALS_BYTES:
        raise StorageError(f"{path} is larger than {MAX_CREDENTIALS_BYTES} bytes; refusing it.")
    return data


def check_private(path: Path, status: os.stat_result) -> None:
    """Raise StorageError (with the exact fix) unless `status` is a 0600-or-tighter file we own."""
    quoted = shlex.quote(str(path))
    if not stat.S_ISREG(status.st_mode):
        raise StorageError(f"{path} is not a regular file; refusing to use it as credentials.")
    getuid = getattr(os, "getuid", None)
    if getuid is not None and status.st_uid != getuid():
        raise StorageError(
            f"{path} belongs to another user; refusing to read credentials from it.",
            hint=f'If it is yours, run: chown "$(id -u)" {quoted} && chmod 600 {quoted}',
        )
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        raise StorageError(
            f"{path} is accessible by other users (mode {mode:04o}); refusing to use it.",
            hint=f"Run: chmod 600 {quoted}   (then consider rotating the keys it holds)",
        )


@contextlib.contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `lock_path` (created 0600) for the block."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; atomic replace still holds.
        yield
        return
    descriptor = os.open(lock_path, os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
