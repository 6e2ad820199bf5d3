"""Hypothesis strategies for text files as editors leave them: multi-byte characters, LF,
CRLF, CR or mixed line endings, with or without a final line break (the workspace tests)."""

from __future__ import annotations

from hypothesis import strategies as st

PIECES = st.sampled_from([*"ab{}();_ \té日🦀\u2028\x0c", "fn", "let x"])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])
STYLES = st.sampled_from(["\n", "\r\n", "\r", "mixed"])


@st.composite
def documents(draw: st.DrawFn, *, style: str | None = None, max_lines: int = 12) -> str:
    """Lines of multi-byte text joined by one line ending (`style`, drawn when None) or by a
    mix ("mixed"), the last one followed by a line break or not."""
    lines = draw(st.lists(st.lists(PIECES, max_size=8).map("".join), max_size=max_lines))
    chosen = draw(STYLES) if style is None else style
    text = ""
    for index, line in enumerate(lines):
        text += line
        if index < len(lines) - 1 or draw(st.booleans()):
            text += draw(ENDINGS) if chosen == "mixed" else chosen
    return text
