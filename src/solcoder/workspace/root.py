"""Where the workspace is: the git root above the working directory, else that directory.

A module of its own so that a launch can name the workspace (for the system prompt and
`/status`) without importing the path rules, which are needed only when a tool first runs.
"""

from __future__ import annotations

import os
from pathlib import Path


def find_root(cwd: Path) -> Path:
    """The nearest directory at or above `cwd` holding `.git` (a directory, or a file as in
    worktrees and submodules), else `cwd` itself; resolved."""
    start = Path(os.path.realpath(cwd))
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return start
