"""Solana and Anchor program errors in test output, with the catalogue's cause and fix.

A test that fails on chain says why in a line buried among logs: Anchor's `AnchorError ...
Error Code: NAME. Error Number: N. Error Message: TEXT.` (in `Program log:` lines and in
client errors), the runtime's `Program ID failed: custom program error: 0x1771`, or Rust's
`InstructionError(0, Custom(6001))` from LiteSVM and similar harnesses. Those lines are picked
out, grouped by error code (a client error and the program log usually report the same one),
and explained by `error_catalog.explain`, the same lookup as the `explain_error` tool, so no
meaning is written down twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from solcoder.solana import error_catalog

MAX_ERRORS = 10
_MAX_LINES_READ = 20_000
_MAX_EVIDENCE = 300
_CANDIDATE = re.compile(
    r"AnchorError|Error Code:|Error Number:|custom program error|Custom\(\d+\)"
    r"|Program \S+ failed|SendTransactionError|Transaction simulation failed|Program log: Error",
    re.IGNORECASE,
)
_ANCHOR_NAME = re.compile(r"Error Code: (\w+)")
_ANCHOR_MESSAGE = re.compile(r"Error Message: (.+?)\.?\s*$")
_ANCHOR_SOURCE = re.compile(r"AnchorError thrown in (\S+?):(\d+)")


@dataclass(frozen=True, slots=True)
class ProgramError:
    """One distinct program error: the line that showed it, Anchor's name, number and message
    when printed, where `AnchorError thrown in` says it was raised, and the catalogue's
    explanation (`explain`'s `matches` and `error_codes`)."""

    evidence: str
    code: int | None
    name: str | None
    message: str | None
    source: str | None
    matches: tuple[dict[str, Any], ...]
    meanings: tuple[str, ...]

    def summary_lines(self) -> list[str]:
        label = self.name or (self.matches[0]["title"] if self.matches else "program error")
        if self.code is not None:
            label += f" (code {self.code}, {hex(self.code)})"
        if self.message:
            label += f": {self.message}"
        if self.source:
            label += f" [thrown in {self.source}]"
        lines = [label if self.name or self.code is not None else f"{label}: {self.evidence}"]
        for known in self.matches[:2]:
            lines.append(f"  cause: {known['explanation']}")
            if known["fixes"]:
                lines.append(f"  fix: {known['fixes'][0]}")
        if not self.matches:
            lines += [f"  meaning: {meaning}" for meaning in self.meanings[:2]]
        return lines


def find_program_errors(text: str, *, limit: int = MAX_ERRORS) -> list[ProgramError]:
    candidates = [
        line.strip()
        for line in text.splitlines()[:_MAX_LINES_READ]
        if _CANDIDATE.search(line) and not line.lstrip().startswith("{")
    ]
    by_code: dict[int, list[str]] = {}
    uncoded: list[str] = []
    for line in candidates:
        codes = error_catalog.error_codes(line)
        if codes:
            by_code.setdefault(codes[0], []).append(line)
        else:
            uncoded.append(line)
    found = [_explained(lines, code) for code, lines in by_code.items()]
    titles = {known["title"] for error in found for known in error.matches}
    for line in uncoded:
        error = _explained([line], None)
        new = [known for known in error.matches if known["title"] not in titles]
        if new:
            titles.update(known["title"] for known in new)
            found.append(error)
    return found[:limit]


def _explained(lines: list[str], code: int | None) -> ProgramError:
    best = max(lines, key=_informative)
    explained = error_catalog.explain("\n".join(lines))
    decoded = [c for c in explained["error_codes"] if c["code"] == code]
    name = _ANCHOR_NAME.search(best)
    message = _ANCHOR_MESSAGE.search(best)
    source = _ANCHOR_SOURCE.search(best)
    return ProgramError(
        evidence=best[:_MAX_EVIDENCE],
        code=code,
        name=name.group(1) if name else None,
        message=message.group(1) if message else None,
        source=f"{source.group(1)}:{source.group(2)}" if source else None,
        matches=tuple(explained["matches"]),
        meanings=tuple(decoded[0]["meanings"]) if decoded else (),
    )


def _informative(line: str) -> int:
    """Anchor's full line names the error; a runtime line names the failing program."""
    return 2 * ("Error Code:" in line) + ("Error Message:" in line) + (" failed" in line)
