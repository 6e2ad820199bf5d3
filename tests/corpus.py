"""Access to the recorded provider traffic in `../shared/corpus` (see its README)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

CORPUS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus").resolve()


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
    """pytest params for the matching records, id'd by file name; skips if the corpus is absent."""
    found = [
        r
        for r in records()
        if (api is None or r.api == api)
        and (provider_prefix is None or r.provider.startswith(provider_prefix))
    ]
    if not found:
        yield pytest.param(None, marks=pytest.mark.skip(reason="corpus not found"), id="no-corpus")
    for record in found:
        yield pytest.param(record, id=record.file)
