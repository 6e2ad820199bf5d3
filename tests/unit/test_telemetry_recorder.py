"""RecordingProvider: what it measures and records, for success, failure and cancellation."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from solcoder.config import load_settings
from solcoder.errors import IdleTimeoutError, RateLimitError
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS, ProviderSpec
from solcoder.llm.events import Completed, Event, TextDelta
from solcoder.llm.messages import Message, Request, Text, ToolResult, Usage
from solcoder.llm.providers.base import ProviderBase
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.llm.transport.retry import RetryRecord
from solcoder.llm.transport.stats import CallStats
from solcoder.middleware.recording import RecordingProvider, wrap_for_telemetry
from solcoder.telemetry import TelemetryStore, close_all_writers, database_path
from solcoder.telemetry.derive import user_turns
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.writer import RecordJob

FAKE_KEY = "sk-test-abcdefghijklmnopqrstuvwxyz0123"


class ImmediateQueue:
    """Runs each record job at once (the real writer runs them in its thread)."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def submit(self, job: RecordJob) -> None:
        record = job()
        assert record is not None
        self.records.append(record)


class PriceSpy:
    def __init__(self, price: float | None = 0.25) -> None:
        self.calls: list[dict[str, Any]] = []
        self.price = price

    def __call__(
        self,
        provider: str,
        model: str,
        usage: Usage,
        *,
        api: str | None = None,
        base_url: str | None = None,
        when: datetime | None = None,
    ) -> float | None:
        self.calls.append(
            {"provider": provider, "model": model, "usage": usage, "api": api, "when": when}
        )
        return self.price


def _request(*texts: str) -> Request:
    messages = [Message.user(text) for text in texts] or [Message.user("hello")]
    return Request(model="gpt-4.1-mini", messages=tuple(messages))


async def _drain(provider: Any, request: Request) -> list[Event]:
    return [event async for event in provider.astream(request)]


async def test_a_successful_call_is_recorded_with_its_measurements() -> None:
    sink = ImmediateQueue()
    price = PriceSpy()
    inner = ScriptedProvider(
        [ScriptedResponse(text="one two three", usage=Usage(120, 30, 100, 0, 5), token_delay=0.02)],
        name="openai",
        model="gpt-4.1-mini",
    )
    provider = RecordingProvider(inner, sink, session_id=lambda: "session-42", price_lookup=price)
    request = Request(
        model="gpt-4.1-mini",
        messages=(
            Message.user("first"),
            Message.assistant("reply"),
            Message("tool", (ToolResult("c1", "result"),)),
            Message.user("second"),
        ),
    )
    started = time.time()
    events = await _drain(provider, request)
    assert isinstance(events[-1], Completed)
    [record] = sink.records
    assert record.outcome == "ok"
    assert record.failure_class is None
    assert record.session_id == "session-42"
    assert record.turn == 2  # two typed user messages; the tool message is not a turn
    assert (record.provider, record.model) == ("openai", "gpt-4.1-mini")
    assert record.response_id == "scripted-1"
    assert (record.input_tokens, record.output_tokens) == (120, 30)
    assert (record.cache_read_tokens, record.reasoning_tokens) == (100, 5)
    assert record.usage_estimated is False
    assert record.cost_usd == 0.25
    assert price.calls[0]["usage"] == Usage(120, 30, 100, 0, 5)
    assert record.time_to_first_token is not None and record.latency is not None
    assert 0.02 <= record.time_to_first_token < record.latency
    assert record.latency >= 0.06  # three deltas 20 ms apart, then Completed
    assert started - 1 <= record.started_at <= time.time()
    assert record.prompt_text is None and record.reply_text is None
    assert record.stop_reason == "end_turn"


async def test_http_stats_of_the_inner_provider_are_read() -> None:
    class WithStats(ScriptedProvider):
        spec = BUILTIN_PROVIDERS["anthropic"]

        async def astream(self, request: Request) -> AsyncIterator[Event]:
            self.last_stats = CallStats(
                provider="anthropic",
                model="claude-sonnet-4-5",
                attempts=3,
                status=200,
                retries=[
                    RetryRecord(1, "overloaded", 529, 0.5),
                    RetryRecord(2, "rate_limited", 429, 1.0),
                ],
                rate_limits={"anthropic-ratelimit-requests-remaining": "7"},
                request_id="req_123",
            )
            async for event in super().astream(request):
                yield event

    sink = ImmediateQueue()
    provider = RecordingProvider(
        WithStats([ScriptedResponse(text="hi")], name="anthropic", model="claude-sonnet-4-5"),
        sink,
        price_lookup=PriceSpy(),
    )
    await _drain(provider, _request())
    [record] = sink.records
    assert record.attempts == 3
    assert [retry.reason for retry in record.retries] == ["overloaded", "rate_limited"]
    assert record.http_status == 200
    assert record.request_id == "req_123"
    assert record.rate_limit_headers == {"anthropic-ratelimit-requests-remaining": "7"}
    assert record.endpoint_host == "api.anthropic.com"
    assert record.wire_api == "messages"
    assert provider.last_stats.attempts == 3  # other attributes are the inner provider's


