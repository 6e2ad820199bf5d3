"""Plain stderr output for diagnostics: one safe line per failure, colour only on a TTY.

Messages often quote a server (an error body) or a file, so they go through the one
terminal-safe form (`solcoder.terminal.safe`: no control characters, invisible characters
escaped, secrets masked). Kept free of rich so that error paths of fast commands stay fast.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from solcoder.terminal import safe


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def print_error(message: str, hint: str | None = None, *, stream: TextIO | None = None) -> None:
    """`✗ message` then the next step, both made safe."""
    out = stream or sys.stderr
    red, dim, reset = ("\x1b[31m", "\x1b[2m", "\x1b[0m") if _colour(out) else ("", "", "")
    out.write(f"{red}✗ {safe(message)}{reset}\n")
    if hint:
        out.write(f"{dim}  {safe(hint)}{reset}\n")
    out.flush()


def print_notice(message: str, *, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    yellow, reset = ("\x1b[33m", "\x1b[0m") if _colour(out) else ("", "")
    out.write(f"{yellow}{safe(message)}{reset}\n")
    out.flush()
