"""The only module that does network I/O: one streamed model request, its deadlines and retries.

Everything that can go wrong on the wire is decided here, once, for every provider and for both
the async and the sync client: the adapters stay pure and `client.py` only wires things up.

Deadlines (`Timeouts`, clamped so none exceeds `total`), all measured on the event loop's clock:
- connect: opening the TCP/TLS connection (httpx2's own connect timeout);
- first event: from sending the request to the first SSE event, response headers included;
- idle: the longest wait for one read once the first event arrived;
- total: the whole model request, from the first attempt to the end of the stream, including
  the backoff sleeps between attempts (a retry that cannot finish in time is not started).
Each is enforced around the awaits that read from the network only, never across a `yield`,
so a slow consumer cannot be cancelled by our timers.

Retries (policy in `retry.py`) happen only before anything was yielded to the consumer.
Foreign exceptions (httpx2, OSError, ssl, anyio) become our error tree in `_transport_error`;
after content has streamed, an error carries the partial message (`LLMError.partial`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

import anyio
import httpx2

from solcoder.errors import (
    BadRequestError,
    ConfigError,
    ConnectError,
    ConnectTimeoutError,
    FirstEventTimeoutError,
    IdleTimeoutError,
    LLMError,
    LLMTimeoutError,
    ProtocolError,
    RateLimitError,
    SolcoderError,
    StreamInterruptedError,
    TotalTimeoutError,
)
from solcoder.llm.adapters.base import Decoder, HttpCall, WireAdapter
from solcoder.llm.adapters.errors import error_from_response
from solcoder.llm.assemble import Assembler
from solcoder.llm.events import Event
from solcoder.llm.messages import Message
from solcoder.llm.provider import Timeouts
from solcoder.llm.retry import RetryPolicy, RetryRecord, retry_after_seconds
from solcoder.llm.sse import SSEDecoder

DEFAULT_MAX_EVENT_BYTES = 8 * 2**20
DEFAULT_MAX_RESPONSE_BYTES = 64 * 2**20
MAX_ERROR_BODY_BYTES = 256 * 2**10
"""An error body is read up to this size; the rest is dropped (a proxy's HTML page can be big)."""
CA_BUNDLE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_RATE_LIMIT_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-", "retry-after")

_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    httpx2.TransportError,
    OSError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    anyio.IncompleteRead,
)
"""Everything a read or a connect can raise that is the network's fault (ssl.SSLError and the
builtin TimeoutError are OSErrors)."""


@dataclass(slots=True)
class CallStats:
    """Measurements of one model request, for telemetry and `--dry-run-llm`; times in seconds."""

    provider: str
    model: str
    attempts: int = 0
    status: int | None = None
    """HTTP status of the last response seen (None if no response arrived)."""
    time_to_first_token: float | None = None
    """From the start of the request (first attempt) to the first content event."""
    latency: float | None = None
    """From the start of the request to its end, success or failure."""
    retries: list[RetryRecord] = field(default_factory=list)
    rate_limits: dict[str, str] = field(default_factory=dict)
    """Rate-limit headers of the last response (x-ratelimit-*, anthropic-ratelimit-*,
    retry-after*), as sent."""
    request_id: str | None = None
    outcome: str = "pending"
    """`ok`, the error's `kind`, `cancelled`, or `closed` (the consumer stopped early)."""


def ssl_context_from_environment() -> ssl.SSLContext:
    """The TLS context for provider connections: the CA bundle named by SSL_CERT_FILE,
    REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (corporate proxies), else SSL_CERT_DIR, else httpx2's
    default store. Built once per distinct environment: loading a CA store takes ~70 ms."""
    names = (*CA_BUNDLE_VARIABLES, "SSL_CERT_DIR")
    return _ssl_context(tuple(os.environ.get(name) or "" for name in names))


@functools.cache
def _ssl_context(paths: tuple[str, ...]) -> ssl.SSLContext:
    for name, path in zip((*CA_BUNDLE_VARIABLES, "SSL_CERT_DIR"), paths, strict=True):
        if not path:
            continue
        try:
            if os.path.isdir(path):
                return ssl.create_default_context(capath=path)
            return ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"{name}={path} does not name a readable CA bundle ({exc}).",
                hint=f"Point {name} at a PEM file of trusted certificates, or unset it.",
            ) from None
    return httpx2.create_ssl_context()