async def test_a_failure_is_recorded_with_its_kind_status_and_attempts() -> None:
    error = RateLimitError("slow down", status=429, provider="openai", attempts=3)
    sink = ImmediateQueue()
    provider = RecordingProvider(
        ScriptedProvider([ScriptedResponse(error=error)], name="openai"), sink
    )
    with pytest.raises(RateLimitError) as caught:
        await _drain(provider, _request())
    assert caught.value is error
    [record] = sink.records
    assert (record.outcome, record.failure_class) == ("rate_limited", "rate_limit")
    assert (record.http_status, record.attempts) == (429, 3)
    assert record.input_tokens is None and record.cost_usd is None
    assert record.time_to_first_token is None


async def test_a_failure_after_content_keeps_the_partial_reply_when_text_is_stored() -> None:
    partial = Message.assistant("half an answer")
    error = IdleTimeoutError("stalled", provider="openai")
    error.partial = partial
    sink = ImmediateQueue()
    provider = RecordingProvider(
        ScriptedProvider([ScriptedResponse(text="half an answer", error=error)], name="openai"),
        sink,
        store_text=True,
    )
    with pytest.raises(IdleTimeoutError):
        await _drain(provider, _request())
    [record] = sink.records
    assert (record.outcome, record.failure_class) == ("idle_timeout", "timeout")
    assert record.time_to_first_token is not None
    assert record.reply_text == "half an answer"


async def test_cancelling_the_consumer_records_cancelled() -> None:
    sink = ImmediateQueue()
    provider = RecordingProvider(
        ScriptedProvider([ScriptedResponse(text="a " * 50, token_delay=0.05)]), sink
    )
    task = asyncio.create_task(_drain(provider, _request()))
    await asyncio.sleep(0.12)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [record] = sink.records
    assert record.outcome == "cancelled"
    assert record.time_to_first_token is not None


async def test_leaving_early_is_cancelled_but_leaving_after_completed_is_ok() -> None:
    sink = ImmediateQueue()
    provider = RecordingProvider(
        ScriptedProvider([ScriptedResponse(text="a b c"), ScriptedResponse(text="d")]), sink
    )
    stream = provider.astream(_request())
    assert isinstance(await anext(stream), TextDelta)
    await stream.aclose()  # type: ignore[attr-defined]
    stream = provider.astream(_request())
    async for event in stream:
        if isinstance(event, Completed):
            break
    await stream.aclose()  # type: ignore[attr-defined]
    assert [record.outcome for record in sink.records] == ["cancelled", "ok"]


async def test_missing_usage_is_estimated_and_marked() -> None:
    sink = ImmediateQueue()
    provider = RecordingProvider(
        ScriptedProvider(
            [
                ScriptedResponse(
                    text="the answer is forty-two, as everybody knows",
                    tool_calls=(ScriptedToolCall("plan", {"goal": "x"}),),
                    usage=Usage(),  # a server that reported no usage at all
                )
            ],
            name="llamacpp",
        ),
        sink,
    )
    await _drain(provider, _request("explain " * 40))
    [record] = sink.records
    assert record.usage_estimated is True
    assert record.input_tokens is not None and record.input_tokens >= 40
    assert record.output_tokens is not None and record.output_tokens >= 8
    assert record.cost_usd == 0.0  # llamacpp runs locally


async def test_text_is_stored_only_when_asked_and_then_redacted() -> None:
    request = _request(f"my key is {FAKE_KEY}, please help")
    plain, with_text = ImmediateQueue(), ImmediateQueue()
    for sink, store_text in ((plain, False), (with_text, True)):
        provider = RecordingProvider(
            ScriptedProvider([ScriptedResponse(text=f"never print {FAKE_KEY}")]),
            sink,
            store_text=store_text,
        )
        await _drain(provider, request)
    assert plain.records[0].prompt_text is None and plain.records[0].reply_text is None
    stored = with_text.records[0]
    assert stored.prompt_text is not None and stored.reply_text is not None
    assert "please help" in stored.prompt_text and "never print" in stored.reply_text
    assert FAKE_KEY not in stored.prompt_text + stored.reply_text


