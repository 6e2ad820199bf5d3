"""Where the workspace is: the git root above the working directory, else that directory.

A module of its own so that a launch can name the workspace (for the system prompt and
`/status`) without importing the path rules, which are needed only when a tool first runs.
"""

from __future__ import annotations

import os
from pathlib import Path


def git_root(cwd: Path, *, home: Path | None = None) -> Path | None:
    """The nearest directory at or above `cwd` holding `.git` (a directory, or a file as in
    worktrees and submodules), resolved; None when there is none.

    A repository at the user's home directory (or above it) counts only when work starts
    there: a dotfiles repository in `$HOME` must not make the whole home directory the
    project of every folder under it (its `.aws/`, `.ssh/`, `.config/solana/` included)."""
    start = Path(os.path.realpath(cwd))
    home_path = Path(os.path.realpath(home if home is not None else Path.home()))
    for directory in (start, *start.parents):
        if directory != start and home_path.is_relative_to(directory):
            return None  # at or above the home directory: not this project's repository
        if os.path.lexists(directory / ".git"):
            return directory
    return None


def find_root(cwd: Path, *, home: Path | None = None) -> Path:
    """The workspace for work started in `cwd`: its git root (`git_root`), else `cwd`."""
    return git_root(cwd, home=home) or Path(os.path.realpath(cwd))