def build_http_client(
    timeouts: Timeouts, *, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """One connection pool for one provider. Proxies (HTTPS_PROXY, NO_PROXY, ...) come from
    the environment; only the connect timeout is httpx2's, the others are ours."""
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(connect=timeouts.connect, read=None, write=None, pool=None),
        limits=httpx2.Limits(
            max_connections=256, max_keepalive_connections=32, keepalive_expiry=60.0
        ),
        verify=ssl_context_from_environment() if transport is None else True,
        trust_env=True,
        transport=transport,
        follow_redirects=False,
    )


class HttpStreamer:
    """Runs streamed model requests over one pool; safe for concurrent requests."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        provider: str,
        models: Sequence[str] = (),
        timeouts: Timeouts,
        policy: RetryPolicy,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        secrets: Sequence[str] = (),
        jitter: Callable[[], float] = lambda: random.uniform(0.75, 1.0),
    ) -> None:
        self.http = http
        self.provider = provider
        self.models = tuple(models)
        self.timeouts = timeouts.clamped()
        self.policy = policy
        self.max_event_bytes = max_event_bytes
        self.max_response_bytes = max_response_bytes
        self._secrets = tuple(secret for secret in secrets if secret)
        self._jitter = jitter

    async def stream(
        self,
        adapter: WireAdapter,
        call: HttpCall,
        *,
        url: str,
        headers: Mapping[str, str],
        stats: CallStats,
        on_done: Callable[[CallStats], None] | None = None,
    ) -> AsyncGenerator[list[Event], None]:
        """Batches of events (one per network read that produced any), the last one ending
        with `Completed`; retries per the policy while nothing has been yielded."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        total_deadline = started + self.timeouts.total
        retry_index = 0
        try:
            while True:
                stats.attempts += 1
                attempt = _Attempt(self, adapter, stats, started, total_deadline)
                try:
                    async with aclosing(attempt.exchange(call, url, headers)) as batches:
                        async for batch in batches:
                            yield batch
                    return
                except LLMError as error:
                    error.attempts = stats.attempts
                    wait = self._retry_wait(error, attempt, retry_index)
                    if wait is None or loop.time() + wait >= total_deadline:
                        self._finalize(error, attempt)
                        raise
                    stats.retries.append(
                        RetryRecord(stats.attempts, error.kind, error.status, wait)
                    )
                await asyncio.sleep(wait)
                retry_index += 1
        except SolcoderError as error:
            stats.outcome = error.kind
            raise
        except GeneratorExit:
            if stats.outcome == "pending":  # not after the last batch (acomplete stops there)
                stats.outcome = "closed"
            raise
        except asyncio.CancelledError:
            stats.outcome = "cancelled"
            raise
        finally:
            stats.latency = loop.time() - started
            if on_done is not None:
                on_done(stats)

    def _retry_wait(self, error: LLMError, attempt: _Attempt, retry_index: int) -> float | None:
        if attempt.delivered:
            return None  # the consumer already has content: a retry would show it twice
        return self.policy.wait_before_retry(
            error,
            attempt.error_headers,
            retry_index,
            jitter=self._jitter(),
            now=time.time(),
        )

    def _finalize(self, error: LLMError, attempt: _Attempt) -> None:
        """Last touches on the error we raise: the server's wait, the partial, no secrets."""
        headers = attempt.error_headers
        if isinstance(error, RateLimitError) and error.retry_after is None and headers is not None:
            error.retry_after = retry_after_seconds(headers)
        if attempt.delivered and error.partial is None:
            error.partial = _partial(attempt.decoder)
        for secret in self._secrets:
            if secret in error.message or (error.hint and secret in error.hint):
                error.message = error.message.replace(secret, "***")
                error.hint = error.hint.replace(secret, "***") if error.hint else None
                error.args = (error.message,)