async def test_a_broken_store_never_breaks_the_conversation() -> None:
    class Exploding:
        def submit(self, job: RecordJob) -> None:
            raise OSError("No space left on device")

    provider = RecordingProvider(ScriptedProvider([ScriptedResponse(text="fine")]), Exploding())
    events = await _drain(provider, _request())
    assert isinstance(events[-1], Completed)
    assert events[-1].message.text == "fine"


async def test_an_unusable_database_never_breaks_the_conversation(tmp_path: Path) -> None:
    home = tmp_path / "home"
    database_path(home).mkdir(parents=True)  # a directory where the file should be
    settings = load_settings(environ={"SOLCODER_HOME": str(home)}, cwd=tmp_path)
    provider = wrap_for_telemetry(ScriptedProvider([ScriptedResponse(text="ok")]), settings)
    assert isinstance(provider, RecordingProvider)
    events = await _drain(provider, _request())
    assert isinstance(events[-1], Completed)
    close_all_writers()


async def test_fallback_flag_and_turn_counter() -> None:
    sink = ImmediateQueue()
    provider = RecordingProvider(
        ScriptedProvider([ScriptedResponse(text="offline answer")]),
        sink,
        turn_counter=lambda: 7,
        fallback=True,
    )
    await _drain(provider, _request())
    [record] = sink.records
    assert (record.fallback, record.turn) == (True, 7)


def test_user_turns_count_typed_messages_only() -> None:
    request = Request(
        model="m",
        messages=(
            Message.user("a"),
            Message("assistant", (Text("b"),)),
            Message("tool", (ToolResult("c", "d"),)),
            Message("user", (ToolResult("e", "f"),)),  # Anthropic-style tool results
            Message.user("g"),
        ),
    )
    assert user_turns(request) == 2


async def test_wrap_for_telemetry_writes_to_the_home_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings(environ={"SOLCODER_HOME": str(home)}, cwd=tmp_path)
    inner = ScriptedProvider([ScriptedResponse(text="hi", usage=Usage(3, 1))])
    provider = wrap_for_telemetry(inner, settings, "session-1")
    assert wrap_for_telemetry(provider, settings) is provider  # never wrapped twice
    await _drain(provider, _request())
    close_all_writers()
    with TelemetryStore.open(database_path(home), create=False) as store:
        row = store.connection.execute(
            "SELECT session_id, provider, outcome, input_tokens, output_tokens, cost_usd FROM calls"
        ).fetchone()
    assert row == ("session-1", "offline", "ok", 3, 1, 0.0)


def test_wrap_for_telemetry_returns_the_provider_unchanged_when_disabled(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"SOLCODER_HOME": str(tmp_path / "home"), "SOLCODER_TELEMETRY_ENABLED": "false"},
        cwd=tmp_path,
    )
    inner = ScriptedProvider()
    assert wrap_for_telemetry(inner, settings, "s") is inner


class _Bare(ProviderBase):
    """Yields ready-made events without awaiting: measures pure per-event overhead."""

    name = "bare"  # type: ignore[assignment]
    model = "m"
    spec = ProviderSpec(name="bare", api="chat", base_url="")

    def __init__(self, count: int) -> None:
        self.events: list[Event] = [TextDelta("x")] * count

    async def aclose(self) -> None:
        return None

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        for event in self.events:
            yield event
        yield Completed(message=Message.assistant("x"), usage=Usage(1, 1), stop_reason="end_turn")


async def test_per_event_overhead_is_negligible() -> None:
    """100k deltas: the wrapper must cost well under a microsecond per event (it measured
    ~0.2-0.3 us, the price of any async-generator layer; the HTTP client spends ~10x that)."""
    count = 100_000
    request = _request()

    async def run(provider: Any) -> float:
        started = time.perf_counter()
        async for _ in provider.astream(request):
            pass
        return time.perf_counter() - started

    plain, wrapped = [], []
    for _ in range(3):
        plain.append(await run(_Bare(count)))
        wrapped.append(await run(RecordingProvider(_Bare(count), ImmediateQueue())))
    overhead = (statistics.median(wrapped) - statistics.median(plain)) / count
    assert overhead < 2e-6, f"{overhead * 1e9:.0f} ns per event"
