"""Server-sent events: a pure, incremental decoder fed raw bytes.

Interface (fixed):
    decoder = SSEDecoder(max_event_bytes=8 * 2**20, max_total_bytes=64 * 2**20)
    decoder.feed(chunk: bytes) -> list[ServerSentEvent]   # any split: CR/LF/CRLF, UTF-8
    decoder.close() -> list[ServerSentEvent]              # end of body: flush a last event
                                                          # that lacked its blank line
Raises solcoder.errors.ProtocolError on invalid UTF-8 or a limit exceeded; when the same chunk
completed good events before the fault, `feed` returns them and raises the fault on the next call
(`decoder.failure` holds it meanwhile), so any split of the body hands out the same events.

This is the streaming hot path (every token of every reply passes through it), so it works on
bytes: each chunk is cut at its last line break, the complete lines are split with one
`bytes.split`, and only the values of `data:`, `event:` and `id:` fields are decoded, once per
event. A UTF-8 character never contains a CR or LF byte, so a complete line always holds whole
characters: characters split across reads stay in the pending tail until their line completes,
which makes a separate incremental text decoder unnecessary. Syntax follows the WHATWG HTML
standard, section 9.2.6 "Interpreting an event stream", except that an event left without its
blank line at end of body is still delivered (several servers omit it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solcoder.errors import ProtocolError

_BOM = b"\xef\xbb\xbf"
_MEBIBYTE = 2**20


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched SSE event. `event` is "" when the server named none."""

    data: str
    event: str = ""
    id: str | None = None


