"""A unified diff for people: coloured by line, made terminal-safe, cut to a screenful.

The diff's text comes from the user's files and the model's edits, so every line goes
through `safe` (no escape sequence from a file reaches the terminal). Shared by the approval
question, the line after an applied change and `/diff`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from solcoder.terminal import safe

if TYPE_CHECKING:
    from rich.text import Text

MAX_LINES: Final = 80

_STYLES: Final = (
    ("+++", "bold"),
    ("---", "bold"),
    ("@@", "cyan"),
    ("+", "green"),
    ("-", "red"),
    ("\\", "dim"),
)


def diff_lines(diff: str, *, max_lines: int | None = MAX_LINES) -> list[Text]:
    """One styled line per diff line; the rest counted in a last line when cut."""
    from rich.text import Text

    lines = diff.splitlines()
    shown = lines if max_lines is None else lines[:max_lines]
    out: list[Text] = []
    for line in shown:
        style = next((style for prefix, style in _STYLES if line.startswith(prefix)), "")
        out.append(Text(safe(line), style=style))
    if len(shown) < len(lines):
        out.append(Text(f"… {len(lines) - len(shown)} more diff lines", style="dim"))
    return out