class _Attempt:
    """One HTTP exchange of a request: send, check the status, decode the stream."""

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
        self.stage = "connect"
        self.delivered = False
        self.error_headers: Mapping[str, str] | None = None

    async def exchange(
        self, call: HttpCall, url: str, headers: Mapping[str, str]
    ) -> AsyncGenerator[list[Event], None]:
        streamer = self.streamer
        loop = asyncio.get_running_loop()
        self.first_deadline = loop.time() + streamer.timeouts.first_event
        request = streamer.http.build_request(call.method, url, headers=headers, content=call.body)
        response = await self._send(request)
        try:
            self._record(response)
            self.stage = "first_event"
            if response.status_code >= 400:
                body = await self._read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
                self.error_headers = response.headers
                raise error_from_response(
                    response.status_code,
                    body,
                    response.headers,
                    provider=streamer.provider,
                    models=streamer.models,
                )
            content_type = response.headers.get("content-type", "")
            if "json" in content_type and "event-stream" not in content_type:
                # The server ignored `stream: true` and answered with one JSON document.
                body = await self._read_body(response, streamer.max_response_bytes)
                if body.lstrip()[:1] == b"{":
                    events = self.adapter.decode_body(body)
                    self._delivered()
                    self.stats.outcome = "ok"
                    yield events
                    return
                chunks: AsyncGenerator[bytes, None] = _once(body)
            else:
                chunks = response.aiter_bytes()
            async with aclosing(chunks):
                async for batch in self._decode(chunks):
                    yield batch
        finally:
            # The connection is dropped either way; the first failure is the one to report.
            with contextlib.suppress(*_NETWORK_ERRORS):
                await response.aclose()

    async def _send(self, request: httpx2.Request) -> httpx2.Response:
        deadline = min(self.first_deadline, self.total_deadline)
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                return await self.streamer.http.send(request, stream=True)
        except _NETWORK_ERRORS as exc:
            if scope.expired():
                raise self._deadline_error(deadline) from None
            raise self._transport_error(exc) from None

    async def _decode(self, chunks: AsyncIterator[bytes]) -> AsyncGenerator[list[Event], None]:
        """The hot path: bytes -> SSE events -> our events, one batch per read."""
        streamer = self.streamer
        sse = SSEDecoder(
            max_event_bytes=streamer.max_event_bytes, max_total_bytes=streamer.max_response_bytes
        )
        feed_sse = sse.feed
        feed = self.decoder.feed
        clock = asyncio.get_running_loop().time
        idle = streamer.timeouts.idle
        total_deadline = self.total_deadline
        deadline = min(self.first_deadline, total_deadline)
        while (chunk := await self._next_chunk(chunks, deadline)) is not None:
            sse_events = feed_sse(chunk)
            if sse_events:
                if len(sse_events) == 1:
                    batch = feed(sse_events[0])
                else:
                    batch = []
                    for sse_event in sse_events:
                        batch += feed(sse_event)
                self.stage = "idle"
                if batch:
                    if not self.delivered:
                        self._delivered()
                    yield batch
            if self.stage == "idle":
                deadline = min(clock() + idle, total_deadline)
        batch = []
        for sse_event in sse.close():
            batch += feed(sse_event)
        batch += self._finish()
        self._delivered()
        self.stats.outcome = "ok"
        yield batch

    def _finish(self) -> list[Event]:
        try:
            return self.decoder.finish()
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

    async def _next_chunk(self, chunks: AsyncIterator[bytes], deadline: float) -> bytes | None:
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                return await anext(chunks)
        except StopAsyncIteration:
            return None
        except _NETWORK_ERRORS as exc:
            if scope.expired():
                raise self._deadline_error(deadline) from None
            raise self._transport_error(exc) from None
        except httpx2.DecodingError as exc:
            raise ProtocolError(
                f"{self.streamer.provider} sent a body that could not be decompressed ({exc}).",
                provider=self.streamer.provider,
            ) from None

    async def _read_body(
        self, response: httpx2.Response, limit: int, *, truncate: bool = False
    ) -> bytes:
        """The whole body, bounded: an error body is cut at `limit`, a JSON answer beyond
        `limit` is refused."""
        parts: list[bytes] = []
        size = 0
        chunks = response.aiter_bytes()
        try:
            deadline = min(self.first_deadline, self.total_deadline)
            while (chunk := await self._next_chunk(chunks, deadline)) is not None:
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
            await chunks.aclose()
        return b"".join(parts)[:limit]

    def _record(self, response: httpx2.Response) -> None:
        stats = self.stats
        stats.status = response.status_code
        rate_limits = {
            key: value
            for key, value in response.headers.items()
            if key.startswith(_RATE_LIMIT_PREFIXES)
        }
        if rate_limits:
            stats.rate_limits = rate_limits
        request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
        if request_id:
            stats.request_id = request_id

    def _delivered(self) -> None:
        if not self.delivered:
            self.delivered = True
            self.stats.time_to_first_token = asyncio.get_running_loop().time() - self.started

    def _deadline_error(self, deadline: float) -> LLMTimeoutError:
        """The error for a timer of ours that fired at `deadline` in the current stage."""
        timeouts = self.streamer.timeouts
        provider = self.streamer.provider
        if deadline >= self.total_deadline:
            return TotalTimeoutError(
                f"The request to {provider} did not finish within {timeouts.total:g} s, the "
                "deadline for one whole model request (set by --timeout / llm.timeout).",
                hint="Raise --timeout, or ask for a shorter answer.",
                provider=provider,
                status=self.stats.status,
            )
        if self.stage == "idle":
            return IdleTimeoutError(
                f"{provider} sent nothing for {timeouts.idle:g} s in the middle of its answer "
                f"(the idle timeout, set by {IdleTimeoutError.setting}).",
                hint=f"Raise {IdleTimeoutError.setting} if the model pauses for long; the "
                "provider may be overloaded.",
                provider=provider,
                status=self.stats.status,
            )
        return FirstEventTimeoutError(
            f"{provider} sent no answer within {timeouts.first_event:g} s of the request "
            f"(the first-event timeout, set by {FirstEventTimeoutError.setting}).",
            hint=f"Raise {FirstEventTimeoutError.setting} for slow reasoning models; the "
            "provider may be overloaded.",
            provider=provider,
            status=self.stats.status,
        )

    def _transport_error(self, exc: BaseException) -> LLMError:
        """The one mapping of foreign network exceptions into our tree."""
        provider = self.streamer.provider
        detail = _describe(exc)
        common: dict[str, object] = {"provider": provider, "status": self.stats.status}
        if isinstance(exc, httpx2.ConnectTimeout):
            seconds = self.streamer.timeouts.connect
            return ConnectTimeoutError(
                f"Could not connect to {provider} within {seconds:g} s (the connect timeout, "
                f"set by {ConnectTimeoutError.setting}).",
                hint="Check your network, proxy (HTTPS_PROXY) and the provider's base URL.",
                **common,  # type: ignore[arg-type]
            )
        if isinstance(exc, httpx2.LocalProtocolError):
            return BadRequestError(
                f"The request to {provider} could not be sent: {detail}.",
                hint="Check the provider's extra headers in config.toml.",
                **common,  # type: ignore[arg-type]
            )
        if isinstance(exc, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in detail:
            return ConnectError(
                f"The TLS connection to {provider} failed: {detail}.",
                hint="Behind a corporate proxy, point SSL_CERT_FILE (or REQUESTS_CA_BUNDLE) at "
                "its CA bundle.",
                **common,  # type: ignore[arg-type]
            )
        if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
            return ConnectError(
                f"The base URL for {provider} is not usable: {detail}.",
                hint="Set --llm-base-url to an http:// or https:// URL.",
                **common,  # type: ignore[arg-type]
            )
        if self.stage == "connect" and isinstance(exc, httpx2.ConnectError | httpx2.ProxyError):
            return ConnectError(
                f"Could not connect to {provider}: {detail}.",
                hint="Check your network, proxy settings (HTTPS_PROXY, NO_PROXY) and the "
                "provider's base URL.",
                **common,  # type: ignore[arg-type]
            )
        if self.delivered:
            return StreamInterruptedError(
                f"The connection to {provider} broke in the middle of the answer: {detail}.",
                hint="The partial answer is kept; ask again to get the rest.",
                partial=_partial(self.decoder),
                **common,
            )
        return ConnectError(
            f"The connection to {provider} was lost before the answer began: {detail}.",
            hint="Check your network and proxy; the provider may be restarting.",
            **common,  # type: ignore[arg-type]
        )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body


def _partial(decoder: Decoder) -> Message | None:
    """The message streamed so far: `decoder.partial()` where a decoder offers it, else the
    message of its `Assembler` (every decoder of ours folds through one)."""
    partial = getattr(decoder, "partial", None)
    if callable(partial):
        message = partial()
        return message if isinstance(message, Message) else None
    assembler = getattr(decoder, "_assembler", None)
    return assembler.message() if isinstance(assembler, Assembler) else None
