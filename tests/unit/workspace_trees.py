"""Temporary trees for the workspace search and listing tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (relative POSIX path -> text or bytes) under `root`; returns `root`."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
