"""The recent output of a background process, addressed by byte offset since it started.

A dev server or a validator runs for hours and prints all along; the model asks now and then
"what is new since offset N". Only the last `max_bytes` are kept (memory is bounded however
long the process runs), and a reader that fell behind is told how much it missed instead of
silently getting a gap. One answer is bounded too (head and tail of the new output, like
`run_command`'s result), and offsets handed out never split a UTF-8 character, so a reader who
passes back the offset it got never sees a replacement mark at the seam.
"""

from __future__ import annotations

import threading

from solcoder.shell.capture import complete_end, cut_note, decode, skip_partial_start


def dropped_note(count: int, kept: int) -> str:
    return f"[… {count:,} earlier bytes dropped (only the last {kept:,} are kept) …]\n"


class RetainedOutput:
    """Appended to by the process's reader thread, read by whoever asks (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._data = bytearray()
        self._start = 0
        """The offset of `_data[0]` in the whole output."""
        self._lock = threading.Lock()

    @property
    def end(self) -> int:
        with self._lock:
            return self._start + len(self._data)

    def add(self, block: bytes) -> None:
        with self._lock:
            self._data += block
            excess = len(self._data) - self.max_bytes
            if excess > self.max_bytes // 4:  # trim now and then, not on every block
                del self._data[:excess]
                self._start += excess

    def read(self, since: int | None, *, limit: int, final: bool) -> tuple[str, int]:
        """The output after offset `since` (None: all that is kept) and the offset to pass next.

        With `final` (the process is over) a trailing partial character is returned as a
        replacement mark; before that it waits for the rest of its bytes."""
        with self._lock:
            end = self._start + len(self._data)
            start = max(self._start, end - self.max_bytes)  # trimmed lazily: dropped all the same
            wanted = 0 if since is None else min(max(since, 0), end)
            position = max(wanted, start)
            data = bytes(self._data[position - self._start :])
        dropped = position - wanted
        note = dropped_note(dropped, self.max_bytes) if dropped else ""
        skip = skip_partial_start(data) if dropped else 0
        stop = max(skip, len(data) if final else complete_end(data))
        next_offset = position + stop
        data = data[skip:stop]
        if len(data) <= limit:
            return note + decode(data), next_offset
        head_end = complete_end(data, limit // 2)
        tail_start = skip_partial_start(data, len(data) - (limit - limit // 2))
        head, tail = decode(data[:head_end]), decode(data[tail_start:])
        separator = "" if head.endswith("\n") else "\n"
        cut = f"{separator}{cut_note(tail_start - head_end)}\n"
        return note + head + cut + tail, next_offset
