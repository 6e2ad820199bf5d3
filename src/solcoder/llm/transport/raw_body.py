"""The bulk read path: an event stream's body read straight from its connection, block by block.

Through httpx2, every HTTP chunk of a streamed body (one SSE event, usually) costs a trip through
h11's parser, httpcore2's generators and two exception-mapping context managers: about 60 % of
the client's CPU per streamed chunk. Once the response head says `text/event-stream` over plain
HTTP/1.1 (no content coding, `Transfer-Encoding: chunked` or none), `RawBody.take` takes the
body over from httpx2: it reads network-sized blocks (`READ_BYTES`) from the connection's socket
stream, undoes the chunked coding with byte searches (`chunked.py`), and hands whole blocks of
payload to the SSE decoder, so the read loop's checks run once per read, not once per event.
httpx2 still connects, speaks TLS and proxies, sends the request and reads the head; anything
else (HTTP/2, compression, another transfer coding, a transport that is not httpcore2's
HTTP/1.1 connection) keeps the httpx2 path (`take` returns None).

The connection stays consistent: the bytes h11 read past the head are taken out of its receive
buffer before anything else reads the socket; when the body ended cleanly (the last chunk and
its trailer section, nothing after them) h11 is told the body ended, so closing the response
returns the connection to the pool exactly as after the httpx2 path; in every other case (a
fault, bytes after the end, a `Content-Length` body, rare for an event stream) h11 never saw the
end and closing the response closes the connection. Failures are raised as the
httpx2 path raises them (`http_errors.raw_read_error`), so they map to the same errors.

Tied to the internals of httpx2 2.17 / httpcore2 2.17 / h11 0.16 (checked in `take`: anything
that does not look as expected means the fallback, never a failure).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
import httpx2

from solcoder.llm.transport.chunked import ChunkedBodyError, ChunkedDecoder
from solcoder.llm.transport.http_errors import raw_read_error

if TYPE_CHECKING:
    import h11  # imported by httpcore2 with its first HTTP/1.1 connection, not at start-up

ENABLED = True
"""Whether event streams take the bulk path at all (tests and benchmarks compare both)."""
READ_BYTES = 64 * 1024
"""One network read, as httpcore2 reads (its `READ_NUM_BYTES`)."""
_END_OF_CHUNKED_BODY = b"0\r\n\r\n"


class RawBody:
    """An async iterator of the body's payload, one item per network read that completed any."""

    __slots__ = ("_chunked", "_first", "_h11", "_length", "_receive", "_remaining", "ended")

    def __init__(self, receive: Any, connection: h11.Connection, first: bytes, length: int | None):
        self._receive = receive
        self._h11 = connection
        self._first = first
        self._chunked = ChunkedDecoder() if length is None else None
        self._length = length
        self._remaining = length
        """Bytes still due under `Content-Length`; None for a chunked body."""
        self.ended = False

    @classmethod
    def take(cls, response: httpx2.Response) -> RawBody | None:
        """The body of `response` as a `RawBody`, or None where the httpx2 path must read it."""
        headers = response.headers
        if response.http_version != "HTTP/1.1":
            return None
        if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
            return None
        coding = headers.get("transfer-encoding")
        length: int | None = None
        if coding is None:
            raw_length = headers.get("content-length")
            if raw_length is None or not raw_length.isdigit():
                return None  # read until close: rare for an event stream, left to httpx2
            length = int(raw_length)
            if not length:
                return None
        elif coding.strip().lower() != "chunked":
            return None
        connection = _h11_connection(response)
        network = response.extensions.get("network_stream")
        stream = getattr(network, "_stream", None)
        receive = getattr(stream, "receive", None)
        if connection is None or receive is None or not _fresh_body(connection, length):
            return None
        buffer = connection._receive_buffer
        first = bytes(buffer)
        if first:
            buffer.maybe_extract_at_most(len(first))
        return cls(receive, connection, first, length)

    def __aiter__(self) -> RawBody:
        return self

    async def __anext__(self) -> bytes:
        chunked = self._chunked
        while not self.ended:
            block = self._first
            if block:
                self._first = b""
            elif chunked is not None and chunked.error is not None:
                # Found after the payload handed out last time: raised before any more waiting.
                raise raw_read_error(chunked.error)
            else:
                try:
                    block = await self._receive(READ_BYTES)
                except anyio.EndOfStream:
                    block = b""
                except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
                    raise raw_read_error(exc) from exc
                if not block:
                    self._cut_short()
            if chunked is None:
                return self._content_length(block)
            try:
                payload = chunked.feed(block)
            except ChunkedBodyError as exc:
                raise raw_read_error(exc) from None
            if chunked.done:
                self._finish(clean=not chunked.extra)
            if payload:
                return payload
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Nothing to release here: closing the response closes or pools the connection."""

    def _content_length(self, block: bytes) -> bytes:
        remaining = self._remaining
        assert remaining is not None
        if len(block) >= remaining:
            self._finish(clean=len(block) == remaining)
            return block[:remaining]
        self._remaining = remaining - len(block)
        return block

    def _finish(self, *, clean: bool) -> None:
        """The body ended; h11 hears of it only when nothing followed, so only then is the
        connection pooled again."""
        self.ended = True
        if clean and self._chunked is not None:
            import h11

            self._h11.receive_data(_END_OF_CHUNKED_BODY)
            if not isinstance(self._h11.next_event(), h11.EndOfMessage):  # pragma: no cover
                raise AssertionError("h11 did not take the end of the body")

    def _cut_short(self) -> None:
        """The connection closed before the body's end (`raw_read_error` says it as h11)."""
        remaining, length = self._remaining, self._length
        if remaining is not None and length is not None:
            raise raw_read_error(
                ChunkedBodyError(
                    "peer closed connection without sending complete message body: "
                    f"received {length - remaining} bytes, expected {length}"
                )
            )
        raise raw_read_error(
            ChunkedBodyError(
                "peer closed connection without sending complete message body "
                "(incomplete chunked read)"
            )
        )


