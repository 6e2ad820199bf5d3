"""One model request over HTTP: attempts, retries, the total budget, statistics, closing.

A `StreamingCall` hands out one batch of events per network read (`next_batch()`); the async
client flattens the batches and the sync bridge runs `next_batch()` on its own loop, so neither
holds any logic of its own. While no batch has reached the consumer, a failed attempt is retried
as `retry.py` allows, within the request's total deadline (backoff sleeps included). Network
I/O itself is `http.Exchange`'s; this module only awaits it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from solcoder.errors import LLMError
from solcoder.llm.adapters.base import HttpCall, WireAdapter
from solcoder.llm.events import Event
from solcoder.llm.http import Exchange, HttpStreamer
from solcoder.llm.http_errors import finalize_error, partial_message
from solcoder.llm.retry import RetryRecord
from solcoder.llm.stats import CallStats


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
    ) -> None:
        self._streamer = streamer
        self._adapter = adapter
        self._call = call
        self._url = url
        self._headers = headers
        self.stats = stats
        self._on_done = on_done
        self._attempt: Exchange | None = None
        self._retry_index = 0
        self._started = 0.0
        self._total_deadline = 0.0
        self._finished = False

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

    async def _first_batch(self) -> list[Event] | None:
        """Open attempts until one yields a batch, retrying what the policy allows."""
        streamer = self._streamer
        loop = asyncio.get_running_loop()
        if not self._started:
            self._started = loop.time()
            self._total_deadline = self._started + streamer.timeouts.total
        while True:
            attempt = self._attempt
            if attempt is None:
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
                wait = self._retry_wait(error, attempt)
                await attempt.aclose()
                self._attempt = None
                if wait is None or loop.time() + wait >= self._total_deadline:
                    self._finalize(error, attempt)
                    raise
                record = RetryRecord(self.stats.attempts, error.kind, error.status, wait)
                self.stats.retries.append(record)
            await asyncio.sleep(wait)
            self._retry_index += 1

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
            secrets=self._streamer.secrets.value,
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
