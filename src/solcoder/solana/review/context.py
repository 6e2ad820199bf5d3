"""What the rules know about the crate beyond its code: build settings and framework version."""

from __future__ import annotations

from dataclasses import dataclass

from solcoder.solana.review.model import CrateModel


@dataclass(frozen=True, slots=True)
class Settings:
    overflow_checks: bool | None = None
    """`[profile.release] overflow-checks` of the crate or its workspace; None when unknown
    (pasted source)."""
    anchor_major: int | None = None
    """Major version of the `anchor-lang` dependency; None when unknown."""


@dataclass(frozen=True, slots=True)
class Crate:
    model: CrateModel
    settings: Settings
