"""Running git against SolCoder's shadow repository, and only against it.

A command the model runs can change any file, so its "before" has to be taken of the whole work
tree, cheaply, before anyone knows which files matter. Git's index is exactly that: a stat cache
that makes "stage everything again" cost a few stats when nothing changed. But the user's own
repository must never be touched (no index refresh, no object, no ref, no stash), so every call
here runs `git --git-dir=SHADOW --work-tree=ROOT` with an environment stripped of every `GIT_*`
variable the user (or a parent git hook) set: a leaked GIT_DIR or GIT_INDEX_FILE would point git
back at the user's repository. The user's global and system configuration are not read either
(no hooks, no signing, no fsmonitor, no autocrlf rewriting bytes, no includeIf): the shadow
behaves the same on every machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from solcoder.errors import CheckpointError

AUTHOR = "SolCoder checkpoints"
EMAIL = "checkpoints@solcoder.invalid"

CONFIG: tuple[tuple[str, str], ...] = (
    ("core.bare", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.autocrlf", "false"),
    ("core.safecrlf", "false"),
    ("core.filemode", "true"),
    ("core.symlinks", "true"),
    ("core.trustctime", "true"),
    ("core.checkStat", "default"),
    ("core.fsmonitor", "false"),
    ("core.quotePath", "false"),
    ("core.untrackedCache", "false"),
    ("gc.auto", "0"),
    ("commit.gpgsign", "false"),
    ("user.name", AUTHOR),
    ("user.email", EMAIL),
)
"""Written into the shadow's own config when it is created (and passed on every call too, so a
damaged config cannot turn hooks or CRLF conversion back on)."""


class ShadowGitError(CheckpointError):
    """Git is missing or a git call on the shadow repository failed."""


def git_executable() -> str | None:
    return shutil.which("git")


def clean_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) without any GIT_* variable, plus the shadow's isolation."""
    source = os.environ if base is None else base
    environment = {key: value for key, value in source.items() if not key.startswith("GIT_")}
    environment.update(
        {
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_LITERAL_PATHSPECS": "1",
            "GIT_AUTHOR_NAME": AUTHOR,
            "GIT_AUTHOR_EMAIL": EMAIL,
            "GIT_COMMITTER_NAME": AUTHOR,
            "GIT_COMMITTER_EMAIL": EMAIL,
            "LC_ALL": "C",
        }
    )
    return environment


class ShadowGit:
    """`git --git-dir=directory --work-tree=root`, isolated as the module docstring says."""

    def __init__(self, directory: Path, root: Path, executable: str) -> None:
        self.directory = directory
        self.root = root
        self._options = [executable]
        for key, value in CONFIG:
            self._options += ["-c", f"{key}={value}"]
        self._options += ["-c", f"safe.directory={directory}", "-c", f"safe.directory={root}"]

    def create(self) -> None:
        """`git init --bare` the shadow (no template: no sample hooks) and write its config."""
        self._call([*self._options, "init", "-q", "--bare", "--template=", str(self.directory)])
        for key, value in CONFIG:
            self.run(["config", key, value])

    def run(self, arguments: Sequence[str], *, stdin: bytes | None = None) -> bytes:
        """Stdout of one git call; ShadowGitError with git's message if it fails."""
        where = [f"--git-dir={self.directory}", f"--work-tree={self.root}"]
        return self._call([*self._options, *where, *arguments], stdin=stdin)

    def _call(self, command: list[str], *, stdin: bytes | None = None) -> bytes:
        try:
            done = subprocess.run(
                command,
                cwd=self.root,
                env=clean_environment(),
                input=stdin,
                capture_output=True,
                check=False,
            )
        except OSError as error:
            raise ShadowGitError(f"Cannot run git: {error.strerror or error}.") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ShadowGitError(
                f"git failed in the checkpoint repository {self.directory}: "
                f"{message[-1] if message else f'exit {done.returncode}'}."
            )
        return done.stdout