class SSEDecoder:
    """Turns a byte stream into `ServerSentEvent`s; one instance per response body."""

    __slots__ = (
        "_data",
        "_event",
        "_event_size",
        "_id",
        "_max_event",
        "_max_total",
        "_pending",
        "_pending_size",
        "_skip_line_feed",
        "_started",
        "_total",
        "failure",
    )

    def __init__(
        self, max_event_bytes: int = 8 * _MEBIBYTE, max_total_bytes: int = 64 * _MEBIBYTE
    ) -> None:
        self._max_event = max_event_bytes
        self._max_total = max_total_bytes
        self._pending: list[bytes] = []  # a line whose line break has not arrived yet
        self._pending_size = 0
        self._skip_line_feed = False  # the last chunk ended in CR: a leading LF completes CRLF
        self._started = False  # the byte order mark check is done
        self._total = 0
        self._data: list[bytes] = []
        self._event = b""
        self._event_size = 0
        self._id: str | None = None
        self.failure: ProtocolError | None = None
        """A fault found after events that `feed` returned; raised by the next call."""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Events completed by `chunk` (possibly none).

        A block may complete good events before a fault (invalid UTF-8, a limit passed): those
        events are returned and the fault is kept in `failure`, raised by the next call, so a
        caller feeding whole network reads hands out what a caller feeding one event at a
        time would have handed out before the error."""
        if not chunk:
            return []
        if self.failure is not None:
            raise self.failure
        total = self._total + len(chunk)
        if total > self._max_total:
            allowed = self._max_total - self._total
            self._total = self._max_total
            error = ProtocolError(
                f"The response body grew past {_size(self._max_total)}, the limit for one "
                "model reply; the server kept streaming without end.",
                hint="Retry; if it repeats, lower max tokens or report the server's behaviour.",
            )
            events = self._feed(chunk[:allowed]) if allowed > 0 else []
            return self._failed(events, error)
        self._total = total
        return self._feed(chunk)

    def _feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if (
            chunk[:6] == b"data: "
            and chunk.find(b"\n") == len(chunk) - 2
            and chunk[-1] == 10
            and self._started
            and not (self._pending or self._skip_line_feed or self._data or self._event)
            and b"\r" not in chunk
        ):
            # The hot path: exactly one whole event `data: ...\n\n` and nothing pending,
            # decoded as `_lines` would (one data line, then the blank line dispatches it).
            value = chunk[6:-2]
            if len(value) > self._max_event:
                raise _too_large(self._max_event)
            try:
                return [_new_event(value.decode(), "", self._id)]
            except UnicodeDecodeError as error:
                raise _invalid_utf8(error) from None
        if self._skip_line_feed:
            self._skip_line_feed = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not self._started:
            chunk = b"".join(self._pending) + chunk
            self._pending = []
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._pending = [chunk]
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            # No line break yet: keep the pieces and join them once the line completes, so a
            # long line arriving in many reads costs linear time, not quadratic.
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > self._max_event:
                raise _too_large(self._max_event)
            return []
        if self._pending:
            self._pending.append(chunk)
            end += self._pending_size
            chunk = b"".join(self._pending)
        rest = chunk[end + 1 :]
        self._pending = [rest] if rest else []
        self._pending_size = len(rest)
        if not rest and chunk[end] == 13:  # ends in CR: an LF at the start of the next read
            self._skip_line_feed = True  # belongs to it (CRLF split across reads)
        block = chunk[: end + 1]
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = block.split(b"\n")
        lines.pop()  # the empty remainder after the final line break
        events = self._lines(lines)
        if self._pending_size > self._max_event and self.failure is None:
            return self._failed(events, _too_large(self._max_event))
        return events

    def _failed(self, events: list[ServerSentEvent], error: ProtocolError) -> list[ServerSentEvent]:
        """`events`, with `error` kept for the next call; raised now if there are none."""
        if not events:
            raise error
        self.failure = error
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of body: the last line and event, even without their terminating line breaks."""
        if self.failure is not None:
            raise self.failure
        line = b"".join(self._pending)
        self._pending = []
        self._pending_size = 0
        self._skip_line_feed = False
        if not self._started and line.startswith(_BOM):
            line = line[3:]
        self._started = True
        events = self._lines([line, b""] if line else [b""])
        if self.failure is not None:
            raise self.failure
        return events

    def _lines(self, lines: list[bytes]) -> list[ServerSentEvent]:
        """Interpret complete lines (without their line breaks).

        State lives in locals during the loop and is stored back at the end: attribute access
        per line is measurable when a reply streams 100,000 tiny events.
        """
        events: list[ServerSentEvent] = []
        data = self._data
        name = self._event
        size = self._event_size
        limit = self._max_event
        try:
            for line in lines:
                if not line:
                    if data:
                        raw = data[0] if len(data) == 1 else b"\n".join(data)
                        events.append(
                            _new_event(raw.decode(), name.decode() if name else "", self._id)
                        )
                        data = []
                        size = 0
                    name = b""
                    continue
                if line[:6] == b"data: ":  # the common case first
                    value = line[6:]
                elif line[:7] == b"event: ":  # then Anthropic's event names
                    name = line[7:]
                    continue
                elif line[:1] == b":":  # a comment (keep-alive, "OPENROUTER PROCESSING")
                    continue
                else:
                    colon = line.find(b":")
                    if colon < 0:
                        field, value = line, b""
                    else:
                        field, value = line[:colon], line[colon + 1 :]
                        if value[:1] == b" ":
                            value = value[1:]
                    if field == b"event":
                        name = value
                        continue
                    if field == b"id":
                        if b"\0" not in value:
                            self._id = value.decode()
                        continue
                    if field != b"data":
                        continue  # `retry` and unknown fields are ignored, as the standard says
                size += len(value)
                if size > limit:
                    raise _too_large(limit)
                data.append(value)
        except UnicodeDecodeError as error:
            return self._failed(events, _invalid_utf8(error))
        except ProtocolError as error:
            return self._failed(events, error)
        self._data = data
        self._event = name
        self._event_size = size
        return events


_allocate = ServerSentEvent.__new__
_slot_descriptors: Any = ServerSentEvent.__dict__
_set_data = _slot_descriptors["data"].__set__
_set_event = _slot_descriptors["event"].__set__
_set_id = _slot_descriptors["id"].__set__


def _new_event(data: str, event: str, event_id: str | None) -> ServerSentEvent:
    """`ServerSentEvent(data, event, event_id)` at half the cost: a frozen dataclass's
    `__init__` goes through `object.__setattr__` per field; the slot descriptors do not."""
    instance = _allocate(ServerSentEvent)
    _set_data(instance, data)
    _set_event(instance, event)
    _set_id(instance, event_id)
    return instance


def _size(limit: int) -> str:
    return f"{limit / _MEBIBYTE:g} MiB" if limit >= _MEBIBYTE else f"{limit} bytes"


def _invalid_utf8(error: UnicodeDecodeError) -> ProtocolError:
    return ProtocolError(
        f"The response stream is not valid UTF-8 ({error.reason} at byte {error.start} "
        "of an event); the server or a proxy corrupted it.",
        hint="Retry; if it repeats, check any proxy between you and the provider.",
    )


def _too_large(limit: int) -> ProtocolError:
    return ProtocolError(
        f"The response stream sent an event larger than {_size(limit)}, the limit for one "
        "event; this is not a normal model reply.",
        hint="Retry; if it repeats, the server or a proxy in front of it is misbehaving.",
    )
