"""Access to the recorded provider traffic in `../shared/corpus` (see its README).

The corpus is other projects' recordings, kept beside the repository rather than in it, so a
plain clone has none. Tests that replay it carry the `corpus` marker; `tests/conftest.py` asks
`absent()` what to do without it: under CI (`CI=true`) that is a failure, since CI always lays
out `../shared`, and elsewhere a skip whose one reason names the missing path. The quirks the
corpus shows are also covered by the hand-written fixtures in `tests/fixtures/wire/`.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

CORPUS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus").resolve()
MARK = pytest.mark.corpus
"""Marks a test (or, as `pytestmark`, a module) that needs the corpus."""
_CI_TRUE = frozenset({"true", "1", "yes"})


@dataclass(frozen=True)
class Absent:
    """The corpus is missing: whether that fails the test (under CI) and the notice to give."""

    fail: bool
    message: str


def under_ci(environ: Mapping[str, str]) -> bool:
    """CI services set `CI=true` (some `1`); an empty or `false` value is not CI."""
    return environ.get("CI", "").strip().lower() in _CI_TRUE


def absent(corpus: Path | None = None, environ: Mapping[str, str] | None = None) -> Absent | None:
    """None when the corpus at `corpus` (default `CORPUS`) is there, else what to do about it.

    The corpus counts as present when its `MANIFEST.tsv` exists; the message says where it was
    looked for, so a wrong layout is found at a glance.
    """
    manifest = (CORPUS if corpus is None else corpus) / "MANIFEST.tsv"
    if manifest.is_file():
        return None
    if under_ci(os.environ if environ is None else environ):
        return Absent(
            True,
            f"the recorded corpus is missing under CI=true: looked for {manifest} "
            "(CI checks out ../shared/corpus beside the repository; without it these tests "
            "would silently test nothing)",
        )
    return Absent(
        False,
        f"recorded corpus not found (looked for {manifest}): the tests replaying it are "
        "skipped; the hand-written fixtures in tests/fixtures/wire still run, and under "
        "CI=true this is a failure",
    )


def require(corpus: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Fail (under CI) or skip the running test when the corpus is absent; else do nothing.

    Every skip is raised from this one line with one message, so pytest's summary folds them
    into a single notice instead of one line per test function.
    """
    verdict = absent(corpus, environ)
    if verdict is None:
        return
    if verdict.fail:
        pytest.fail(verdict.message, pytrace=False)
    pytest.skip(verdict.message)


def placeholder() -> Any:
    """The one param standing in for the records when there are none, so the test still runs
    (and `tests/conftest.py` skips or fails it with the corpus notice)."""
    return pytest.param(None, id="no-corpus")


@dataclass(frozen=True)
class Record:
    file: str
    provider: str
    api: str
    features: frozenset[str]
    data: dict[str, Any]

    @property
    def request(self) -> dict[str, Any]:
        return self.data["request"]  # type: ignore[no-any-return]

    @property
    def response(self) -> dict[str, Any]:
        return self.data["response"]  # type: ignore[no-any-return]

    @property
    def expected(self) -> dict[str, Any]:
        return self.data["expected"]  # type: ignore[no-any-return]

    @property
    def status(self) -> int:
        return int(self.response["status"])

    @property
    def body(self) -> bytes:
        return str(self.response["body_text"]).encode("utf-8")

    @property
    def is_stream(self) -> bool:
        return "stream" in self.features


@cache
def records() -> tuple[Record, ...]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return ()
    out = []
    with manifest.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            data = json.loads((CORPUS / row["file"]).read_text(encoding="utf-8"))
            out.append(
                Record(
                    row["file"],
                    data["provider"],
                    data.get("api", ""),
                    frozenset(data.get("features", [])),
                    data,
                )
            )
    return tuple(out)


def select(*, api: str | None = None, provider_prefix: str | None = None) -> Iterator[Any]:
    """pytest params for the matching records, id'd by file name (a `placeholder()` if none)."""
    found = [
        r
        for r in records()
        if (api is None or r.api == api)
        and (provider_prefix is None or r.provider.startswith(provider_prefix))
    ]
    if not found:
        yield placeholder()
    for record in found:
        yield pytest.param(record, id=record.file)
