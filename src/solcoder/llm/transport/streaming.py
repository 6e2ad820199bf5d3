"""One model request over HTTP: attempts, retries, the total budget, statistics, closing.

A `StreamingCall` hands out one batch of events per network read (`next_batch()`); the async
client flattens the batches and the sync bridge runs `next_batch()` on its own loop, so neither
holds any logic of its own. While no batch has reached the consumer, a failed attempt is retried
as `retry.py` allows, within the request's total deadline (backoff sleeps included). A server
that answers it is still loading its model is not retried but waited for (`ModelLoadingWait`:
its `/health` polled, the wait reported to `HttpStreamer.on_status`), then asked again. Network
I/O itself is `http.py`'s; this module only awaits it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from solcoder.errors import LLMError, ProviderUnavailableError
from solcoder.llm.events import Event
from solcoder.llm.transport.http import Exchange, probe_health
from solcoder.llm.transport.http_errors import finalize_error, partial_message, public_url
from solcoder.llm.transport.llamacpp import server_root as root_of_base
from solcoder.llm.transport.notices import RetryNotice
from solcoder.llm.transport.pacing import Need
from solcoder.llm.transport.retry import RetryRecord, WaitStatus
from solcoder.llm.transport.stats import CallStats
from solcoder.llm.transport.streamer import HttpStreamer
from solcoder.llm.wire.base import HttpCall, WireAdapter

HEALTH_PROBE_TIMEOUT_S = 5.0
"""The longest wait for one `/health` answer (a loading llama.cpp server answers at once)."""


class StreamingCall:
    """One model request: `await next_batch()` until None, then always `await aclose()`.

    Each batch holds the events decoded from one network read; the last batch ends with
    `Completed`. Failures raise `LLMError`; while no batch has been handed out, retryable ones
    are retried per the policy.
    """

    def __init__(
        self,
        streamer: HttpStreamer,
        adapter: WireAdapter,
        call: HttpCall,
        *,
        url: str,
        headers: Mapping[str, str],
        stats: CallStats,
        on_done: Callable[[CallStats], None] | None,
        need: Need | None = None,
    ) -> None:
        self._streamer = streamer
        self._need = need or _no_need
        self._adapter = adapter
        self._call = call
        self._url = url
        self._headers = headers
        self.stats = stats
        self._on_done = on_done
        self._attempt: Exchange | None = None
        self._retry_index = 0
        self._loading: ModelLoadingWait | None = None
        self._started = 0.0
        self._total_deadline = 0.0
        self._finished = False
        self._closing = False

    async def next_batch(self) -> list[Event] | None:
        if self._finished:
            return None
        try:
            attempt = self._attempt
            if attempt is not None and attempt.delivered:  # streaming: the fast path
                batch = await attempt.next_batch()
            else:
                batch = await self._first_batch()
        except BaseException as exc:
            await self._end(exc)
            raise
        if batch is None:
            await self._end(None)
        return batch

    async def aclose(self) -> None:
        """Abort the request if it is still running; the connection leaves the pool."""
        if not self._finished:
            await self._end(None, closed=True)

    def hold(self) -> None:
        """The sync bridge stopped its loop with a read in flight while its caller holds
        events: that time is not the network's (`Watchdog.hold`)."""
        if self._attempt is not None:
            self._attempt.hold()

    def release(self) -> None:
        if self._attempt is not None:
            self._attempt.release()

    def closing(self) -> None:
        """The consumer closed the stream while a read was in flight; the sync bridge then
        cancels that read, and the call ends as `closed` (as `aclose()` would), not
        `cancelled`."""
        self._closing = True

    async def _first_batch(self) -> list[Event] | None:
        """The first batch of the answer, after whatever retries and waits it took; a wait
        for a loading model is reported over once the answer begins or the request fails."""
        try:
            batch = await self._attempts()
        except BaseException:
            if self._loading is not None:
                self._loading.finish(answered=False)
            raise
        if self._loading is not None:
            self._loading.finish(answered=True)
        return batch

    async def _attempts(self) -> list[Event] | None:
        """Open attempts until one yields a batch, retrying what the policy allows."""
        streamer = self._streamer
        loop = asyncio.get_running_loop()
        if not self._started:
            # A wait for a rate-limit refill comes before the request's own clock starts:
            # it is bounded by the deadline, and the request then has all of it.
            await self._pace(streamer.timeouts.total)
            self._started = loop.time()
            self._total_deadline = self._started + streamer.timeouts.total
        while True:
            attempt = self._attempt
            if attempt is None:
                if self.stats.attempts:
                    await self._pace(self._total_deadline - loop.time())
                self.stats.attempts += 1
                attempt = self._attempt = Exchange(
                    streamer, self._adapter, self.stats, self._started, self._total_deadline
                )
            try:
                if not attempt.opened:
                    await attempt.open(self._call, self._url, self._headers)
                return await attempt.next_batch()
            except LLMError as error:
                error.attempts = self.stats.attempts
                await attempt.aclose()
                self._attempt = None
                if attempt.model_loading:
                    await self._wait_for_model(attempt)
                    continue  # a wait, not a failure: no retry is used up
                wait = self._retry_wait(error, attempt)
                if wait is None or loop.time() + wait >= self._total_deadline:
                    self._finalize(error, attempt)
                    raise
                record = RetryRecord(self.stats.attempts, error.kind, error.status, wait)
                self.stats.retries.append(record)
                self._tell_retry(record)
            await asyncio.sleep(wait)
            self._retry_index += 1

    async def _wait_for_model(self, attempt: Exchange) -> None:
        """The server is loading its model: wait until it says it is ready, or raise
        `ProviderUnavailableError` once the loading bound (or the total deadline) passes."""
        loading = self._loading
        if loading is None:
            loading = self._loading = ModelLoadingWait(
                self._streamer,
                server_root(self._url, self._call.path),
                self._headers,
                self._total_deadline,
            )
        waited = await loading.until_ready()
        if waited is None:
            error = loading.gave_up(self.stats.attempts)
            self._finalize(error, attempt)
            raise error from None
        self.stats.retries.append(
            RetryRecord(self.stats.attempts, "loading_model", self.stats.status, waited)
        )

    async def _pace(self, bound_s: float) -> None:
        """Wait for a rate-limit refill the next attempt needs (`pacing.Pacer`)."""
        pacer = self._streamer.pacer
        if pacer is not None:
            await pacer.pace(self._need, bound_s=bound_s, notify=self._streamer.on_status)

    def _tell_retry(self, record: RetryRecord) -> None:
        self._streamer.tell(
            RetryNotice(
                provider=self._streamer.provider,
                attempt=record.attempt,
                max_retries=self._streamer.policy.max_retries,
                reason=record.reason,
                status=record.status,
                delay_s=record.wait,
            )
        )

    def _retry_wait(self, error: LLMError, attempt: Exchange) -> float | None:
        if attempt.delivered:
            return None  # the consumer already has content: a retry would show it twice
        streamer = self._streamer
        return streamer.policy.wait_before_retry(
            error,
            attempt.error_headers,
            self._retry_index,
            jitter=streamer.jitter(),
            now=time.time(),
        )

    def _finalize(self, error: LLMError, attempt: Exchange) -> None:
        finalize_error(
            error,
            headers=attempt.error_headers,
            partial=partial_message(attempt.decoder) if attempt.delivered else None,
            secrets=self._streamer.secrets,
        )

    async def _end(self, exc: BaseException | None, *, closed: bool = False) -> None:
        if self._finished:
            return
        self._finished = True
        stats = self.stats
        attempt, self._attempt = self._attempt, None
        if isinstance(exc, LLMError):
            exc.attempts = stats.attempts
            if attempt is not None:
                self._finalize(exc, attempt)
            stats.outcome = exc.kind
        elif isinstance(exc, asyncio.CancelledError) and self._closing:
            stats.outcome = "closed"
        elif isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            stats.outcome = "cancelled"
        elif exc is not None:
            stats.outcome = type(exc).__name__
        elif stats.outcome == "pending":
            stats.outcome = "closed" if closed else "ok"
        if self._started:
            stats.latency = asyncio.get_running_loop().time() - self._started
        try:
            if attempt is not None:
                await attempt.aclose()
        finally:
            if self._on_done is not None:
                self._on_done(stats)


