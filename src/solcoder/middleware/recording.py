"""`RecordingProvider`: measures every model call of the provider it wraps and records it.

Telemetry is a wrapper, not code inside each provider: the HTTP client, the offline provider
and the local model are all measured the same way, from outside, with one clock. The wrapper
measures time to the first event and to `Completed` itself, reads the HTTP client's per-call
stats (attempts, retry reasons, status, rate-limit headers) when the provider keeps them, and
hands a record job to the background writer in a `finally`, so success, failure and
cancellation are all recorded.

The per-event cost is one class comparison and a `yield`; everything else (token estimates,
redaction, pricing, SQLite) happens in the writer thread after the call. A telemetry failure is
logged at debug level and never reaches the conversation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from solcoder.errors import LLMError, SolcoderError
from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Message, Request, Usage
from solcoder.loopless import cancelled
from solcoder.middleware.base import Middleware
from solcoder.records import shared_methods
from solcoder.telemetry.derive import (
    estimate_input_tokens,
    estimate_text_tokens,
    message_text,
    user_turns,
)
from solcoder.telemetry.record import CallRecord, endpoint_host

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.llm.providers.base import Provider
    from solcoder.llm.transport.stats import CallStats
    from solcoder.telemetry.writer import RecordJob

__all__ = ["PriceLookup", "RecordQueue", "RecordingProvider", "wrap_for_telemetry"]

_log = logging.getLogger(__name__)


class PriceLookup(Protocol):
    """`solcoder.llm.catalog.pricing.cost_usd`'s shape: USD for one call, None when unknown."""

    def __call__(
        self,
        provider: str,
        model: str,
        usage: Usage,
        *,
        api: str | None = None,
        base_url: str | None = None,
        when: datetime | None = None,
    ) -> float | None: ...


class RecordQueue(Protocol):
    """Where finished calls go (`TelemetryWriter`); `submit` must not block."""

    def submit(self, job: RecordJob) -> None: ...


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
class _Finished:
    """What the event loop hands to the writer thread: raw facts, no derived work."""

    request: Request
    started_at: float
    session_id: str
    ttft: float | None
    latency: float
    completed: Completed | None
    outcome: str
    status: int | None
    attempts: int
    partial: Message | None
    stats: CallStats | None


def _default_price_lookup(
    provider: str,
    model: str,
    usage: Usage,
    *,
    api: str | None = None,
    base_url: str | None = None,
    when: datetime | None = None,
) -> float | None:
    from solcoder.llm.catalog.providers import is_free

    if is_free(provider):
        return 0.0  # without importing the pricing tables (an offline turn never needs them)
    from solcoder.llm.catalog.pricing import cost_usd

    return cost_usd(provider, model, usage, api=api, base_url=base_url, when=when)


