"""Runs a review: discovery, parsing, the program model and the rules, into one Report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from solcoder.solana.review.findings import Report


def review_paths(
    paths: Sequence[Path],
    *,
    root: Path,
    changed: Mapping[str, frozenset[int]] | None = None,
) -> Report:
    raise NotImplementedError


def review_source(text: str, filename: str = "lib.rs") -> Report:
    raise NotImplementedError
