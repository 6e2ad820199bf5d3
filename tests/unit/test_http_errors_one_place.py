"""httpx2's exceptions are named in one module (issue 23 item 11).

Four sites outside `llm/transport/http_errors.py` caught or tested httpx2 exceptions
themselves (the client's URL check, the local server's health poll, the llama.cpp probe, the
decompression error in `http.py`), each deciding on its own what they mean.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "solcoder"
THE_PLACE = SRC / "llm" / "transport" / "http_errors.py"


def _names_httpx2(node: ast.AST) -> bool:
    return any(
        isinstance(sub, ast.Attribute)
        and isinstance(sub.value, ast.Name)
        and sub.value.id == "httpx2"
        and sub.attr.endswith(("Error", "Exception", "URL"))
        for sub in ast.walk(node)
    )


def httpx2_error_handling() -> list[str]:
    found: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        if path == THE_PLACE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                checked: ast.AST | None = node.type
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance"
                and len(node.args) == 2
            ):
                checked = node.args[1]
            else:
                checked = None
            if checked is not None and _names_httpx2(checked):
                found.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}")
    return found


def test_only_http_errors_catches_httpx2_exceptions() -> None:
    assert httpx2_error_handling() == []


def test_the_helpers_map_what_the_sites_caught() -> None:
    import httpx2

    from solcoder.errors import ProtocolError
    from solcoder.llm.transport.http_errors import (
        REQUEST_FAILURES,
        decoding_error,
        url_refused,
    )

    assert url_refused("http://127.0.0.1:8080/v1") is None
    assert url_refused("http://[::1/v1") is not None
    assert isinstance(decoding_error(httpx2.DecodingError("bad gzip"), "p"), ProtocolError)
    assert decoding_error(ValueError("x"), "p") is None
    assert issubclass(httpx2.ConnectError, REQUEST_FAILURES)
