"""Hooks for the whole suite: what a test marked `corpus` does when ../shared/corpus is absent.

Outside CI such tests are skipped, all with the one reason `tests.corpus.require` raises, so the
summary shows one line saying what is skipped and why. Under CI (`CI=true`) they fail instead,
in the call phase (a FAILED test, not a setup error), naming the path that was looked for.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import corpus


@pytest.fixture(autouse=True, scope="session")
def _stdin_is_empty() -> Iterator[None]:
    """Every process a test starts inherits an empty stdin, never the runner's own: `solcoder
    -p TEXT` reads a piped stdin (like `llm`), and CI's stdin may be a pipe that never ends."""
    import os

    saved = os.dup(0)
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        os.close(saved)


@pytest.fixture(autouse=True)
def _process_redactor_per_test() -> Iterator[None]:
    """Keys a test registers with the process-wide redactor are forgotten after it. The screen
    and `--json` hold back the characters that could begin a known key, so keys left over by
    one test would change how the next one's deltas are cut."""
    from solcoder.redact import default_redactor

    redactor = default_redactor()
    known = redactor._known
    yield
    if redactor._known is not known:
        redactor._known = known
        redactor._patterns = {}


def _needs_missing_corpus(item: pytest.Item) -> corpus.Absent | None:
    if item.get_closest_marker("corpus") is None:
        return None
    return corpus.absent()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip before any fixture starts (a fake server, a measurement) when not under CI."""
    verdict = _needs_missing_corpus(item)
    if verdict is not None and not verdict.fail:
        corpus.require()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Under CI, fail the test in place of running it against no records."""
    verdict = _needs_missing_corpus(pyfuncitem)
    if verdict is None:
        return None
    corpus.require()
    return True  # not reached: require() raised (kept for the hook's contract)
