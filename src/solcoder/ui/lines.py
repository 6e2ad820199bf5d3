"""One-line pieces of the screen, shared by the stream renderer and the REPL: a tool call's
arguments cut to one line, a duration, an error with its next step, and text made encodable
for a legacy-locale terminal. Kept apart from `render.py` (the stream itself)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from solcoder.errors import SolcoderError
from solcoder.llm.messages import ToolCall
from solcoder.terminal import safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

ARGUMENTS_WIDTH = 60
"""Tool arguments are shown on one line, cut to this many characters."""


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters, ending in "…" when cut."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def format_arguments(call: ToolCall, arguments: dict[str, Any] | None) -> str:
    """`goal="Deploy a counter", steps=3`, cut to `ARGUMENTS_WIDTH`; raw text when invalid.

    Made safe before it is cut: cutting first could leave the head of a key the redactor no
    longer recognises."""
    if arguments is None:
        return shorten(safe(call.arguments), ARGUMENTS_WIDTH)
    shown = ", ".join(
        f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in arguments.items()
    )
    return shorten(safe(shown), ARGUMENTS_WIDTH)


def format_duration(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.0f} ms" if milliseconds < 1000 else f"{seconds:.1f} s"


def render_error(console: Console, error: SolcoderError) -> None:
    """`✗ message` and a dim next step; never a traceback."""
    from rich.text import Text

    symbol = "✗" if _unicode(console) else "x"
    message = Text(f"{symbol} {safe(error.display_message)}", style="bold red")
    console.print(encodable(console, message), soft_wrap=True, highlight=False)
    if error.hint:
        hint = Text(f"  {safe(error.hint)}", style="dim")
        console.print(encodable(console, hint), soft_wrap=True, highlight=False)


def _unicode(console: Console) -> bool:
    return console.encoding.lower().replace("-", "").startswith("utf")


def encodable(console: Console, text: Text) -> Text:
    """`text` with characters the console's encoding lacks replaced by "?" (styles kept).

    rich writes with the stream's strict error handler, so one "é" on a legacy-locale
    terminal would otherwise raise UnicodeEncodeError in the middle of a reply.
    """
    if not _unicode(console):
        encoding = console.encoding
        text.plain = text.plain.encode(encoding, "replace").decode(encoding)
    return text
