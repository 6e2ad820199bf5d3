"""What a review produces: findings, the programs they were found in, and the report.

These types are the contract between the engine (this room), the `review_code` tool, the
`solcoder review` command and `/review` (DESIGN.md section 6). They are plain frozen
dataclasses so importing them costs nothing: the parser loads only when a review runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
ProgramKind = Literal["anchor", "native", "client"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One place in the code that a rule thinks is exploitable or risky."""

    klass: str
    """Stable class name (`missing_signer` …); "class" in JSON, a keyword in Python."""
    severity: Severity
    path: str
    """Relative to the review root, POSIX separators."""
    line: int
    """1-based."""
    message: str
    """Why it is exploitable, naming the account and the handler."""
    fix: str
    """How to fix it, in Anchor 1.x terms (or native terms for native programs)."""
    program: str | None = None
    """The program (crate) name; None for loose files."""

    def to_json(self) -> dict[str, object]:
        return {
            "type": "finding",
            "class": self.klass,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "program": self.program,
        }


@dataclass(frozen=True, slots=True)
class Program:
    """A program found under the reviewed paths, with the files that belong to it."""

    name: str
    path: str
    """Its directory relative to the review root ("." for the root itself)."""
    kind: ProgramKind
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """The result of one review: what was reviewed, what was found, what could not be read."""

    programs: tuple[Program, ...]
    findings: tuple[Finding, ...]
    problems: tuple[str, ...] = ()
    """Unreadable or skipped files, one sentence each."""

    def counts(self) -> dict[Severity, int]:
        counted = Counter(finding.severity for finding in self.findings)
        return {level: counted.get(level, 0) for level in SEVERITY_ORDER}

    def summary_json(self) -> dict[str, object]:
        by_class = Counter(finding.klass for finding in self.findings)
        return {
            "type": "summary",
            "programs": len(self.programs),
            "files": len({name for program in self.programs for name in program.files}),
            "findings": len(self.findings),
            "by_severity": dict(self.counts()),
            "by_class": dict(sorted(by_class.items())),
        }


def severity_rank(severity: Severity) -> int:
    """0 for critical … 4 for info: sort keys and `--fail-on` thresholds."""
    return SEVERITY_ORDER.index(severity)
