"""Private, crash-safe file writes for everything SolCoder keeps under `SOLCODER_HOME`.

Config, credentials and transcripts all share one promise (DESIGN.md section 4): the directory
is 0700, files are 0600, and every write is atomic, so a crash or a full disk leaves either the
old content or the new one, never half a file, and a secret is never readable by other users,
not even for the instant between creating a file and tightening its mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from solcoder.errors import ConfigError, SolcoderError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def atomic_write(path: Path, data: bytes | str, *, mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace `path` with `data` (str is UTF-8) atomically; the file ends with exactly `mode`.

    A symlink at `path` is followed, so a config file kept in a dotfiles repository stays a
    symlink. OSError propagates (callers turn it into their own error); the temporary file is
    removed on any failure.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    target = Path(os.path.realpath(path))
    directory = target.parent
    temporary = directory / f".{target.name}.{os.urandom(6).hex()}.tmp"
    # The mode makes it private from birth; fchmod sets exactly `mode`, even under umask 000.
    write_then_rename(temporary, target, data, create_mode=mode, mode=mode)
    _remove_stale_temporaries(directory, target.name)


def write_then_rename(
    temporary: Path, target: Path, data: bytes, *, create_mode: int, mode: int | None
) -> None:
    """Write `data` to the new file `temporary` (O_EXCL: never one someone else prepared,
    created with `create_mode`, then set to exactly `mode` when given), fsync it, and rename it
    over `target`; the temporary is removed on any failure and the rename made durable."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(temporary, flags, create_mode)
    try:
        try:
            if mode is not None:
                os.fchmod(descriptor, mode)
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    fsync_directory(target.parent)


STALE_TEMPORARY_S = 600.0
"""A temporary file this old belongs to a writer that was killed, not to one still writing."""


def _remove_stale_temporaries(directory: Path, name: str) -> None:
    """Delete what killed writers left behind (it may hold an old copy of a secret)."""
    import time

    cutoff = time.time() - STALE_TEMPORARY_S
    for leftover in directory.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.lstat().st_mtime < cutoff:
                leftover.unlink()


def fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX: the new directory entry lives in the directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        # Some filesystems refuse fsync on directories; the data itself is already synced.
        pass
    finally:
        os.close(descriptor)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) as a 0700 directory, or tighten an existing one to 0700.

    Raises ConfigError with a next step when it cannot be created, is not a directory, or is
    not writable.
    """
    hint = "Set SOLCODER_HOME to a directory you can write, or fix the permissions."
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"{path} exists but is not a directory.", hint=hint) from None
    except OSError as error:
        raise ConfigError(
            f"Cannot create directory {path}: {error.strerror or error}.", hint=hint
        ) from None
    try:
        status = path.stat()
        if not stat.S_ISDIR(status.st_mode):
            raise ConfigError(f"{path} exists but is not a directory.", hint=hint)
        if stat.S_IMODE(status.st_mode) != PRIVATE_DIR_MODE:
            # Broader bits are removed; missing owner bits are added so we can use it.
            path.chmod(PRIVATE_DIR_MODE)
    except OSError as error:
        raise ConfigError(
            f"Cannot make {path} private (mode 0700): {error.strerror or error}.", hint=hint
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"Directory {path} is not writable.", hint=hint)
    return path


def exposed_directory_mode(path: Path) -> int | None:
    """The mode of the existing directory `path` when its group or others have any access
    (so the user can be told, as for credential files); None when private or missing."""
    try:
        status = path.stat()
    except OSError:
        return None
    mode = stat.S_IMODE(status.st_mode)
    return mode if stat.S_ISDIR(status.st_mode) and mode & 0o077 else None


def tighten_file_mode(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Remove permission bits beyond `mode` from an existing file; OSError propagates."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        path.chmod(current & mode)


def read_text_checked(
    path: Path,
    *,
    max_bytes: int | None = None,
    error: type[SolcoderError] = ConfigError,
) -> str | None:
    """The UTF-8 text of `path`, or None if it does not exist.

    Anything else that goes wrong (a directory, no permission, not UTF-8, larger than
    `max_bytes`) raises `error` naming the file, so callers never show an OSError traceback.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise error(f"{path} is a directory, not a file.") from None
    except OSError as problem:
        raise error(
            f"Cannot read {path}: {problem.strerror or problem}.",
            hint="Check the file's permissions.",
        ) from None
    if max_bytes is not None and len(raw) > max_bytes:
        raise error(f"{path} is larger than {max_bytes} bytes; refusing to read it.")
    try:
        # utf-8-sig: editors on Windows may prepend a byte order mark; it is not content.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = raw[: problem.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not valid UTF-8 text.",
            hint="Save the file as UTF-8.",
        ) from None
