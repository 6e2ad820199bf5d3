"""The workspace root of this launch, for the baseline toolkit functions that take workspace
paths (`review_code`'s `paths`).

Those functions are plain registered functions without a `WorkspaceSession` (the workspace
tools get theirs as an argument), and one launch has exactly one workspace (`--workspace DIR`,
else the git root above the working directory). The CLI's wiring sets it once; a light module
of its own so setting it imports no toolkit.
"""

from __future__ import annotations

from pathlib import Path

_root: Path | None = None


def set_launch_root(root: Path | None) -> None:
    global _root
    _root = root


def launch_root() -> Path:
    """The root set by the wiring, else the git root above the working directory, else it."""
    if _root is not None:
        return _root
    from solcoder.workspace.root import find_root

    return find_root(Path.cwd())
