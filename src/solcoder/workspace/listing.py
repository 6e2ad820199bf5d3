"""The engine behind `list_files`: the workspace's files, as the model should first see them.

The model lists files to find its way around a project, so the answer must be short and lead
with what orients: paths are sorted by depth, then by path, which puts `Anchor.toml`,
`Cargo.toml` and `package.json` before the thousands of sources below. The same files as
`search_files` are shown (`ignore.py`: .gitignore-aware, hidden files included, `.git` never),
found by `rg --files` when ripgrep is installed and by the Python walk otherwise, in one order.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from solcoder.workspace.ignore import Overrides, override_globs, walk
from solcoder.workspace.ripgrep import TIMEOUT_S, common_arguments, environment, ripgrep_path


class ListingError(Exception):
    """The listing cannot be made; the message is a sentence for the model."""


@dataclass(frozen=True, slots=True)
class Listing:
    paths: tuple[str, ...]
    """Relative to the workspace root, POSIX, at most `max_entries`."""
    total: int
    truncated: bool

    def render(self) -> str:
        if not self.paths:
            return (
                "No files found. Files excluded by .gitignore (and .ignore) are not listed; "
                "try a wider path, or a pattern such as `**/*.rs` (`*` stays within one "
                "directory, `**` crosses them)."
            )
        lines = list(self.paths)
        if self.truncated:
            more = self.total - len(self.paths)
            lines.append(
                f"… and {more:,} more; pass a pattern such as `**/*.rs` or a path to narrow"
            )
        return "\n".join(lines)


def list_files(
    root: Path,
    *,
    base: Path | None = None,
    pattern: str | None = None,
    exclude_dirs: Sequence[str] = (),
    max_entries: int = 500,
    engine: str | None = None,
) -> Listing:
    """The files under `base` (default `root`; both resolved, `base` inside `root`), shallowest
    first. `pattern` is a glob relative to `base` (`*.toml` matches a file name at any depth,
    `programs/*/Cargo.toml` a path from `base`); `exclude_dirs` are directory names or globs
    never entered (`node_modules`). `engine` is "ripgrep", "python", or None for ripgrep when
    installed."""
    base = root if base is None else base
    relative = base.relative_to(root).as_posix()
    prefix = "" if relative == "." else relative + "/"
    globs = override_globs(pattern, [name.rstrip("/") + "/" for name in exclude_dirs])
    executable = ripgrep_path()
    if engine not in (None, "ripgrep", "python"):
        raise ValueError(f"unknown listing engine {engine!r}")
    if engine == "ripgrep" and executable is None:
        raise ListingError("ripgrep (rg) is not installed; list with engine='python'.")
    if engine == "python" or executable is None:
        found = list(walk(base, Overrides(globs)))
    else:
        found = _ripgrep_files(executable, base, globs)
    found.sort(key=lambda path: (path.count("/"), path))
    shown = tuple(prefix + path for path in found[:max_entries])
    return Listing(paths=shown, total=len(found), truncated=len(found) > len(shown))


def _ripgrep_files(executable: str, base: Path, globs: Sequence[str]) -> list[str]:
    arguments = [executable, "--files", "--null", *common_arguments(globs), "."]
    try:
        completed = subprocess.run(
            arguments,
            cwd=base,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=environment(),
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ListingError(
            f"Listing did not finish within {TIMEOUT_S:.0f} s; pass a narrower path or pattern."
        ) from None
    if completed.returncode == 2 and not completed.stdout and completed.stderr.strip():
        message = completed.stderr.decode("utf-8", errors="replace").strip()
        raise ListingError(f"Cannot list files: {message.removeprefix('rg: ')}")
    names = completed.stdout.split(b"\0")
    return [os.fsdecode(name).removeprefix("./") for name in names if name]
