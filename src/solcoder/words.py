"""Counted nouns for people: "1 turn", "3 turns" (never "1 turns")."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, plural unless exactly one (`plural` for irregular nouns)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
