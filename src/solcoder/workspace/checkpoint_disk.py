"""The two sides of a checkpoint on disk: SolCoder's private store, and the user's files.

The store (blobs, manifests, lock) holds copies of the user's code, so it is private (0700 and
0600) and never followed through a symbolic link: a link planted in it could make SolCoder write
a manifest, or read a "snapshot", somewhere else. On the user's side every path is resolved and
must land exactly where the recorded relative path says, inside the root and outside `.git`;
a path that now goes through a link (outside the root, or anywhere unexpected) is refused
rather than written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from solcoder.errors import CheckpointError, ConfigError
from solcoder.fsutil import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir, fsync_directory
from solcoder.workspace.checkpoint_records import FileState, check_relative

CHUNK = 1 << 20
"""Bytes read at a time when hashing or copying: big files stream, never sit in memory."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


# The private store --------------------------------------------------------------------------


def refuse_link(path: Path) -> bool:
    """True if `path` exists; CheckpointError if it is a symbolic link."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise CheckpointError(f"Cannot read {path}: {error.strerror or error}.") from None
    if stat.S_ISLNK(status.st_mode):
        raise CheckpointError(
            f"{path} is a symbolic link inside the checkpoint store; refusing to follow it.",
            hint="Remove the link; SolCoder keeps its checkpoints in plain private files.",
        )
    return True


def private_dir(path: Path) -> None:
    """Create `path` as a 0700 directory (or tighten it); never through a link."""
    refuse_link(path)
    try:
        ensure_private_dir(path)
    except ConfigError as error:
        raise CheckpointError(error.message, hint=error.hint) from None


def read_private(path: Path) -> bytes | None:
    """The bytes of a store file, None if absent; links refused, errors as CheckpointError."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        refuse_link(path)
        raise CheckpointError(f"Cannot read {path}: {error.strerror or error}.") from None
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read()


def write_private(path: Path, data: bytes) -> None:
    """Atomically replace a store file (0600); a link in its place is refused."""
    refuse_link(path)
    try:
        atomic_write(path, data)
    except OSError as error:
        raise CheckpointError(f"Cannot write {path}: {error.strerror or error}.") from None


def write_private_unsynced(path: Path, data: bytes) -> None:
    """Replace a store file by a rename, without waiting for the disk: for records a crash
    may lose (the reader treats a damaged one as absent). A link in its place is refused."""
    temporary = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC
    try:
        descriptor = os.open(temporary, flags, PRIVATE_FILE_MODE)
        try:
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        refuse_link(path)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if not isinstance(error, OSError):
            raise
        raise CheckpointError(f"Cannot write {path}: {error.strerror or error}.") from None


@contextlib.contextmanager
def store_lock(directory: Path) -> Iterator[None]:
    """Hold the store's exclusive advisory lock (the REPL and `solcoder undo` may race)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; atomic replaces still keep each file whole.
        yield
        return
    lock = directory / "lock"
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_RDWR | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE_MODE)
    except OSError as error:
        refuse_link(lock)
        raise CheckpointError(f"Cannot open {lock}: {error.strerror or error}.") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


class Blobs:
    """Content-addressed copies of file bytes (`blobs/<sha256>`, 0600): a file that returns
    to an earlier content costs nothing more."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, digest: str) -> Path:
        return self.directory / digest

    def put(self, source: int) -> str:
        """Copy everything readable from descriptor `source` into a blob; its sha256. The
        bytes are synced; call `sync` before a manifest names the blob (one directory sync
        serves a batch)."""
        return self._write(iter(lambda: os.read(source, CHUNK), b""))

    def put_bytes(self, data: bytes) -> str:
        """`put` for bytes already in memory (a "before" read from a snapshot)."""
        return self._write((data,))

    def _write(self, chunks: Iterable[bytes]) -> str:
        temporary = self.directory / f".{os.urandom(6).hex()}.tmp"
        flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC
        try:
            output = os.open(temporary, flags, PRIVATE_FILE_MODE)
            digest = hashlib.sha256()
            try:
                os.fchmod(output, PRIVATE_FILE_MODE)
                for chunk in chunks:
                    digest.update(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(output, view) :]
                name = digest.hexdigest()
                fresh = not refuse_link(self.path(name))
                if fresh:
                    os.fsync(output)
            finally:
                os.close(output)
            if fresh:
                os.replace(temporary, self.path(name))
            else:
                temporary.unlink()
        except BaseException as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            if not isinstance(error, OSError):
                raise
            raise CheckpointError(
                f"Cannot copy a file into the checkpoint store {self.directory}: "
                f"{error.strerror or error}.",
                hint="Free some disk space or fix the store's permissions.",
            ) from None
        return name

    def sync(self) -> None:
        """Make the new blobs' names durable."""
        fsync_directory(self.directory)

    def read(self, digest: str, hint: str) -> bytes:
        """The blob's bytes, checked against its name (a damaged copy is never restored)."""
        data = read_private(self.path(digest))
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            problem = "missing" if data is None else "damaged"
            raise CheckpointError(
                f"The saved copy {self.path(digest)} is {problem}; nothing was restored.",
                hint=hint,
            )
        return data

    def verify(self, digest: str, hint: str) -> None:
        """Like `read`, streaming, for checking every copy before undo touches anything."""
        path = self.path(digest)
        try:
            descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        except OSError:
            refuse_link(path)
            ok = False
        else:
            with os.fdopen(descriptor, "rb") as handle:
                ok = hashlib.file_digest(handle, "sha256").hexdigest() == digest
        if not ok:
            raise CheckpointError(
                f"The saved copy {path} is missing or damaged; nothing was restored.", hint=hint
            )


