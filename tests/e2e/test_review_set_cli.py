"""`solcoder review --json` on cases of the labelled review set, through the installed CLI.

The unit ring (tests/unit/test_review_accuracy.py) holds the engine to its targets on every
case; this ring checks that the command a user runs in CI says the same: the `finding` lines
name the labelled class at the labelled place, secured and safe programs get no high or critical
finding, a workspace holding several programs is reviewed whole when no path is given, and
`--fail-on high` turns that into the exit status.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.support.review_set import LabelledCase, Seen, load_cases, score_case

pytestmark = pytest.mark.e2e

CASES = {case.id: case for case in load_cases()}
VULNERABLE = (
    "missing_signer/anchor_user_with_fee_payer",
    "pda_sharing/anchor_vulnerable",
    "arbitrary_cpi/native_vulnerable",
    "unchecked_arithmetic/anchor_vulnerable",
)
SECURED = (
    "missing_signer/anchor_secured_by_hand",
    "unchecked_arithmetic/anchor_secured_by_constraint",
    "safe/plain_arithmetic_with_overflow_checks",
    "safe/relayed_claim_user_signs",
)
FINDING_KEYS = {"type", "class", "severity", "path", "line", "message", "fix"}


def _copy(case: LabelledCase, into: Path) -> Path:
    shutil.copytree(case.path, into)
    return into


def _events(stdout: str) -> list[dict[str, object]]:
    events = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert events, "no JSON output"
    assert events[-1]["type"] == "summary", events[-1]
    return events


def _findings(events: list[dict[str, object]], *, prefix: str = "") -> list[Seen]:
    seen = []
    for event in events:
        if event["type"] != "finding":
            continue
        assert set(event) >= FINDING_KEYS, event
        path = str(event["path"])
        assert not Path(path).is_absolute() and "\\" not in path, path
        if prefix:
            assert path.startswith(prefix), path
            path = path.removeprefix(prefix)
        line = event["line"]
        assert isinstance(line, int) and line >= 1
        seen.append(Seen(str(event["class"]), str(event["severity"]), path, line))
    return seen


@pytest.mark.parametrize("case_id", VULNERABLE)
def test_review_json_finds_the_labelled_vulnerability(
    case_id: str, run_cli: Run, tmp_path: Path
) -> None:
    case = CASES[case_id]
    workspace = _copy(case, tmp_path / "project")
    result = run_cli("review", ".", "--json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    score = score_case(case, _findings(_events(result.stdout)))
    assert score.missed == [], result.stdout
    assert score.under_rated == [], result.stdout


@pytest.mark.parametrize("case_id", SECURED)
def test_review_json_raises_no_alarm_on_a_secured_program(
    case_id: str, run_cli: Run, tmp_path: Path
) -> None:
    case = CASES[case_id]
    workspace = _copy(case, tmp_path / "project")
    result = run_cli("review", ".", "--json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    score = score_case(case, _findings(_events(result.stdout)))
    assert score.false_alarms == [] and score.forbidden == [], result.stdout


def test_review_without_a_path_covers_every_program_of_the_workspace(
    run_cli: Run, tmp_path: Path
) -> None:
    workspace = tmp_path / "monorepo"
    chosen = {
        "escrow": CASES["missing_signer/anchor_user_with_fee_payer"],
        "ledger": CASES["unchecked_arithmetic/anchor_vulnerable"],
        "treasury": CASES["missing_signer/native_vulnerable"],
        "profiles": CASES["safe/user_bound_pda"],
    }
    for directory, case in chosen.items():
        _copy(case, workspace / directory)
    result = run_cli("review", "--json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    events = _events(result.stdout)
    for directory, case in chosen.items():
        seen = [
            Seen(f.klass, f.severity, f.path.removeprefix(f"{directory}/"), f.line)
            for f in _findings(events)
            if f.path.startswith(f"{directory}/")
        ]
        score = score_case(case, seen)
        assert score.missed == [], (directory, result.stdout)
        assert score.false_alarms == [], (directory, result.stdout)
    summary = events[-1]
    assert summary["programs"] == len(chosen), summary


def test_fail_on_high_sets_the_exit_status(run_cli: Run, tmp_path: Path) -> None:
    vulnerable = _copy(CASES["pda_sharing/anchor_vulnerable"], tmp_path / "vulnerable")
    secured = _copy(CASES["pda_sharing/anchor_secured_by_constraint"], tmp_path / "secured")
    failing = run_cli("review", ".", "--json", "--fail-on", "high", cwd=vulnerable)
    passing = run_cli("review", ".", "--json", "--fail-on", "high", cwd=secured)
    assert failing.returncode != 0, failing.stdout
    assert _events(failing.stdout)[-1]["type"] == "summary"
    assert passing.returncode == 0, (passing.stdout, passing.stderr)
