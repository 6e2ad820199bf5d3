"""Word wrapping for the terminal, for text that arrives a few characters at a time.

A terminal wraps a long line at its last column, in the middle of a word; rich re-wraps only
what it renders itself, and a streamed reply is written raw (see `ui/render.py`). So the REPL
feeds its reply through a `WordWrapper`: it holds back the word being streamed (never more
than one word) and starts a new line before a word that would not fit. Continuation lines keep
the indentation of their line, and after a list marker (`-`, `*`, `1.`) they line up with
the item's text, so `/plan` steps and markdown lists stay readable.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_MARKER = re.compile(r"(?:[-*+•>]|\d{1,3}[.)]|\[[^\]]{1,12}\]|fix:)")
"""A first word after which continuation lines line up with the text (list items, review
findings' `[high]` and `fix:`)."""

TAB = 8


class WordWrapper:
    """Wraps streamed text at `width` columns between words; see the module docstring.

    `feed` returns what can be written now, `flush` what is held back (call it when the
    stream ends or something else is about to be written).
    """

    def __init__(self, width: int) -> None:
        self.width = max(width, 10)
        self._column = 0
        self._indent = ""
        self._leading = True
        """Still in the whitespace at the start of the line."""
        self._first_word = True
        self._word = ""

    def feed(self, text: str) -> str:
        out: list[str] = []
        for char in text:
            if char == "\n":
                out.append(self._place_word())
                out.append("\n")
                self._new_line()
            elif char in " \t":
                out.append(self._place_word())
                out.append(self._space(char))
            else:
                self._leading = False
                self._word += char
        return "".join(out)

    def flush(self) -> str:
        """The word held back, written now (the stream ended or is interrupted)."""
        return self._place_word()

    def _new_line(self) -> None:
        self._column = 0
        self._indent = ""
        self._leading = True
        self._first_word = True

    def _space(self, char: str) -> str:
        step = TAB - self._column % TAB if char == "\t" else 1
        if self._leading:
            self._indent += char
            self._column += step
            return char
        if self._column + step > self.width:
            return self._break()  # a space at the end of a line is dropped
        self._column += step
        return char

    def _break(self) -> str:
        indent = self._indent if cell_len(self._indent.expandtabs(TAB)) < self.width // 2 else ""
        self._column = cell_len(indent.expandtabs(TAB))
        return "\n" + indent

    def _place_word(self) -> str:
        word = self._word
        if not word:
            return ""
        self._word = ""
        size = cell_len(word)
        prefix = ""
        start_of_text = cell_len(self._indent.expandtabs(TAB))
        if self._column + size > self.width and self._column > start_of_text:
            prefix = self._break()
        if self._first_word:
            self._first_word = False
            if _MARKER.fullmatch(word):
                # Continuation lines line up with the item's text, after "1. " or "- ".
                self._indent += " " * (size + 1)
        self._column += size
        if self._column > self.width:  # a word longer than the line: the terminal folds it
            self._column %= self.width
        return prefix + word


def wrap_block(text: str, width: int) -> str:
    """`text` (several lines) wrapped at `width` with the same rules as a streamed reply."""
    wrapper = WordWrapper(width)
    return wrapper.feed(text) + wrapper.flush()
