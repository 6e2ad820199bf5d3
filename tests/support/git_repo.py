"""Temporary git repositories for end-to-end tests, and a fingerprint of everything in
`.git` that a checkpoint must never touch (refs, stash, index, HEAD)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    import os

    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return result.stdout


def make_repo(path: Path, files: dict[str, bytes]) -> Path:
    """A repository at `path` with `files` committed."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for relative, data in files.items():
        target = path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


def git_state(repo: Path) -> dict[str, str]:
    """What the user's repository holds besides the work tree: any change is a violation."""
    index = repo / ".git" / "index"
    return {
        "refs": git(repo, "for-each-ref"),
        "stash": git(repo, "stash", "list"),
        "head": (repo / ".git" / "HEAD").read_text(),
        "index": hashlib.sha256(index.read_bytes()).hexdigest() if index.exists() else "",
        "branches": git(repo, "branch", "-a"),
    }
