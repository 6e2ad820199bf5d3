"""Running ripgrep the one way both workspace tools need: same files as the Python walk.

The `ripgrep` wheel puts `rg` in the interpreter's scripts directory, which is not always on
PATH (a venv that is not activated, pipx); it is looked for there first. The flags here are the
contract `ignore.py` restates in Python; change them together. The user's ripgrep config file
(RIPGREP_CONFIG_PATH) could add `--smart-case` or `--no-ignore` and change what the model sees,
so it is never read.
"""

from __future__ import annotations

import functools
import os
import shutil
import sysconfig
from collections.abc import Sequence

TIMEOUT_S = 60.0
"""Generous: a slow network disk, not a normal tree, is what takes this long."""


@functools.cache
def ripgrep_path() -> str | None:
    """The `rg` executable: the one installed with SolCoder, else the one on PATH."""
    name = "rg.exe" if os.name == "nt" else "rg"
    scripts = sysconfig.get_path("scripts")
    if scripts:
        candidate = os.path.join(scripts, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("rg")


def common_arguments(globs: Sequence[str]) -> list[str]:
    """The walk rules (see `ignore.py`) and the override globs, in order."""
    arguments = [
        "--no-config",
        "--hidden",
        "--no-require-git",
        "--no-ignore-global",
        "--no-messages",
    ]
    for glob in globs:
        arguments += ["--glob", glob]
    return arguments


def environment() -> dict[str, str]:
    """The process environment without ripgrep's config file variable."""
    return {key: value for key, value in os.environ.items() if key != "RIPGREP_CONFIG_PATH"}