class RecordingProvider(Middleware):
    """A `Provider` that records each call of `inner` into `store` (a `RecordQueue`)."""

    def __init__(
        self,
        inner: Provider,
        store: RecordQueue,
        *,
        session_id: str | Callable[[], str] = "",
        turn_counter: Callable[[], int] | None = None,
        price_lookup: PriceLookup | None = None,
        store_text: bool = False,
        fallback: bool = False,
    ) -> None:
        super().__init__(inner)
        self._store = store
        self._session_id = session_id
        self._turn_counter = turn_counter
        self._price_lookup: PriceLookup = price_lookup or _default_price_lookup
        self._store_text = store_text
        self._fallback = fallback
        spec = inner.spec
        # A provider with no URL (the offline script) speaks no wire.
        self._wire_api: str | None = spec.api if spec.base_url else None
        self._base_url: str | None = spec.base_url or None
        self._endpoint = endpoint_host(self._base_url)

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        clock = time.perf_counter
        completed_type = Completed
        started_at = time.time()
        started = clock()
        session = self._session_id
        session_id = session() if callable(session) else session
        stream = self.inner.astream(request)
        first_at: float | None = None
        completed_at: float | None = None
        completed: Completed | None = None
        failure: BaseException | None = None
        try:
            # Two loops so the first-event check is not paid on every later event; leaving
            # the first loop with `break` keeps the inner iterator open.
            async for event in stream:
                first_at = clock()
                if event.__class__ is completed_type:
                    completed, completed_at = event, first_at
                yield event
                break
            async for event in stream:
                if event.__class__ is completed_type:
                    completed, completed_at = event, clock()
                yield event
        except BaseException as error:
            failure = error
            raise
        finally:
            ended = clock()
            try:
                close = getattr(stream, "aclose", None)
                if close is not None:
                    await close()  # the HTTP client finishes its stats here
            finally:
                self._finish(
                    request,
                    started_at=started_at,
                    session_id=session_id,
                    ttft=None if first_at is None else first_at - started,
                    latency=(completed_at or ended) - started,
                    completed=completed,
                    failure=failure,
                )

    def _finish(
        self,
        request: Request,
        *,
        started_at: float,
        session_id: str,
        ttft: float | None,
        latency: float,
        completed: Completed | None,
        failure: BaseException | None,
    ) -> None:
        try:
            stats = self.inner.last_stats
            outcome, status, attempts, partial = _outcome(completed, failure, stats)
            finished = _Finished(
                request=request,
                started_at=started_at,
                session_id=session_id,
                ttft=ttft,
                latency=latency,
                completed=completed,
                outcome=outcome,
                status=status,
                attempts=attempts,
                partial=partial,
                stats=stats,
            )
            turn = self._turn_counter() if self._turn_counter is not None else None
            self._store.submit(lambda: self._build(finished, turn))
        except Exception as error:  # telemetry must never break a conversation
            _log.debug("telemetry: could not queue a call record: %r", error)

    def _build(self, finished: _Finished, turn: int | None) -> CallRecord:
        """Runs in the writer thread: derive everything from the raw facts."""
        stats = finished.stats
        completed = finished.completed
        request = finished.request
        model = request.model or self.inner.model
        record = CallRecord(
            started_at=finished.started_at,
            provider=self.inner.name,
            model=model,
            outcome=finished.outcome,
            session_id=finished.session_id,
            turn=turn if turn is not None else user_turns(request),
            wire_api=self._wire_api,
            endpoint_host=self._endpoint,
            response_id=completed.response_id if completed is not None else None,
            response_model=completed.model if completed is not None else None,
            request_id=stats.request_id if stats is not None else None,
            http_status=finished.status,
            attempts=finished.attempts,
            retries=list(stats.retries) if stats is not None else [],
            time_to_first_token=finished.ttft,
            latency=finished.latency,
            rate_limit_headers=dict(stats.rate_limits) if stats is not None else {},
            fallback=self._fallback,
            purpose=request.purpose,
            stop_reason=completed.stop_reason if completed is not None else None,
        )
        if completed is not None:
            usage, estimated = self._usage(request, completed)
            record.input_tokens = usage.input
            record.output_tokens = usage.output
            record.cache_read_tokens = usage.cache_read
            record.cache_write_tokens = usage.cache_write
            record.reasoning_tokens = usage.reasoning
            record.usage_estimated = estimated
            record.cost_usd = self._price(record, usage, finished.started_at)
            record.cost_uncached_usd = record.cost_usd
            if usage.cache_read or usage.cache_write:
                record.cost_uncached_usd = self._price(
                    record, self._uncached(record, usage), finished.started_at
                )
        if self._store_text:
            from solcoder.redact import redact
            from solcoder.redact_stream import settle

            reply = completed.message if completed is not None else finished.partial
            prompt = request.messages[-1] if request.messages else None
            record.prompt_text = redact(message_text(prompt)) if prompt is not None else None
            # A partial reply may end inside a key the model echoed: settled, not just redacted.
            record.reply_text = settle(message_text(reply)) if reply is not None else None
        return record

    def _price(self, record: CallRecord, usage: Usage, started_at: float) -> float | None:
        """The answering model's price (often a dated snapshot name), else the requested one's."""
        when = datetime.fromtimestamp(started_at, tz=UTC)
        names = [record.response_model, record.model]
        for name in dict.fromkeys(name for name in names if name):
            cost = self._price_lookup(
                record.provider,
                name,
                usage,
                api=self._wire_api,
                base_url=self._base_url,
                when=when,
            )
            if cost is not None:
                return cost
        return None

    def _uncached(self, record: CallRecord, usage: Usage) -> Usage:
        """`usage` as if nothing had been cached: every prompt token at the input price."""
        from solcoder.llm.catalog.pricing import total_input_tokens

        prompt = total_input_tokens(usage, provider=record.provider, api=self._wire_api)
        return Usage(input=prompt, output=usage.output, reasoning=usage.reasoning)

    def _usage(self, request: Request, completed: Completed) -> tuple[Usage, bool]:
        usage = completed.usage
        estimated = completed.extra.get("usage_estimated") is True
        if usage.input == 0 and usage.output == 0:
            # The provider reported nothing (some OpenAI-compatible servers omit usage in
            # streams): estimate offline and say so.
            usage = Usage(
                input=estimate_input_tokens(request, provider=self.inner.name),
                output=estimate_text_tokens(message_text(completed.message)),
            )
            estimated = True
        return usage, estimated


def _outcome(
    completed: Completed | None, failure: BaseException | None, stats: CallStats | None
) -> tuple[str, int | None, int, Message | None]:
    """(outcome, HTTP status, attempts, partial reply) of a finished call."""
    status = stats.status if stats is not None else None
    attempts = stats.attempts if stats is not None and stats.attempts else 1
    if completed is not None:
        return "ok", status, attempts, None
    if isinstance(failure, LLMError):
        return (
            failure.kind,
            failure.status if failure.status is not None else status,
            max(attempts, failure.attempts),
            failure.partial,
        )
    if failure is None or isinstance(failure, (cancelled(), GeneratorExit, KeyboardInterrupt)):
        # No error and no `Completed`: the consumer stopped reading (GeneratorExit is
        # delivered as a close) or the provider ended early; either way nothing finished.
        return ("cancelled" if failure is not None else "protocol"), status, attempts, None
    kind = failure.kind if isinstance(failure, SolcoderError) else "error"
    return kind, status, attempts, None


def wrap_for_telemetry(
    provider: Provider,
    settings: Settings,
    session_id: str | Callable[[], str] = "",
    *,
    fallback: bool = False,
    turn_counter: Callable[[], int] | None = None,
) -> Provider:
    """`provider` recording into `$SOLCODER_HOME/telemetry.db` (and OpenTelemetry when the
    OTEL_EXPORTER_OTLP_* variables are set); unchanged when `telemetry.enabled` is false.

    `fallback=True` marks the offline provider that replaces a failed one."""
    if not settings.telemetry.enabled or isinstance(provider, RecordingProvider):
        return provider
    from solcoder.telemetry.otel import otel_sink_from_environment
    from solcoder.telemetry.store import database_path
    from solcoder.telemetry.writer import writer_for

    try:
        otel = otel_sink_from_environment()
        writer = writer_for(
            database_path(settings.home), extra_sinks=(otel,) if otel is not None else ()
        )
    except Exception as error:
        _log.debug("telemetry disabled for this run: %r", error)
        return provider
    return RecordingProvider(
        provider,
        writer,
        session_id=session_id,
        store_text=settings.telemetry.store_text,
        fallback=fallback,
        turn_counter=turn_counter,
    )
