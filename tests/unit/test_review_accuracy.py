"""The review engine meets its targets on the labelled set (issue 24 item 4), via its Python API.

Targets: every vulnerable variant is found with the right class, at the right place, at no less
than its labelled severity, with a message naming the account it is about; no secured variant
or safe program gets a high or critical finding, nor any finding of the class it is secured
against; every file of the set is read (no `problems`). benchmarks/review_accuracy.py prints
the same scores as a table.
"""

from __future__ import annotations

import functools

import pytest

from tests.support.review_set import (
    CaseScore,
    LabelledCase,
    Seen,
    load_cases,
    review_case,
    score_case,
)

CASES = load_cases()
VULNERABLE = [case for case in CASES if case.variant == "vulnerable"]
SECURED = [case for case in CASES if case.variant != "vulnerable"]


@functools.cache
def _run(case_id: str) -> tuple[tuple[Seen, ...], tuple[str, ...]]:
    case = next(case for case in CASES if case.id == case_id)
    seen, problems = review_case(case)
    return tuple(seen), problems


def _review(case_id: str) -> tuple[CaseScore, tuple[str, ...]]:
    seen, problems = _run(case_id)
    case = next(case for case in CASES if case.id == case_id)
    return score_case(case, seen), problems


def _all(score: CaseScore) -> str:
    seen, _ = _run(score.case.id)
    return "; ".join(finding.describe() for finding in seen) or "no findings"


@pytest.mark.parametrize("case", VULNERABLE, ids=[case.id for case in VULNERABLE])
def test_vulnerable_case_is_found_with_its_class(case: LabelledCase) -> None:
    score, _ = _review(case.id)
    missed = [f"{e.klass} at {e.file}:{e.line}" for e in score.missed]
    assert missed == [], f"{case.why}. Reported: {_all(score)}"


@pytest.mark.parametrize("case", VULNERABLE, ids=[case.id for case in VULNERABLE])
def test_vulnerable_case_is_rated_at_least_its_labelled_severity(case: LabelledCase) -> None:
    score, _ = _review(case.id)
    low = [f"{e.klass}: {seen.severity} < {e.min_severity}" for e, seen in score.under_rated]
    assert low == []


@pytest.mark.parametrize("case", VULNERABLE, ids=[case.id for case in VULNERABLE])
def test_vulnerable_finding_names_the_account_it_is_about(case: LabelledCase) -> None:
    score, _ = _review(case.id)
    wrong = [f"{e.klass} should name {e.names}: {seen.message}" for e, seen in score.misnamed]
    assert wrong == []


@pytest.mark.parametrize("case", SECURED, ids=[case.id for case in SECURED])
def test_secured_or_safe_case_raises_no_alarm(case: LabelledCase) -> None:
    score, _ = _review(case.id)
    alarms = [finding.describe() for finding in score.false_alarms + score.forbidden]
    assert alarms == [], f"{case.why}. Reported: {_all(score)}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_file_of_the_case_is_read(case: LabelledCase) -> None:
    _, problems = _review(case.id)
    assert problems == ()
