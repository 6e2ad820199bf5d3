"""The rule for a missing ../shared/corpus: a failure under CI, elsewhere one skip notice.

Checked on a path that does not exist (and a temporary corpus that does), by calling the
decision in `tests.corpus` and the two hooks of `tests/conftest.py` directly, so this holds on
every machine whether or not the real corpus is there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import conftest, corpus

NOWHERE = Path("/nonexistent/shared/corpus")


class _Item:
    """Just enough of a pytest item for the hooks: its markers."""

    def __init__(self, *markers: str) -> None:
        self._markers = markers

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self._markers else None


def _present(tmp_path: Path) -> Path:
    (tmp_path / "MANIFEST.tsv").write_text("file\tsource\tprovider\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", " true "])
def test_under_ci_a_missing_corpus_fails_naming_the_path(value: str) -> None:
    verdict = corpus.absent(NOWHERE, {"CI": value})
    assert verdict is not None
    assert verdict.fail
    assert f"looked for {NOWHERE / 'MANIFEST.tsv'}" in verdict.message
    assert "CI=true" in verdict.message
    with pytest.raises(pytest.fail.Exception, match="looked for /nonexistent/shared/corpus"):
        corpus.require(NOWHERE, {"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_elsewhere_a_missing_corpus_skips_with_the_notice(environ: dict[str, str]) -> None:
    verdict = corpus.absent(NOWHERE, environ)
    assert verdict is not None
    assert not verdict.fail
    assert f"looked for {NOWHERE / 'MANIFEST.tsv'}" in verdict.message
    assert "tests/fixtures/wire" in verdict.message  # what still runs
    with pytest.raises(pytest.skip.Exception) as skipped:
        corpus.require(NOWHERE, environ)
    assert skipped.value.msg == verdict.message


@pytest.mark.parametrize("environ", [{}, {"CI": "true"}])
def test_a_present_corpus_runs(tmp_path: Path, environ: dict[str, str]) -> None:
    here = _present(tmp_path)
    assert corpus.absent(here, environ) is None
    corpus.require(here, environ)  # neither skips nor fails


def test_a_directory_without_a_manifest_counts_as_missing(tmp_path: Path) -> None:
    verdict = corpus.absent(tmp_path, {"CI": "true"})
    assert verdict is not None
    assert verdict.fail


def test_every_skip_has_one_reason_from_one_place() -> None:
    """pytest folds skips by (file, line, reason): one raising line and one text make one
    summary line for all corpus tests, not one per test function."""
    raised = []
    for _ in range(3):
        with pytest.raises(pytest.skip.Exception) as skipped:
            corpus.require(NOWHERE, {})
        entry = [e for e in skipped.traceback if not e.ishidden(skipped)][-1]
        raised.append((str(entry.path), entry.lineno, skipped.value.msg))
    assert len(set(raised)) == 1
    assert raised[0][0] == corpus.__file__


@pytest.fixture
def no_corpus(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(corpus, "CORPUS", NOWHERE)
    return monkeypatch


def test_hooks_skip_marked_tests_at_setup_outside_ci(no_corpus: pytest.MonkeyPatch) -> None:
    no_corpus.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="recorded corpus not found"):
        conftest.pytest_runtest_setup(_Item("corpus"))  # type: ignore[arg-type]
    with pytest.raises(pytest.skip.Exception):
        conftest.pytest_pyfunc_call(_Item("corpus"))  # type: ignore[arg-type]


def test_hooks_fail_marked_tests_in_the_call_under_ci(no_corpus: pytest.MonkeyPatch) -> None:
    no_corpus.setenv("CI", "true")
    conftest.pytest_runtest_setup(_Item("corpus"))  # type: ignore[arg-type]  # no setup error
    with pytest.raises(pytest.fail.Exception, match="missing under CI=true"):
        conftest.pytest_pyfunc_call(_Item("corpus"))  # type: ignore[arg-type]


@pytest.mark.parametrize("ci", ["true", ""])
def test_hooks_leave_unmarked_tests_alone(no_corpus: pytest.MonkeyPatch, ci: str) -> None:
    no_corpus.setenv("CI", ci)
    conftest.pytest_runtest_setup(_Item("slow"))  # type: ignore[arg-type]
    assert conftest.pytest_pyfunc_call(_Item("slow")) is None  # type: ignore[arg-type]


def test_hooks_run_marked_tests_when_the_corpus_is_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(corpus, "CORPUS", _present(tmp_path))
    monkeypatch.setenv("CI", "true")
    conftest.pytest_runtest_setup(_Item("corpus"))  # type: ignore[arg-type]
    assert conftest.pytest_pyfunc_call(_Item("corpus")) is None  # type: ignore[arg-type]


def test_the_placeholder_is_one_unmarked_param() -> None:
    """The stand-in param carries no skip mark (that would add its own summary line)."""
    param = corpus.placeholder()
    assert param.values == (None,)
    assert param.id == "no-corpus"
    assert not param.marks
