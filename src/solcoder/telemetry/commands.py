"""How the commands the agent ran went: counted from the sessions' transcripts.

Telemetry records model calls; commands are recorded where the rest of a turn is, as
`command` events in each session's transcript (`agent/conversation.py`). `solcoder stats`
adds them up here: how many ran, failed, timed out or were stopped, in which sandbox, and
which programs ran most.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_TRANSCRIPT_BYTES = 64 * 1024 * 1024
"""A bigger transcript is skipped (counted in `skipped`): stats must not read without bound."""


def command_stats(
    home: Path, *, session: str | None = None, since: float | None = None
) -> dict[str, Any]:
    """Totals over every saved session (or those whose id starts with `session`),
    optionally only commands recorded at or after `since` (Unix time)."""
    from solcoder.sessions.transcript import read_transcript

    totals: Counter[str] = Counter()
    programs: Counter[str] = Counter()
    sandboxes: Counter[str] = Counter()
    skipped = 0
    root = home / "sessions"
    directories = sorted(root.iterdir()) if root.is_dir() else []
    for directory in directories:
        if session is not None and not directory.name.startswith(session):
            continue
        path = directory / "transcript.jsonl"
        try:
            if not path.is_file():
                continue
            if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
                skipped += 1
                continue
            records = read_transcript(path).records
        except OSError:
            skipped += 1
            continue
        for record in records:
            data = record.get("data")
            if record.get("name") != "command" or not isinstance(data, dict):
                continue
            if since is not None and not _after(record.get("ts"), since):
                continue
            _count(data, totals, programs, sandboxes)
    return {
        "total": totals["total"],
        "failed": totals["failed"],
        "timed_out": totals["timed_out"],
        "stopped": totals["stopped"],
        "sandbox": dict(sandboxes),
        "programs": dict(programs.most_common(10)),
        "skipped_transcripts": skipped,
    }


def _count(
    data: dict[str, Any], totals: Counter[str], programs: Counter[str], sandboxes: Counter[str]
) -> None:
    totals["total"] += 1
    exit_code = data.get("exit_code")
    timed_out = data.get("timed_out") is True
    stopped = data.get("stopped") is True
    if timed_out:
        totals["timed_out"] += 1
    if stopped:
        totals["stopped"] += 1
    if timed_out or stopped or exit_code != 0:
        totals["failed"] += 1
    sandboxes[str(data.get("sandbox") or "none")] += 1
    command = data.get("command")
    if isinstance(command, str) and command.split():
        programs[command.split()[0]] += 1


def _after(stamp: object, since: float) -> bool:
    if not isinstance(stamp, str):
        return False
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() >= since


def describe(stats: dict[str, Any]) -> str | None:
    """One line for `solcoder stats`, or None when no command ran."""
    total = stats["total"]
    if not total:
        return None
    parts = [f"{stats['failed']} failed"]
    if stats["timed_out"]:
        parts.append(f"{stats['timed_out']} timed out")
    if stats["stopped"]:
        parts.append(f"{stats['stopped']} stopped")
    sandboxed = ", ".join(f"{count} {name}" for name, count in sorted(stats["sandbox"].items()))
    top = ", ".join(f"{name} ({count})" for name, count in stats["programs"].items())
    return f"Commands: {total} run ({', '.join(parts)}) · sandbox: {sandboxed}" + (
        f" · most run: {top}" if top else ""
    )
