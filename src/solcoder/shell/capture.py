"""Bounded capture of a command's output: the head and the tail kept, the middle counted.

A command may print gigabytes (a test loop, `yes`, a verbose build); the model needs the start
(what ran) and the end (the error, the summary), not the middle, and SolCoder's memory must not
grow with the output. `HeadTail` keeps the first half of the budget as it arrives and the last
half in a ring of chunks, so memory stays near `max_bytes` whatever the command prints, and each
chunk costs one append (no per-line work). Text is decoded once, at the end, with the cut edges
moved to character boundaries so a multi-byte character is never split into replacement marks.
"""

from __future__ import annotations

from collections import deque

CONTINUATION_MASK = 0xC0
CONTINUATION = 0x80


def cut_note(count: int) -> str:
    return f"[… {count:,} bytes cut …]"


def skip_partial_start(data: bytes | bytearray | memoryview, start: int = 0) -> int:
    """The first index at or after `start` that does not continue a character (at most 3 on)."""
    end = min(len(data), start + 3)
    index = start
    while index < end and data[index] & CONTINUATION_MASK == CONTINUATION:
        index += 1
    return index


def complete_end(data: bytes | bytearray | memoryview, end: int | None = None) -> int:
    """The largest index at or before `end` that does not split a UTF-8 character."""
    end = len(data) if end is None else end
    index = end
    floor = max(0, end - 4)
    while index > floor:
        byte = data[index - 1]
        if byte < CONTINUATION:  # ASCII: everything up to here is complete
            return end
        if byte & CONTINUATION_MASK != CONTINUATION:  # a lead byte: how long is its character?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if end - (index - 1) >= need else index - 1
        index -= 1
    return end  # not UTF-8 anyway: let the decoder replace it


def decode(data: bytes | bytearray | memoryview) -> str:
    return bytes(data).decode("utf-8", errors="replace")


class HeadTail:
    """The first `max_bytes // 2` bytes and the last `max_bytes - max_bytes // 2`, and a count.

    When the whole output fits in `max_bytes` nothing is cut: the tail holds exactly what came
    after the head."""

    __slots__ = ("_chunks", "_head", "_head_limit", "_tail_bytes", "_tail_limit", "total")

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 2:
            raise ValueError("max_bytes must be at least 2")
        self._head_limit = max_bytes // 2
        self._tail_limit = max_bytes - self._head_limit
        self._head = bytearray()
        self._chunks: deque[bytes] = deque()
        self._tail_bytes = 0
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            if len(data) <= room:
                return
            data = data[room:]
        if len(data) >= self._tail_limit:
            self._chunks.clear()
            self._chunks.append(data[-self._tail_limit :])
            self._tail_bytes = self._tail_limit
            return
        self._chunks.append(data)
        self._tail_bytes += len(data)
        chunks = self._chunks
        while self._tail_bytes - len(chunks[0]) >= self._tail_limit:
            self._tail_bytes -= len(chunks.popleft())
        excess = self._tail_bytes - self._tail_limit
        if excess > 0:
            chunks[0] = chunks[0][excess:]
            self._tail_bytes -= excess

    @property
    def cut(self) -> int:
        return self.total - len(self._head) - self._tail_bytes

    def text(self) -> str:
        """The output as text, with a note where the middle was cut."""
        tail = b"".join(self._chunks)
        if not self.cut:
            return decode(self._head + tail)
        head_end = complete_end(self._head)
        tail_start = skip_partial_start(tail)
        dropped = self.cut + (len(self._head) - head_end) + tail_start
        head, rest = decode(self._head[:head_end]), decode(tail[tail_start:])
        separator = "" if head.endswith("\n") or not head else "\n"
        return f"{head}{separator}{cut_note(dropped)}\n{rest}"
