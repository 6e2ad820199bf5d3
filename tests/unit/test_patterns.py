"""`lazy_pattern`: the pattern is compiled on first use, once, as `re.compile` would."""

from __future__ import annotations

import re

import pytest

from solcoder.patterns import lazy_pattern


def test_compiled_on_first_use_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[object] = []
    real_compile = re.compile

    def counting_compile(pattern: object, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real_compile(pattern, flags)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(re, "compile", counting_compile)
    words = lazy_pattern(r"\w+", re.ASCII)
    assert compiled == []  # nothing at definition
    assert words().findall("héllo wörld") == ["h", "llo", "w", "rld"]
    assert words() is words()
    assert compiled == [r"\w+"]


def test_bytes_patterns() -> None:
    role = lazy_pattern(rb'"role":"(\w+)"')
    found = role().search(b'{"role":"user"}')
    assert found is not None and found.group(1) == b"user"
