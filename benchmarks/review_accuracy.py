"""Accuracy of `solcoder review` on the labelled set in tests/data/review_set (issue 24 item 4).

Runs the engine's Python API (`solcoder.solana.review.review_paths`) over every case and prints,
per finding class and overall: expected findings, how many were found (recall), false
positives (precision), and the false high/critical alarms on secured variants and safe
programs. Definitions (tests/support/review_set.py): an expected (class, file, line) is found
when a finding of that class lies in that file within two lines; a false positive is any other
finding of severity medium or above; a false alarm is a high or critical finding on a secured or
safe case. Not a pass/fail test: tests/unit/test_review_accuracy.py holds the targets.

    python benchmarks/review_accuracy.py [--json] [--verbose] [--case SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from tests.support.review_set import (  # noqa: E402
    CaseScore,
    ClassTally,
    Seen,
    load_cases,
    review_case,
    score_case,
    tally,
)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _row(name: str, counts: ClassTally) -> dict[str, object]:
    return {
        "class": name,
        "expected": counts.expected,
        "found": counts.found,
        "false_positives": counts.false_positives,
        "recall": counts.recall,
        "precision": counts.precision,
    }


def run(case_filter: str | None) -> tuple[list[CaseScore], dict[str, list[Seen]], float]:
    scores = []
    seen_by_case: dict[str, list[Seen]] = {}
    started = time.perf_counter()
    for case in load_cases():
        if case_filter and case_filter not in case.id:
            continue
        seen, problems = review_case(case)
        for problem in problems:
            print(f"{case.id}: problem: {problem}", file=sys.stderr)
        seen_by_case[case.id] = seen
        scores.append(score_case(case, seen))
    return scores, seen_by_case, time.perf_counter() - started


def report_json(scores: list[CaseScore], elapsed: float) -> None:
    table = tally(scores)
    document = {
        "cases": len(scores),
        "seconds": round(elapsed, 3),
        "classes": [_row(name, counts) for name, counts in table.items()],
        "false_alarms": sum(len(score.false_alarms) for score in scores),
        "secured_cases": sum(score.case.secured for score in scores),
        "misses": [
            {"case": score.case.id, "class": e.klass, "file": e.file, "line": e.line}
            for score in scores
            for e in score.missed
        ],
        "under_rated": [
            {"case": score.case.id, "class": e.klass, "severity": seen.severity}
            for score in scores
            for e, seen in score.under_rated
        ],
        "misnamed": [
            {"case": score.case.id, "class": e.klass, "names": list(e.names)}
            for score in scores
            for e, _ in score.misnamed
        ],
        "false_positives": [
            {"case": score.case.id, **_finding(finding)}
            for score in scores
            for finding in score.false_positives
        ],
    }
    print(json.dumps(document, indent=2))


def _finding(finding: Seen) -> dict[str, object]:
    return {
        "class": finding.klass,
        "severity": finding.severity,
        "path": finding.path,
        "line": finding.line,
    }


def report_table(
    scores: list[CaseScore], seen_by_case: dict[str, list[Seen]], elapsed: float, verbose: bool
) -> None:
    table = tally(scores)
    secured = [score for score in scores if score.case.secured]
    print(
        f"review accuracy on {len(scores)} labelled cases "
        f"({len(scores) - len(secured)} vulnerable, {len(secured)} secured or safe), "
        f"{elapsed:.2f} s"
    )
    print(f"{'class':<28} {'expected':>8} {'found':>6} {'FP':>4} {'recall':>7} {'precision':>9}")
    for name, counts in table.items():
        if name == "overall":
            print("-" * 66)
        print(
            f"{name:<28} {counts.expected:>8} {counts.found:>6} {counts.false_positives:>4} "
            f"{_ratio(counts.recall):>7} {_ratio(counts.precision):>9}"
        )
    alarms = sum(len(score.false_alarms) for score in secured)
    alarmed = sum(bool(score.false_alarms) for score in secured)
    print(f"false high/critical alarms: {alarms} on {alarmed} of {len(secured)} secured/safe cases")
    for score in scores:
        lines = [f"missed {e.klass} at {e.file}:{e.line}" for e in score.missed]
        lines += [
            f"under-rated {e.klass}: {seen.severity} < {e.min_severity}"
            for e, seen in score.under_rated
        ]
        lines += [
            f"misnamed {e.klass}: the message does not mention {', '.join(e.names)}"
            for e, _ in score.misnamed
        ]
        lines += [f"false positive {finding.describe()}" for finding in score.false_positives]
        if verbose:
            lines += [f"reported {finding.describe()}" for finding in seen_by_case[score.case.id]]
        for line in lines:
            print(f"  {score.case.id}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    parser.add_argument("--verbose", action="store_true", help="list every finding of every case")
    parser.add_argument("--case", help="only the cases whose id contains this text")
    arguments = parser.parse_args()
    scores, seen_by_case, elapsed = run(arguments.case)
    if arguments.json:
        report_json(scores, elapsed)
    else:
        report_table(scores, seen_by_case, elapsed, arguments.verbose)


if __name__ == "__main__":
    main()
