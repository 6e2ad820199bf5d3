"""The `hook` records of a transcript as lines for `solcoder sessions show`: every decision a
hook made in the session (allowed ones are summed up, not listed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def hook_lines(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per hook that denied, failed, added context or was skipped, in order; then
    how many only allowed."""
    lines: list[str] = []
    allowed = 0
    turn: object = "?"
    for record in records:
        if isinstance(record.get("turn"), int):
            turn = record["turn"]
        data = record.get("data")
        if record.get("type") != "event" or record.get("name") != "hook":
            continue
        if not isinstance(data, dict):
            continue
        decision = data.get("decision", "?")
        if decision == "allow":
            allowed += 1
            continue
        tool = f" on {data['tool']}" if data.get("tool") else ""
        reason = f": {data['reason']}" if data.get("reason") else ""
        lines.append(
            f"turn {turn}: {data.get('hook', '?')} {data.get('event', '?')}{tool} "
            f"{decision}{reason}"
        )
    if allowed:
        lines.append(f"{allowed} hook run(s) allowed without comment")
    return lines
