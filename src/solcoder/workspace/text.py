"""Text files decoded deliberately, so an edit changes only what it was asked to change.

Editors and tools disagree about line endings, byte order marks and final newlines; a file tool
that normalised any of them would turn a one-line edit into a whole-file diff (and break CRLF
Windows scripts or BOM-sensitive tooling). So the text is kept exactly as on disk, the BOM is
remembered beside it, and only UTF-8 is accepted: guessing an encoding and writing it back in
another is a silent corruption. Binary files are recognised the way git does (a NUL byte near
the start) and refused with a sentence the model can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
BINARY_PROBE_BYTES = 8 * 1024
"""git's rule: a NUL byte in the first 8 KB means binary."""
MAX_TEXT_BYTES = 10 * 1024 * 1024
"""Larger files are refused for editing: a model cannot usefully hold them, and each edit
rewrites the whole file."""

_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "UTF-32"),  # before UTF-16 LE, whose mark is its prefix
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


class NotText(Exception):
    """Why a file cannot be handled as text; str(error) is the sentence for the model."""


class TooLarge(NotText):
    """A text file above MAX_TEXT_BYTES."""


@dataclass(frozen=True, slots=True)
class TextFile:
    text: str
    """The decoded content without the BOM, line endings exactly as on disk."""
    bom: bool
    newline: str
    """The dominant line ending: "\\n", "\\r\\n" or "\\r" ("\\n" when there is no break)."""

    @property
    def final_newline(self) -> bool:
        return self.text.endswith(("\n", "\r"))


def check_size(size: int, *, name: str = "file") -> None:
    """Refuse a file of `size` bytes for editing (TooLarge) before reading it."""
    if size > MAX_TEXT_BYTES:
        raise TooLarge(
            f"`{name}` is too large to edit ({size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_TEXT_BYTES // 1024 // 1024} MB). Read parts of it with read_file's offset and "
            "limit, or change it with a command such as sed instead."
        )


def decode(data: bytes, *, name: str = "file", max_bytes: int | None = MAX_TEXT_BYTES) -> TextFile:
    """`data` as a TextFile, or NotText: too large (above `max_bytes`, None for no limit),
    UTF-16/32, binary or not UTF-8."""
    if max_bytes is not None and len(data) > max_bytes:
        check_size(len(data), name=name)
    for mark, encoding in _WIDE_BOMS:
        if data.startswith(mark):
            raise NotText(
                f"`{name}` is {encoding} text (byte order mark {mark.hex(' ').upper()}); SolCoder "
                f"reads and edits UTF-8 files only. Convert it first (for example `iconv -f "
                f"{encoding} -t UTF-8`) or leave it alone."
            )
    if b"\x00" in data[:BINARY_PROBE_BYTES]:
        raise NotText(
            f"`{name}` is a binary file ({len(data)} bytes); the file tools read and edit text "
            "only. Leave it alone, or inspect it with a command made for its format."
        )
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + (len(BOM) if bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise NotText(
            f"`{name}` is not UTF-8 text (invalid byte 0x{data[offset]:02x} at offset {offset}, "
            f"line {line}); SolCoder reads and edits UTF-8 files only. Convert it to UTF-8 first "
            "(for example with iconv), or leave it alone."
        ) from None
    return TextFile(text=text, bom=bom, newline=dominant_newline(text))


def dominant_newline(text: str) -> str:
    """The most frequent line ending of `text`; "\\n" on a tie or with none."""
    crlf = text.count("\r\n")
    if not crlf and "\r" not in text:
        return "\n"
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    best = max(lf, crlf, cr)
    if lf == best:
        return "\n"
    return "\r\n" if crlf == best else "\r"


def encode(file: TextFile, text: str) -> bytes:
    """`text` as the bytes of `file`'s new content: UTF-8, the BOM restored if it had one.
    NotText when `text` holds an unpaired surrogate (no UTF-8 form)."""
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError as error:
        character = ord(text[error.start])
        raise NotText(
            f"The new text contains an unpaired surrogate (U+{character:04X}) at character "
            f"{error.start}, which cannot be written as UTF-8; send the intended character itself."
        ) from None
    return BOM + body if file.bom else body


def adopt_newlines(file: TextFile, text: str) -> str:
    """`text` with each bare "\\n" turned into `file`'s line ending, for whole content a model
    wrote with "\\n" replacing a CRLF (or CR) file. Unchanged when the file uses "\\n" or the
    text already contains a "\\r" (its line endings were chosen on purpose)."""
    if file.newline == "\n" or "\r" in text:
        return text
    return text.replace("\n", file.newline)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their endings ("\\r\\n", "\\r" or "\\n" only, unlike
    str.splitlines, which also breaks at form feeds and U+2028 where editors do not); a final
    line break does not start another line."""
    lines = text.split("\n") if "\r" not in text else _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def line_number(text: str, position: int) -> int:
    """The 1-based line (as split_lines counts) on which character `position` of `text` is."""
    breaks = text.count("\n", 0, position)
    if "\r" in text:
        breaks += text.count("\r", 0, position) - text.count("\r\n", 0, position)
    return breaks + 1