# The user's files ---------------------------------------------------------------------------


def target(root: Path, relative: str) -> Path:
    """The real path of `relative` under `root`; CheckpointError if it leaves the root, goes
    into `.git`, or passes through a symbolic link (the recorded path is already real)."""
    parts = check_relative(relative)
    joined = root.joinpath(*parts)
    real = Path(os.path.realpath(joined))
    if not real.is_relative_to(root) or real == root:
        raise CheckpointError(
            f"`{relative}` now resolves outside the workspace {root} (to {real}); "
            "refusing to touch it.",
            hint="Check the symbolic links in that path.",
        )
    if real != joined:
        check_relative(real.relative_to(root).as_posix())  # a link into .git says so
        raise CheckpointError(
            f"`{relative}` now goes through a symbolic link (to {real}); refusing to touch it.",
            hint="Restore that path by hand.",
        )
    return joined


def _open_regular(path: Path, relative: str) -> int | None:
    """A read descriptor on the regular file at `path`, None if nothing is there."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        descriptor = -1
    except OSError as error:
        raise CheckpointError(f"Cannot read `{relative}`: {error.strerror or error}.") from None
    if descriptor >= 0 and stat.S_ISREG(os.fstat(descriptor).st_mode):
        return descriptor
    if descriptor >= 0:
        os.close(descriptor)
    raise CheckpointError(f"`{relative}` is not a regular file; checkpoints cover files only.")


def snapshot(root: Path, relative: str, blobs: Blobs) -> FileState:
    """The state of `relative` now, its bytes copied into `blobs` if it exists (then
    `blobs.sync()` before naming it)."""
    descriptor = _open_regular(target(root, relative), relative)
    if descriptor is None:
        return FileState(relative, False, None, None)
    try:
        mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
        return FileState(relative, True, blobs.put(descriptor), mode)
    finally:
        os.close(descriptor)


def current_state(root: Path, relative: str) -> FileState:
    """The state of `relative` now (hashed, not copied)."""
    descriptor = _open_regular(target(root, relative), relative)
    if descriptor is None:
        return FileState(relative, False, None, None)
    with os.fdopen(descriptor, "rb") as handle:
        mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
        return FileState(relative, True, hashlib.file_digest(handle, "sha256").hexdigest(), mode)


def current_bytes(root: Path, relative: str) -> tuple[bytes | None, int | None]:
    """The bytes and mode of `relative` now; (None, None) if absent."""
    descriptor = _open_regular(target(root, relative), relative)
    if descriptor is None:
        return None, None
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read(), stat.S_IMODE(os.fstat(descriptor).st_mode)


def missing_parents(root: Path, relative: str) -> tuple[str, ...]:
    """The parent directories of `relative` that do not exist yet, deepest first (a few
    stats, no tree walk)."""
    missing: list[str] = []
    parent = PurePosixPath(relative).parent
    while parent != PurePosixPath(".") and not (root / parent).exists():
        missing.append(parent.as_posix())
        parent = parent.parent
    return tuple(missing)
