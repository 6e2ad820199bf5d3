"""Which lines of the workspace changed against a git revision, for `solcoder review --diff`.

A review in CI or before a commit should talk about the code being changed, not about every
old finding again. Git knows: `git diff --unified=0 REF` lists each changed range of the
working tree (staged changes included), and untracked files are new in full. This module asks
git read-only and never changes the repository: `GIT_OPTIONAL_LOCKS=0` keeps even the index's
stat refresh from being written, hooks and fsmonitor are switched off for the call (a cloned
repository's config must not run programs), and external diff and textconv drivers are not
used. Renames count as new files (`--no-renames`), so a moved file is reviewed in full.

A deletion has no new line to point at; the line just after it (and the one before) count as
changed, because removing a check changes what the code around it means.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
"""The id of git's empty tree: the base of a repository with no commit yet."""
MAX_COUNTED_BYTES = 16 * 1024 * 1024
"""An untracked file counts as changed in full; its lines are counted up to this size."""
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.quotePath=false",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "color.ui=false",
)
_TIMEOUT_S = 60


class ChangedLinesError(Exception):
    """Why the changed lines cannot be known; str(error) is one sentence for the user."""


def parse_unified_zero(text: str) -> dict[str, frozenset[int]]:
    """{path: changed line numbers in the new file} from `git diff --unified=0` output."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            if name == "/dev/null":
                current = None
                continue
            name = _unquote(name)
            current = changed.setdefault(name[2:] if name.startswith("b/") else name, set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match is None:
                continue
            start, count = int(match.group(1)), int(match.group(2) or "1")
            if count == 0:  # a deletion after line `start`: the lines around it changed
                current.update(n for n in (start, start + 1) if n >= 1)
            else:
                current.update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items() if lines}


def changed_lines(root: Path, ref: str | None = None) -> dict[str, frozenset[int]]:
    """{path relative to `root`: changed lines} of the working tree against `ref` (default
    HEAD, staged changes included), every line of an untracked file. ChangedLinesError when
    `root` is not in a git repository, git is missing, or `ref` is not a revision."""
    git = shutil.which("git")
    if git is None:
        raise ChangedLinesError("--diff needs git, which is not on PATH.")
    inside = _git(git, root, "rev-parse", "--is-inside-work-tree", check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise ChangedLinesError(
            f"--diff compares against git, but {root} is not inside a git work tree; "
            "review without --diff, or run `git init` first."
        )
    if ref is not None and (ref.startswith("-") or not ref.strip() or "\0" in ref):
        raise ChangedLinesError(
            f"`{ref}` is not a revision (a branch, tag or commit id such as `main` or `HEAD~2`)."
        )
    base = ref or "HEAD"
    resolved = _git(
        git, root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", check=False
    )
    if resolved.returncode != 0:
        if ref is not None:
            raise ChangedLinesError(
                f"`{ref}` is not a commit in this repository (try a branch, tag or commit id, "
                "for example `--diff=main`)."
            )
        base = EMPTY_TREE  # no commit yet: everything is new
    else:
        base = resolved.stdout.strip()
    diff = _git(
        git,
        root,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--relative",
        base,
        "--",
    )
    changed = parse_unified_zero(diff.stdout)
    untracked = _git(git, root, "ls-files", "--others", "--exclude-standard", "-z")
    for name in untracked.stdout.split("\0"):
        if name:
            changed[name] = _every_line(root / name)
    return changed


def _every_line(path: Path) -> frozenset[int]:
    """1..n for the regular file at `path` (a FIFO or device is not opened); empty otherwise."""
    import stat

    try:
        status = path.lstat()
        if not stat.S_ISREG(status.st_mode):
            return frozenset()
        with path.open("rb") as stream:
            data = stream.read(MAX_COUNTED_BYTES)
    except OSError:
        return frozenset()
    return frozenset(range(1, data.count(b"\n") + 2))


def is_revision(root: Path, text: str) -> bool:
    """Whether `text` names a commit in the repository at `root` (False outside one)."""
    git = shutil.which("git")
    if git is None or text.startswith("-"):
        return False
    found = _git(git, root, "rev-parse", "--verify", "--quiet", f"{text}^{{commit}}", check=False)
    return found.returncode == 0


def _git(git: str, root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [git, "-C", str(root)]
    for setting in _SAFE_CONFIG:
        command += ["-c", setting]
    try:
        done = subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            env=_environment(os.environ),
            stdin=subprocess.DEVNULL,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ChangedLinesError(f"git could not be run ({error}).") from None
    if check and done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise ChangedLinesError(f"git {args[0]} failed: {first[:300]}")
    return done


def _environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment without GIT_* (a leaked GIT_DIR would point elsewhere), read-only."""
    environment = {key: value for key, value in base.items() if not key.startswith("GIT_")}
    environment.update(
        {
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "LC_ALL": "C",
        }
    )
    return environment


def _unquote(name: str) -> str:
    """A path as git prints it: C-quoted ("a\\tb") when it holds unusual characters."""
    if not (len(name) >= 2 and name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1", "surrogateescape").decode("utf-8", "surrogateescape")
