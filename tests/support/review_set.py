"""The labelled review set (tests/data/review_set): its manifest, and how findings are scored.

One reader of `labels.toml` shared by the manifest test, the accuracy test and
benchmarks/review_accuracy.py, so the three agree on what counts as found. Scoring is pure
(findings in, verdicts out); running the engine is the caller's business.

Definitions (issue 24 item 4):
- an expected finding is *found* when a finding of the same class in the same file lies within
  two lines of the labelled line (or of its alternative place);
- a found finding is *misnamed* when its message does not mention the account the label names
  (a finding at the right place for the wrong reason);
- a *false positive* is a finding of severity medium or above that matches no expectation of
  its case;
- a *false alarm* is a finding of severity high or critical on a secured or safe case.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SET_ROOT = Path(__file__).resolve().parents[1] / "data" / "review_set"
MANIFEST = SET_ROOT / "labels.toml"

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
VARIANTS = ("vulnerable", "secured_by_hand", "secured_by_constraint", "safe")
LINE_TOLERANCE = 2


@dataclass(frozen=True, slots=True)
class Expected:
    klass: str
    file: str
    line: int
    text: str
    min_severity: str
    alt_line: int | None = None
    alt_text: str | None = None
    names: tuple[str, ...] = ()
    """Words the finding's message must contain: the account it is about."""

    def lines(self) -> tuple[int, ...]:
        return (self.line,) if self.alt_line is None else (self.line, self.alt_line)


@dataclass(frozen=True, slots=True)
class LabelledCase:
    id: str
    path: Path
    klass: str
    variant: str
    style: str
    layout: str
    why: str
    forbid: tuple[str, ...]
    expects: tuple[Expected, ...]

    @property
    def secured(self) -> bool:
        """Secured variants and safe programs: no high or critical finding may appear."""
        return self.variant != "vulnerable"


@dataclass(frozen=True, slots=True)
class Seen:
    """A finding reduced to what scoring needs (engine objects and --json lines both map here)."""

    klass: str
    severity: str
    path: str
    line: int
    message: str = ""

    def describe(self) -> str:
        return f"{self.klass} ({self.severity}) at {self.path}:{self.line}"


@dataclass(slots=True)
class CaseScore:
    case: LabelledCase
    found: list[tuple[Expected, Seen]] = field(default_factory=list)
    missed: list[Expected] = field(default_factory=list)
    under_rated: list[tuple[Expected, Seen]] = field(default_factory=list)
    misnamed: list[tuple[Expected, Seen]] = field(default_factory=list)
    false_positives: list[Seen] = field(default_factory=list)
    false_alarms: list[Seen] = field(default_factory=list)
    forbidden: list[Seen] = field(default_factory=list)


def load_cases(manifest: Path = MANIFEST) -> list[LabelledCase]:
    document = tomllib.loads(manifest.read_text(encoding="utf-8"))
    cases = []
    for entry in document["case"]:
        expects = tuple(
            Expected(
                klass=item["class"],
                file=item["file"],
                line=item["line"],
                text=item["text"],
                min_severity=item["min_severity"],
                alt_line=item.get("alt_line"),
                alt_text=item.get("alt_text"),
                names=tuple(item.get("names", ())),
            )
            for item in entry.get("expect", ())
        )
        cases.append(
            LabelledCase(
                id=entry["id"],
                path=manifest.parent / entry["path"],
                klass=entry["class"],
                variant=entry["variant"],
                style=entry["style"],
                layout=entry["layout"],
                why=entry["why"],
                forbid=tuple(entry.get("forbid", ())),
                expects=expects,
            )
        )
    return cases


def matches(expected: Expected, seen: Seen) -> bool:
    return (
        seen.klass == expected.klass
        and seen.path == expected.file
        and any(abs(seen.line - line) <= LINE_TOLERANCE for line in expected.lines())
    )


def names_all(finding: Seen, names: Sequence[str]) -> bool:
    return all(name in finding.message for name in names)


def at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK.get(severity, -1) >= SEVERITY_RANK[minimum]


def score_case(case: LabelledCase, findings: Iterable[Seen]) -> CaseScore:
    seen = list(findings)
    score = CaseScore(case)
    for expected in case.expects:
        hits = [finding for finding in seen if matches(expected, finding)]
        if not hits:
            score.missed.append(expected)
            continue
        named = [finding for finding in hits if names_all(finding, expected.names)]
        best = max(named or hits, key=lambda finding: SEVERITY_RANK.get(finding.severity, -1))
        score.found.append((expected, best))
        if not at_least(best.severity, expected.min_severity):
            score.under_rated.append((expected, best))
        if not named:
            score.misnamed.append((expected, best))
    for finding in seen:
        if any(matches(expected, finding) for expected in case.expects):
            continue
        if at_least(finding.severity, "medium"):
            score.false_positives.append(finding)
        if case.secured and at_least(finding.severity, "high"):
            score.false_alarms.append(finding)
        if finding.klass in case.forbid:
            score.forbidden.append(finding)
    return score


@dataclass(slots=True)
class ClassTally:
    expected: int = 0
    found: int = 0
    false_positives: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        reported = self.found + self.false_positives
        return self.found / reported if reported else None


def tally(scores: Sequence[CaseScore]) -> dict[str, ClassTally]:
    """Per class, plus "overall": expectations, how many were found, false positives."""
    table: dict[str, ClassTally] = {}
    overall = ClassTally()
    for score in scores:
        for expected in score.case.expects:
            table.setdefault(expected.klass, ClassTally()).expected += 1
            overall.expected += 1
        for expected, _ in score.found:
            table[expected.klass].found += 1
            overall.found += 1
        for finding in score.false_positives:
            table.setdefault(finding.klass, ClassTally()).false_positives += 1
            overall.false_positives += 1
    ordered = dict(sorted(table.items()))
    ordered["overall"] = overall
    return ordered


def review_case(case: LabelledCase) -> tuple[list[Seen], tuple[str, ...]]:
    """Run the engine's Python API on one case (imported here: the engine may be absent)."""
    from solcoder.solana.review import review_paths

    report = review_paths([case.path], root=case.path)
    seen = [
        Seen(finding.klass, finding.severity, finding.path, finding.line, finding.message)
        for finding in report.findings
    ]
    return seen, tuple(report.problems)
