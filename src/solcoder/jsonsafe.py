"""JSON from outside (servers, models, files) with its nesting depth bounded.

`json.loads` recurses once per level: 100,000 nested brackets from a hostile server or model
raise `RecursionError`, which nothing maps to a user-facing error ("a bug in SolCoder"), and a
document just under the interpreter's limit parses but breaks whatever walks it next (the
encoder, the redactor, pydantic). Every loader of outside data goes through `loads`, which
turns both into `JSONTooDeep`, a `ValueError` like `JSONDecodeError`, so each caller's
existing "not JSON" path reports it.

The hot path (one call per streamed event) stays cheap: a text of at most `2 * MAX_DEPTH`
characters cannot be nested deeper than `MAX_DEPTH`, and a longer one is walked only when it
holds more than `MAX_DEPTH` opening brackets (two `str.count` calls, in C).
"""

from __future__ import annotations

import json
import json.scanner
from typing import Any, cast

__all__ = ["MAX_DEPTH", "JSONTooDeep", "loads", "too_deep"]

MAX_DEPTH = 512
"""Deepest nesting accepted, far beyond any real payload, far below the recursion limit."""

_decode = json.JSONDecoder().decode
_lenient = json.JSONDecoder(strict=False).decode
_scan = json.scanner.make_scanner(cast(Any, json.JSONDecoder()))  # typeshed: a quirk


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than `MAX_DEPTH` levels."""

    def __init__(self) -> None:
        super().__init__(f"nested deeper than {MAX_DEPTH} levels")


def loads(data: str | bytes | bytearray, *, strict: bool = True) -> Any:
    """`json.loads(data)`, raising `JSONTooDeep` (a `ValueError`) for excessive nesting.

    `strict=False` accepts raw control characters inside strings, as `json.loads` does.
    """
    try:
        if type(data) is str and strict:
            value = _scan_whole(data)
        elif type(data) is str:
            value = _lenient(data)
        else:
            value = json.loads(data, strict=strict)
    except RecursionError:
        raise JSONTooDeep() from None
    if len(data) > 2 * MAX_DEPTH and _brackets(data) > MAX_DEPTH and too_deep(value):
        raise JSONTooDeep()
    return value


def _scan_whole(text: str) -> Any:
    """`decode(text)` at about three quarters of its cost (one call per streamed event): the C
    scanner directly when the text is one value with nothing around it, else `decode` itself,
    which then raises the usual errors."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:  # no value at the very start (whitespace, a BOM, nothing)
        return _decode(text)
    if end != len(text):  # trailing whitespace or data: decode decides
        return _decode(text)
    return value


def _brackets(data: str | bytes | bytearray) -> int:
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed value nests lists and objects deeper than `limit`; iterative, so it
    cannot itself run out of stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