class ModelLoadingWait:
    """Waiting for a llama.cpp server that answered 503 `Loading model`, across attempts.

    The bound (`RetryPolicy.max_loading_wait`, never past the request's total deadline) runs
    from the first such answer. `until_ready` sleeps `RetryPolicy.loading_poll` seconds between
    probes of the server root's `/health` (llama.cpp answers 503 there too until the model is
    loaded), so requests are never sent faster than that. The wait is reported to
    `HttpStreamer.on_status` when it starts, when a whole second passes, and when it ends.
    """

    def __init__(
        self,
        streamer: HttpStreamer,
        root: str,
        headers: Mapping[str, str],
        total_deadline: float,
    ) -> None:
        self._streamer = streamer
        self._health_url = root + "/health"
        self._headers = {
            name: value
            for name, value in headers.items()
            if name.lower() not in ("content-type", "content-length", "accept")
        }
        self.server = public_url(root)
        self._clock = asyncio.get_running_loop().time
        self._started = self._clock()
        self.deadline = min(self._started + streamer.policy.max_loading_wait, total_deadline)
        self.limit = self.deadline - self._started
        self.waited = 0.0
        self.loaded = False
        """`/health` said the model is ready."""
        self._reported: int | None = None
        self._done = False

    async def until_ready(self) -> float | None:
        """Seconds waited this time once `/health` says ready (or cannot tell: then the
        request itself is the probe); None when the bound passed first."""
        began = self._clock()
        poll = self._streamer.policy.loading_poll
        self._tick()
        while True:
            remaining = self.deadline - self._clock()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(poll, remaining))
            timeout = min(HEALTH_PROBE_TIMEOUT_S, max(self.deadline - self._clock(), 0.001))
            status = await probe_health(self._streamer, self._health_url, self._headers, timeout)
            self._tick()
            if status == 200:
                self.loaded = True
                return self._clock() - began
            if status != 503 and self._clock() < self.deadline:
                # No /health, or no answer: the request itself says whether the model is
                # still loading or what else is wrong.
                return self._clock() - began

    def gave_up(self, attempts: int) -> ProviderUnavailableError:
        """The error once the bound passed with the model still loading."""
        bound = _seconds(self._streamer.policy.max_loading_wait)
        error = ProviderUnavailableError(
            f"The llama.cpp server at {self.server} is still loading its model after "
            f"{_seconds(self.limit)}.",
            hint=f"Try again once its log says the model is loaded (or {self.server}/health "
            f"answers 200). SolCoder waits up to {bound} for a model to load, and never past "
            "the request's deadline (--timeout).",
            provider=self._streamer.provider,
            status=503,
            attempts=attempts,
        )
        error.retryable = False  # already waited for as long as we would
        return error

    def finish(self, *, answered: bool) -> None:
        """The request is past the wait: it was `answered`, or it failed (the model loaded
        if `/health` said so; else we gave up or were cancelled)."""
        self.report("ready" if answered or self.loaded else "stopped")

    def report(self, state: Literal["loading", "ready", "stopped"]) -> None:
        """Tell the status hook (if any) how the wait stands; `ready`/`stopped` end it."""
        if self._done:
            return
        self._done = state != "loading"
        self._streamer.tell(
            WaitStatus(
                provider=self._streamer.provider,
                server=self.server,
                waited=self.waited,
                limit=self.limit,
                state=state,
            )
        )

    def _tick(self) -> None:
        """Note the time waited; report it when a new whole second began."""
        self.waited = self._clock() - self._started
        second = int(self.waited)
        if self._reported is None or second > self._reported:
            self._reported = second
            self.report("loading")


def _no_need() -> tuple[int, int]:
    return (0, 0)


def server_root(url: str, path: str) -> str:
    """The server's root for `url`, the request to wire path `path`: the URL without the path
    and without a trailing `/v1`, where llama.cpp serves `/health`
    (`http://127.0.0.1:8080/v1/chat/completions` -> `http://127.0.0.1:8080`)."""
    parts = urlsplit(url)
    base = parts.path.rstrip("/")
    for suffix in (path, path.removeprefix("/v1")):
        if suffix and base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return root_of_base(urlunsplit((parts.scheme, parts.netloc, base, "", "")))


def _seconds(value: float) -> str:
    """`0.6 s`, `1 s`, `120 s`: whole seconds from 10 s up, tenths below."""
    if value >= 10:
        return f"{value:.0f} s"
    return f"{value:.1f}".rstrip("0").rstrip(".") + " s"
