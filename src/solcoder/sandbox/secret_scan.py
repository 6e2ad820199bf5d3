"""Finding the workspace's secret files before every command, without walking it every time.

The sandbox masks each secret file of the workspace (`.env`, `target/deploy/*-keypair.json`,
…) by name, so it must know them all before a command starts, and the previous command may have
created new ones. Walking a 20,000-file tree costs tens of milliseconds, too much per command;
but a new name can only appear in a directory by changing that directory's modification time.
So the walk keeps, per directory, its mtime, its secret entries and its subdirectories; the
next check stats every known directory (a few milliseconds for thousands) and lists again only
those that changed, plus new subdirectories below them.

Racy timestamps: a directory changed in the same clock tick as it was listed would keep the
mtime that was recorded, so a directory whose mtime is within `RACY_NS` of its listing is
listed again next time (git's racy-index rule). Ignore files do not apply (`target/` is ignored
by git and holds the program keypairs); `.git` and `node_modules` are not entered: `.git` is
read-only in the sandbox and holds no secrets by these names, and a dependency tree's test
fixtures (`*.pem`, `.env`) are not the user's secrets but would cost thousands of masks.

The names are those of `workspace.paths.secret_name_reason`; a cheap prefilter (one regex on
the lowercased last component) decides which entries it is asked about. Measured with
`benchmarks/sandbox.py` (20,000 files in 3,048 directories, 2-core VM): ~50 ms for the first
walk, ~4.4 ms for an unchanged recheck (one stat per directory, nothing more); three to five
times that while the machine was busy.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from fnmatch import translate
from pathlib import Path

from solcoder.workspace.paths import SECRET_NAME_GLOBS, secret_name_reason

__all__ = ["RACY_NS", "SecretScan", "workspace_secrets"]

RACY_NS = 2_000_000_000
"""Two seconds: coarser than any filesystem's mtime granularity SolCoder meets (FAT's 2 s)."""

NOT_ENTERED = frozenset({".git", "node_modules"})


def _prefilter() -> re.Pattern[str]:
    """Last components any secret name rule can end with (a superset, checked exactly after)."""
    names = {
        glob.removeprefix("**/").rstrip("/").rsplit("/", 1)[-1]
        for glob in SECRET_NAME_GLOBS
        if not glob.startswith("!")
    }
    return re.compile("|".join(f"(?:{translate(name)})" for name in sorted(names)))


@dataclass(frozen=True, slots=True)
class _Listing:
    mtime_ns: int
    stable: bool
    """Listed more than RACY_NS after its last change: the same mtime means the same names."""
    secrets: tuple[str, ...]
    """Absolute paths of the secret entries directly in this directory."""
    children: tuple[str, ...]
    """Absolute paths of the subdirectories entered."""


class SecretScan:
    """The secret files of one workspace, kept up to date by `refresh`."""

    __slots__ = ("_directories", "_lock", "_matcher", "_prefix", "root")

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))
        self._prefix = len(str(self.root)) + 1
        self._directories: dict[str, _Listing] = {}
        self._lock = threading.Lock()
        self._matcher = _prefilter()

    def refresh(self) -> tuple[Path, ...]:
        """The absolute paths of the workspace's secret entries (files, or whole directories
        such as a `.ssh` inside it), symbolic links included as found (not followed)."""
        # The hot loop of every command: one stat per known directory, nothing else unless it
        # changed (hence plain strings and local names).
        stat = os.stat
        with self._lock:
            previous = self._directories
            current: dict[str, _Listing] = {}
            pending = [str(self.root)]
            while pending:
                path = pending.pop()
                try:
                    mtime_ns = stat(path).st_mtime_ns
                except OSError:
                    continue
                listing = previous.get(path)
                if listing is None or not listing.stable or listing.mtime_ns != mtime_ns:
                    listing = self._listed(path)
                    if listing is None:
                        continue
                current[path] = listing
                pending.extend(listing.children)
            self._directories = current
            return tuple(Path(secret) for item in current.values() for secret in item.secrets)

    def _listed(self, path: str) -> _Listing | None:
        listed_ns = time.time_ns()
        try:
            mtime_ns = os.stat(path).st_mtime_ns
            entries = list(os.scandir(path))
        except OSError:
            return None
        cut = self._prefix
        match = self._matcher.fullmatch
        secrets: list[str] = []
        children: list[str] = []
        for entry in entries:
            name = entry.name
            if match(name.lower()) is not None and secret_name_reason(entry.path[cut:]):
                secrets.append(entry.path)
                continue
            try:
                is_directory = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_directory and name not in NOT_ENTERED:
                children.append(entry.path)
        stable = listed_ns - mtime_ns > RACY_NS
        return _Listing(mtime_ns, stable, tuple(secrets), tuple(children))


_scans: dict[str, SecretScan] = {}
_scans_lock = threading.Lock()


def workspace_secrets(root: Path) -> tuple[Path, ...]:
    """The secret entries of the workspace at `root`, from a scan kept per root for the life of
    the process and brought up to date on each call (see the module docstring)."""
    key = os.path.realpath(root)
    with _scans_lock:
        scan = _scans.get(key)
        if scan is None:
            scan = _scans[key] = SecretScan(Path(key))
    return scan.refresh()
