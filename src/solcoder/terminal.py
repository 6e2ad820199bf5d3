"""The one terminal-safe form of text that came from outside: model replies, server messages,
transcripts, telemetry rows, config files.

Every command that prints such text goes through `safe` (or `echo`, `safe_json`): the REPL, `-p`,
`sessions`, `logs`, `stats`, `models`, `replay`, `config`, `auth` and every error message. Three
things happen, in this order:

1. C0 and C1 control characters other than newline and tab are removed, so no escape sequence
   (`ESC]0;title BEL` retitles the window, `ESC]52;…` writes the clipboard, `ESC[2J` clears the
   screen, the 8-bit CSI U+009B) reaches the terminal;
2. bidirectional overrides and invisible characters (U+202A-U+202E, U+2066-U+2069,
   U+200B-U+200F, U+2060-U+2064, U+061C, U+FEFF) are shown escaped, `<U+202E>`, as code review
   tools do against "trojan source": text cannot look different from what it is;
3. secrets are masked (`solcoder.redact`), after 1., so a control character planted inside a
   key cannot hide it from the redactor.

JSON output keeps the text as it is (JSON escapes C0 characters itself) but gets the rest of the
dangerous characters as `\\uXXXX` escapes, which JSON readers turn back into the same text.
Free of rich and click at import time: error paths of fast commands stay fast.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import IO, Any, TextIO

from solcoder.redact import default_redactor

_REMOVED = (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))
"""C0 (tab and newline kept), DEL and C1."""

INVISIBLE = (
    0x061C,
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2065),
    *range(0x2066, 0x206A),
    0xFEFF,
    *range(0xE0000, 0xE0080),
)
"""Bidirectional controls, zero-width characters and Unicode tag characters (invisible, yet
read by a model: text could show one thing and tell it another): shown as `<U+XXXX>`."""

_SCREEN: dict[int, str | None] = {
    **dict.fromkeys(_REMOVED),
    **{code: f"<U+{code:04X}>" for code in INVISIBLE},
}
_EVIDENCE: dict[int, str] = {code: f"<U+{code:04X}>" for code in (*_REMOVED, *INVISIBLE)}


def _json_escape(code: int) -> str:
    """JSON's `\\uXXXX` form; a character beyond the BMP as its surrogate pair."""
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


_JSON: dict[int, str] = {
    code: _json_escape(code) for code in (*range(0x7F, 0xA0), *INVISIBLE, 0x2028, 0x2029)
}


def clean(text: str) -> str:
    """`text` without control characters, invisible ones escaped (secrets untouched)."""
    return text.translate(_SCREEN)


def safe(text: str) -> str:
    """`text` fit for the terminal: cleaned, then redacted."""
    return default_redactor().redact(text.translate(_SCREEN))


def evidence(text: str) -> str:
    """`text` for a file someone will `cat` (a failure report): every control and invisible
    character shown as `<U+XXXX>` rather than removed, since what the server sent is the point
    of the file; then redacted."""
    return default_redactor().redact(text.translate(_EVIDENCE))


class EvidenceFormatter(logging.Formatter):
    """For the debug log: lines quote models, servers and config files, and the file is read
    with `cat` or `tail -f`, so control and invisible characters are written as `<U+XXXX>`."""

    def format(self, record: logging.LogRecord) -> str:
        return evidence(super().format(record))


def safe_json(data: Any, *, indent: int | None = None, compact: bool = False) -> str:
    """`data` as JSON with secrets masked and no character a terminal would act on."""
    separators = (",", ":") if compact else None
    text = json.dumps(
        default_redactor().redact_data(data),
        ensure_ascii=False,
        indent=indent,
        separators=separators,
    )
    # Outside strings JSON has only ASCII: every replaced character sits inside a string.
    return text.translate(_JSON)


def echo(text: str = "", *, err: bool = False, stream: TextIO | None = None) -> None:
    """Write one line of outside text, made safe, to stdout (or stderr, or `stream`)."""
    out = stream or (sys.stderr if err else sys.stdout)
    line = safe(text) + "\n"
    try:
        out.write(line)
    except UnicodeEncodeError:
        # A legacy-locale terminal: the characters it lacks become "?" rather than a crash.
        encoding = getattr(out, "encoding", None) or "ascii"
        out.write(line.encode(encoding, "replace").decode(encoding))
    out.flush()


def is_terminal(stream: IO[str] | None) -> bool:
    """True for an interactive terminal that understands the erase sequence (here, not in
    `ui.spinner`, so a piped `-p` run decides against the spinner without importing it)."""
    import os

    if stream is None or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
