"""Reading a file that a skill or a command folder holds: bounded, regular files only, never
following a symbolic link out of the folder it belongs to.

Skills and commands are outside input (a cloned repository, a folder someone shared), so a
read never blocks (a FIFO is refused, opened non-blocking), never grows past its bound, and a
link that points elsewhere is a problem to report, not a file to read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class ReadProblem(Exception):
    """Why a file could not be used, as a short clause (`not UTF-8`, `links outside …`)."""


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every link resolved, stays within `root` (resolved too)."""
    real = os.path.realpath(path)
    base = os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def read_bounded(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of the regular file `path` (at most `limit`; more is a problem), which must
    resolve inside `root`."""
    if not inside(path, root):
        raise ReadProblem(f"links outside {root}")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise ReadProblem(f"cannot be read ({error.strerror or error})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ReadProblem("is not a regular file")
        if info.st_size > limit:
            raise ReadProblem(f"is {info.st_size:,} bytes, more than {limit:,}")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(64 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(descriptor)
    if size > limit:
        raise ReadProblem(f"is more than {limit:,} bytes")
    return b"".join(chunks)


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped); other encodings are a problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReadProblem("is not UTF-8 text") from None
    return text.removeprefix("\ufeff")


def directory_entries(directory: Path) -> list[os.DirEntry[str]]:
    """The entries of `directory`, sorted by name; none when it is missing or unreadable
    (the one cheap check a launch makes per location)."""
    try:
        with os.scandir(directory) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []
