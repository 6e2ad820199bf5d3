"""The only module that does network I/O: one HTTP exchange (and the health probe).

The connection pool and what every request to a provider shares are `streamer.py`.

An `Exchange` is one attempt of a model request: it sends the request, reads the status and
headers (and a bounded error body), then hands out one batch of events per network read, each
decoded by the SSE decoder and the wire adapter. An event stream over plain HTTP/1.1 is read in
bulk, straight from the connection (`raw_body.py`); a read that brings several events is
batched by `batching.py`. Retries, the total budget across attempts and
the statistics live one level up, in `streaming.py`, which never touches the network itself.

Deadlines (`Timeouts`, clamped so none exceeds `total`), all on the event loop's clock:
- connect: opening the TCP/TLS connection (httpx2's own connect timeout);
- first event: from sending the request to the first SSE event, response headers included;
- idle: the longest wait for one read once the first event arrived;
- total: the whole model request, from the first attempt to the end of the stream, including
  the backoff sleeps between attempts (a retry that cannot finish in time is not started).
They are enforced only while we await the network, never while the consumer holds an event, so
a slow consumer is never cancelled by our timers. One lazily re-armed timer per exchange
(`deadline.Watchdog`) does it: `asyncio.timeout` per read cost ~15 % of the CPU per chunk.

Foreign exceptions become our error tree in `http_errors.py`; after content has streamed, an
error carries the partial message (`LLMError.partial`). Messages name the request's URL only
without its credentials or query (`http_errors.public_url`).

`probe_health` is the one other request: a `GET /health` on a llama.cpp server that answered
503 `Loading model` (`Exchange.model_loading`), polled by `streaming.ModelLoadingWait`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TypeVar

import httpx2

from solcoder.errors import (
    LLMTimeoutError,
    ProtocolError,
    StreamInterruptedError,
)
from solcoder.llm.events import Event
from solcoder.llm.transport import raw_body
from solcoder.llm.transport.batching import ReadBatcher
from solcoder.llm.transport.deadline import Watchdog
from solcoder.llm.transport.http_errors import (
    NETWORK_ERRORS,
    Stage,
    deadline_error,
    decoding_error,
    partial_message,
    public_url,
    redirect_error,
    transport_error,
)
from solcoder.llm.transport.stats import CallStats
from solcoder.llm.transport.streamer import HttpStreamer
from solcoder.llm.wire.base import Decoder, HttpCall, WireAdapter
from solcoder.llm.wire.error_bodies import error_from_response, is_model_loading
from solcoder.llm.wire.sse import SSEDecoder

MAX_ERROR_BODY_BYTES = 256 * 2**10
"""An error body is read up to this size; the rest is dropped (a proxy's HTML page can be big)."""
TERMINATED_GRACE_S = 1.0
"""After the protocol's terminator, how long the body may take to close before we stop
reading anyway (some proxies keep a finished stream open)."""
_RATE_LIMIT_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-", "retry-after")
_T = TypeVar("_T")


class Exchange:
    """One attempt of a request: send it, check the status, then decode the stream batch by
    batch under the first-event, idle and total deadlines."""

    def __init__(
        self,
        streamer: HttpStreamer,
        adapter: WireAdapter,
        stats: CallStats,
        started: float,
        total_deadline: float,
    ) -> None:
        self.streamer = streamer
        self.adapter = adapter
        self.decoder: Decoder = adapter.decoder()
        self.stats = stats
        self.started = started
        self.total_deadline = total_deadline
        self.first_deadline = 0.0
        self.stage: Stage = "connect"
        self.opened = False
        self.delivered = False
        self.error_headers: Mapping[str, str] | None = None
        self.model_loading = False
        """The server answered that it is still loading its model (llama.cpp's 503)."""
        self.url = ""
        """Where the request went, without credentials (set by `open`)."""
        self._response: httpx2.Response | None = None
        self._chunks: AsyncIterator[bytes] | None = None
        self._pending: list[Event] | None = None
        self._sse = SSEDecoder(
            max_event_bytes=streamer.max_event_bytes, max_total_bytes=streamer.max_response_bytes
        )
        self._batcher = ReadBatcher(self._sse, self.decoder)
        self._watchdog = Watchdog()
        self._clock = _loop_clock(asyncio.get_running_loop())
        self._hot = (
            self._sse.feed,
            self.decoder.feed,
            self._watchdog,
            self._clock,
            total_deadline,
            streamer.timeouts.idle,
            self.decoder,
        )
        """What every read uses, looked up once per attempt rather than once per read."""

    async def open(self, call: HttpCall, url: str, headers: Mapping[str, str]) -> None:
        """Send the request and read the response head (and an error or JSON body)."""
        self.opened = True
        self.url = public_url(url)
        streamer = self.streamer
        self.first_deadline = asyncio.get_running_loop().time() + streamer.timeouts.first_event
        request = streamer.http.build_request(call.method, url, headers=headers, content=call.body)
        response = self._response = await self._wait(streamer.http.send(request, stream=True))
        self._record(response)
        self.stage = "first_event"
        self._chunks = raw_body.body_chunks(response)
        if 300 <= response.status_code < 400:
            raise redirect_error(
                response.status_code,
                response.headers.get("location"),
                provider=streamer.provider,
                url=self.url,
            )
        if response.status_code >= 400:
            body = await self._read_body(MAX_ERROR_BODY_BYTES, truncate=True)
            self.error_headers = response.headers
            self.model_loading = is_model_loading(response.status_code, body)
            raise error_from_response(
                response.status_code,
                body,
                response.headers,
                provider=streamer.provider,
                models=streamer.models,
                url=self.url,
            )
        content_type = response.headers.get("content-type", "")
        if "json" in content_type and "event-stream" not in content_type:
            # The server ignored `stream: true` and answered with one JSON document.
            body = await self._read_body(streamer.max_response_bytes)
            if body.lstrip()[:1] == b"{":
                self._pending = self.adapter.decode_body(body)
                self.stats.outcome = "ok"
            else:
                self._pending = self._feed(body) + self._end_of_body()

    async def next_batch(self) -> list[Event] | None:
        """The events of the next read that produced any; None after the last batch."""
        pending = self._pending
        if pending is not None:
            self._pending = []  # once handed out, the next call reports the end
            if not pending:
                return None
            self._delivered()
            return pending
        if self._batcher.carrying:
            carried = self._batcher.carried_over()
            if carried:
                return carried
        chunks = self._chunks
        if chunks is None:
            return None
        feed_sse, feed, watchdog, clock, total_deadline, idle, decoder = self._hot
        while True:
            if decoder.terminated:
                # The answer is complete; wait only briefly for the body to end (so the
                # connection can be reused), never the idle timeout.
                deadline = min(clock() + TERMINATED_GRACE_S, total_deadline)
            elif self.stage == "idle":
                deadline = min(clock() + idle, total_deadline)
            else:
                deadline = min(self.first_deadline, total_deadline)
            watchdog.arm(deadline, total_deadline)
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                watchdog.disarm()
                return self._finish_body()
            except BaseException as exc:
                mapped = self._read_error(exc, deadline)
                if decoder.terminated and isinstance(mapped, LLMTimeoutError):
                    return self._finish_body()  # complete, only the close never came
                if mapped is exc:
                    raise
                raise mapped from None
            watchdog.disarm()
            sse_events = feed_sse(chunk)
            if not sse_events:
                continue
            self.stage = "idle"
            if len(sse_events) == 1 and self._sse.failure is None:
                batch = feed(sse_events[0])
            else:
                batch = self._batcher.of_read(sse_events, delivered=self.delivered)
            if batch:
                if not self.delivered:
                    self._delivered()
                return batch

    def hold(self) -> None:
        """The consumer holds events while a read is in flight (`Watchdog.hold`)."""
        self._watchdog.hold()

    def release(self) -> None:
        self._watchdog.release()

    def _finish_body(self) -> list[Event]:
        self._chunks = None
        self._pending = []
        batch = self._end_of_body()
        self._delivered()
        return batch

    async def aclose(self) -> None:
        self._watchdog.close()
        chunks, self._chunks = self._chunks, None
        response, self._response = self._response, None
        # The connection is dropped either way; the first failure is the one to report.
        with contextlib.suppress(*NETWORK_ERRORS):
            if chunks is not None:
                await chunks.aclose()  # type: ignore[attr-defined]
            if response is not None:
                await response.aclose()

    def _feed(self, data: bytes) -> list[Event]:
        batch: list[Event] = []
        for sse_event in self._sse.feed(data):
            batch += self.decoder.feed(sse_event)
        return batch

    def _end_of_body(self) -> list[Event]:
        batch: list[Event] = []
        for sse_event in self._sse.close():
            batch += self.decoder.feed(sse_event)
        try:
            batch += self.decoder.finish()
        except ProtocolError as error:
            if not self.delivered:
                raise
            # Content arrived and then the body ended without the protocol's terminator:
            # the stream was cut (a proxy, a server restart), not garbled.
            raise StreamInterruptedError(
                f"The {self.streamer.provider} stream ended before the response was complete.",
                hint="The partial answer is kept; ask again to get the rest.",
                provider=self.streamer.provider,
                status=self.stats.status,
            ) from error
        self.stats.outcome = "ok"
        return batch

    async def _wait(self, awaitable: Awaitable[_T]) -> _T:
        """Await one network operation under the current stage's deadline."""
        deadline = min(self.first_deadline, self.total_deadline)
        self._watchdog.arm(deadline, self.total_deadline)
        try:
            result = await awaitable
        except BaseException as exc:
            mapped = self._read_error(exc, deadline)
            if mapped is exc:
                raise
            raise mapped from None
        self._watchdog.disarm()
        return result

    async def _read_body(self, limit: int, *, truncate: bool = False) -> bytes:
        """The whole body, bounded: an error body is cut at `limit`, a JSON answer beyond
        `limit` is refused."""
        parts: list[bytes] = []
        size = 0
        chunks, self._chunks = self._chunks, None
        assert chunks is not None
        try:
            while True:
                try:
                    chunk = await self._wait(anext(chunks))
                except StopAsyncIteration:
                    break
                parts.append(chunk)
                size += len(chunk)
                if size > limit:
                    if truncate:
                        break
                    raise ProtocolError(
                        f"The {self.streamer.provider} response grew past {limit} bytes, "
                        "the limit for one model reply.",
                        provider=self.streamer.provider,
                    )
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
        return b"".join(parts)[:limit]

    def _read_error(self, exc: BaseException, deadline: float) -> BaseException:
        """What to raise for an exception out of a network await (maybe not ours to map)."""
        watchdog = self._watchdog
        if isinstance(exc, asyncio.CancelledError) and watchdog.claim_expiry():
            return deadline_error(
                provider=self.streamer.provider,
                stage=self.stage,
                total=deadline >= self.total_deadline,
                timeouts=self.streamer.timeouts,
                status=self.stats.status,
            )
        watchdog.disarm()
        if isinstance(exc, NETWORK_ERRORS):
            return transport_error(
                exc,
                provider=self.streamer.provider,
                stage=self.stage,
                timeouts=self.streamer.timeouts,
                status=self.stats.status,
                partial=partial_message(self.decoder) if self.delivered else None,
                url=self.url,
            )
        return decoding_error(exc, self.streamer.provider) or exc

    def _record(self, response: httpx2.Response) -> None:
        stats = self.stats
        stats.status = response.status_code
        headers = response.headers
        rate_limits = {
            key: value for key, value in headers.items() if key.startswith(_RATE_LIMIT_PREFIXES)
        }
        if rate_limits:
            stats.rate_limits = rate_limits
            pacer = self.streamer.pacer
            if pacer is not None:
                pacer.observe(rate_limits, self.streamer.on_status)
        request_id = headers.get("x-request-id") or headers.get("request-id")
        if request_id:
            stats.request_id = request_id

    def _delivered(self) -> None:
        if not self.delivered:
            self.delivered = True
            self.stats.time_to_first_token = asyncio.get_running_loop().time() - self.started


async def probe_health(
    streamer: HttpStreamer, url: str, headers: Mapping[str, str], timeout: float
) -> int | None:
    """One `GET url` (a server's `/health`): its status, or None when no answer came within
    `timeout` seconds. The body is never read, so a misbehaving server cannot stall us."""
    try:
        async with asyncio.timeout(timeout):
            request = streamer.http.build_request("GET", url, headers=headers)
            response = await streamer.http.send(request, stream=True)
            await response.aclose()
    except TimeoutError:
        return None
    except NETWORK_ERRORS:
        return None
    return response.status_code


def _loop_clock(loop: asyncio.AbstractEventLoop) -> Callable[[], float]:
    """`loop.time`, or `time.monotonic` itself where that is all it does (asyncio's own
    loops): one Python call less per network read."""
    if getattr(loop.time, "__func__", None) is asyncio.BaseEventLoop.time:
        return time.monotonic
    return loop.time
