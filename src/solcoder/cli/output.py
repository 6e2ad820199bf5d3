"""Plain stderr output for diagnostics: one redacted line per failure, colour only on a TTY.

Kept free of rich so that error paths of fast commands stay fast.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


def _redact(text: str) -> str:
    try:
        from solcoder.redact import redact
    except ImportError:  # pragma: no cover - redact.py is part of the package
        return text
    return redact(text)


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def print_error(message: str, hint: str | None = None, *, stream: TextIO | None = None) -> None:
    """`✗ message` then the next step, both redacted."""
    out = stream or sys.stderr
    red, dim, reset = ("\x1b[31m", "\x1b[2m", "\x1b[0m") if _colour(out) else ("", "", "")
    out.write(f"{red}✗ {_redact(message)}{reset}\n")
    if hint:
        out.write(f"{dim}  {_redact(hint)}{reset}\n")
    out.flush()


def print_notice(message: str, *, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    yellow, reset = ("\x1b[33m", "\x1b[0m") if _colour(out) else ("", "")
    out.write(f"{yellow}{_redact(message)}{reset}\n")
    out.flush()
