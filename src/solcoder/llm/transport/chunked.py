"""HTTP/1.1 chunked transfer coding, undone with plain byte searches: a pure, incremental decoder.

The bulk read path (`raw_body.py`) reads an event stream's body in network-sized blocks and
hands each block here: the payload of every whole chunk in it comes back as one `bytes`, so the
cost per chunk is a `bytes.find(b"\\r\\n")`, a hex `int()` and a slice. It accepts what h11 (the
parser behind httpx2, the fallback path) accepts and refuses what it refuses, with h11's
messages: the chunk-size line is 1-20 hex digits, optionally `;extensions` and trailing spaces
or tabs, then CRLF; every chunk's data ends in CRLF; a zero-size chunk starts the trailer
section, which ends at an empty line. Any split of the body into blocks gives the same payload
(a property test checks it against h11). A framing error is reported after the payload that
preceded it (`error`), as h11 reports it after the chunks before it.
"""

from __future__ import annotations

from solcoder.patterns import lazy_pattern

MAX_LINE_BYTES = 100 * 1024
"""A chunk-size or trailer line longer than this is refused (h11's receive buffer limit)."""
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_CRLF = b"\r\n"
_CHUNK_HEADER = lazy_pattern(rb"([0-9A-Fa-f]{1,20})(?:;.*)?[ \t]*")
"""A chunk-size line with extensions or trailing blanks (plain hex never needs it)."""


class ChunkedBodyError(ValueError):
    """The body broke the chunked coding; the message is h11's for the same fault."""


class ChunkedDecoder:
    """Feed it the body's bytes in any blocks; `feed` returns the payload they completed.

    `done` turns true once the last chunk and the trailer section were read; bytes after them
    are kept in `extra` (a clean body leaves none, and only then may the connection be reused).
    """

    __slots__ = ("_footer", "_remaining", "_tail", "_trailer", "done", "error", "extra")

    def __init__(self) -> None:
        self._remaining = 0
        """Payload bytes of the current chunk not yet seen."""
        self._footer = False
        """The CRLF that ends a chunk's data comes before the next size line."""
        self._trailer = False
        """The zero-size chunk was read: lines until an empty one are the trailer section."""
        self._tail = b""
        """An incomplete size or trailer line (or footer), kept for the next block."""
        self.done = False
        self.extra = b""
        self.error: ChunkedBodyError | None = None
        """The framing fault found after the payload last returned; raised by the next
        `feed` (the caller hands out what came before it first)."""

    def feed(self, block: bytes) -> bytes:
        """The payload completed by `block` (possibly empty)."""
        if self.error is not None:
            raise self.error
        if self.done:
            self.extra += block
            return b""
        remaining = self._remaining
        if remaining >= len(block):  # the common case of a long chunk: all of it is payload
            self._remaining = remaining - len(block)
            if self._remaining == 0 and block:
                self._footer = True
            return block
        if self._tail:
            block = self._tail + block
            self._tail = b""
        parts: list[bytes] = []
        try:
            self._parse(block, parts)
        except ChunkedBodyError as error:
            self.error = error
            self._tail = b""
        if not parts:
            if self.error is not None:
                raise self.error
            return b""
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _parse(self, block: bytes, parts: list[bytes]) -> None:
        """Append the payload in `block` to `parts`, keeping an incomplete line for later."""
        remaining, footer = self._remaining, self._footer
        position, size, find = 0, len(block), block.find
        try:
            while position < size:
                if remaining:
                    end = position + remaining
                    if end > size:
                        parts.append(block[position:])
                        remaining = end - size
                        break
                    parts.append(block[position:end])
                    position = end
                    remaining = 0
                    footer = True
                elif footer:
                    if block[position : position + 2] != _CRLF:
                        _check_footer(block[position : position + 2])
                        self._tail = block[position:]  # a lone CR: its LF comes next
                        break
                    position += 2
                    footer = False
                else:
                    line_end = find(_CRLF, position)
                    if line_end < 0 or line_end - position > MAX_LINE_BYTES:
                        self._tail = block[position:]
                        if len(self._tail) > MAX_LINE_BYTES:
                            raise ChunkedBodyError("Receive buffer too long")
                        break
                    line = block[position:line_end]
                    position = line_end + 2
                    if self._trailer:
                        if not line:
                            self._end(block[position:])
                            break
                        continue  # a trailer field: read past it, as h11 ignores its value
                    if 0 < len(line) <= 20 and not line.translate(None, _HEX_DIGITS):
                        remaining = int(line, 16)  # plain hex: `_chunk_size` without a call
                    else:
                        remaining = _chunk_size(line)
                    if remaining == 0:
                        self._trailer = True
                        if block[position : position + 1] == b"\n":  # h11 accepts a bare LF
                            self._end(block[position + 1 :])
                            break
        finally:
            self._remaining = remaining
            self._footer = footer

    def _end(self, extra: bytes) -> None:
        self.done = True
        self.extra = extra


def _check_footer(separator: bytes) -> None:
    """Refuse what cannot begin the CRLF after a chunk's data (a lone CR may)."""
    if separator != b"\r":
        raise ChunkedBodyError(
            f"malformed chunk footer: {bytearray(separator)!r} (expected {_CRLF!r})"
        )


def _chunk_size(line: bytes) -> int:
    """The size a chunk-size line that is not plain hex gives, as h11 reads it (extensions
    ignored); `_parse` reads plain hex itself, without the call or the pattern."""
    match = _CHUNK_HEADER().fullmatch(line)
    if match is None:
        raise ChunkedBodyError(f"illegal chunk header: {bytearray(line + _CRLF)!r}")
    return int(match.group(1), 16)
