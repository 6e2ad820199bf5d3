"""The Solana security review: finds programs, parses them with tree-sitter, and checks them.

`review_paths` reviews files and directories in the workspace (every Anchor workspace, native
crate and client file under them); `review_source` reviews pasted source. Both return a
`Report` of `Finding`s with stable class names (`CLASSES`, DESIGN.md section 6). Importing
this package loads only the result types; the parser loads on the first review, so the
start-up path of `solcoder -p` stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from solcoder.solana.review.classes import CLASSES, ClassInfo
from solcoder.solana.review.findings import (
    SEVERITY_ORDER,
    Finding,
    Program,
    ProgramKind,
    Report,
    Severity,
    severity_rank,
)

__all__ = [
    "CLASSES",
    "SEVERITY_ORDER",
    "ClassInfo",
    "Finding",
    "Program",
    "ProgramKind",
    "Report",
    "Severity",
    "review_paths",
    "review_source",
    "severity_rank",
]


def review_paths(
    paths: Sequence[Path],
    *,
    root: Path,
    changed: Mapping[str, frozenset[int]] | None = None,
) -> Report:
    """Review every program under `paths` (files or directories inside `root`).

    Files are read by the workspace rules: nothing outside `root`, no secrets; unreadable,
    binary or huge files become `Report.problems`, never exceptions. With `changed` (relative
    path -> changed line numbers), only findings on those lines are kept (`--diff`).
    """
    from solcoder.solana.review import engine

    return engine.review_paths(paths, root=root, changed=changed)


def review_source(text: str, filename: str = "lib.rs") -> Report:
    """Review pasted source; `filename`'s extension picks Rust or TypeScript rules."""
    from solcoder.solana.review import engine

    return engine.review_source(text, filename)