def _h11_connection(response: httpx2.Response) -> h11.Connection | None:
    """The h11 state machine of the HTTP/1.1 connection behind `response`, found through
    httpx2's response stream (timing wrapper -> transport stream) -> httpcore2's pool stream
    -> its connection stream."""
    timed = response.stream
    pool_stream = getattr(getattr(timed, "_stream", None), "_httpcore_stream", None)
    connection_stream = getattr(pool_stream, "_stream", None)
    connection = getattr(connection_stream, "_connection", None)
    state = getattr(connection, "_h11_state", None)
    if state is None:
        return None
    import h11  # loaded: the connection is one of httpcore2's HTTP/1.1 connections

    return state if isinstance(state, h11.Connection) else None


def _fresh_body(connection: h11.Connection, length: int | None) -> bool:
    """Whether h11 stands at the very start of the body, with nothing of it parsed yet."""
    import h11

    if connection.their_state is not h11.SEND_BODY or connection.our_state is not h11.DONE:
        return False
    if connection.trailing_data[1]:
        return False  # h11 already saw the connection close
    reader = getattr(connection, "_reader", None)
    if length is None:
        return (
            type(reader).__name__ == "ChunkedReader"
            and getattr(reader, "_bytes_in_chunk", None) == 0
            and getattr(reader, "_bytes_to_discard", None) == b""
            and getattr(reader, "_reading_trailer", None) is False
        )
    return type(reader).__name__ == "ContentLengthReader" and (
        getattr(reader, "_remaining", None) == length
    )


def body_chunks(response: httpx2.Response) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive. An event stream over plain HTTP/1.1 is read in bulk,
    straight from the connection (`RawBody`). Otherwise, without a content encoding, the
    transport's stream is read directly: `aiter_bytes()` adds two generator layers and a
    decoder per chunk, a measurable share of the per-chunk cost."""
    if (
        ENABLED
        and 200 <= response.status_code < 300
        and "event-stream" in response.headers.get("content-type", "")
    ):
        bulk = RawBody.take(response)
        if bulk is not None:
            return bulk
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    stream = response.stream
    if encoding in ("", "identity") and isinstance(stream, httpx2.AsyncByteStream):
        return aiter(stream)
    return response.aiter_bytes()
