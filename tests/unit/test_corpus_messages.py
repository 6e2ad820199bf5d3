"""Every recorded Anthropic Messages interaction, replayed through SSEDecoder + AnthropicAdapter.

The expectations come from the corpus (derived independently of our code); streams are also
re-chunked at random offsets and byte by byte, since recordings lost the real chunk boundaries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.errors import BadRequestError, LLMError, ModelNotFoundError
from solcoder.llm.events import Completed, Event, TextDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Thinking
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.error_bodies import MESSAGE_LIMIT, error_from_response
from solcoder.llm.wire.sse import SSEDecoder
from tests import corpus
from tests.corpus import Record

pytestmark = corpus.MARK

STOP_REASONS = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "refusal": "refusal",
}


def _records(*, stream: bool | None = None, ok: bool | None = None) -> list[Any]:
    return [
        param
        for param in corpus.select(api="messages")
        if param.values[0] is None
        or (
            (stream is None or param.values[0].is_stream == stream)
            and (ok is None or (param.values[0].status == 200) == ok)
        )
    ]


def replay(record: Record, chunks: Iterable[bytes]) -> list[Event]:
    adapter = AnthropicAdapter(provider=record.provider)
    sse = SSEDecoder()
    decoder = adapter.decoder()
    events: list[Event] = []
    for chunk in chunks:
        for event in sse.feed(chunk):
            events.extend(decoder.feed(event))
    for event in sse.close():
        events.extend(decoder.feed(event))
    events.extend(decoder.finish())
    return events


def check(record: Record, events: list[Event]) -> Completed:
    """Compare the decoded response with the corpus expectations and the events with the
    message they add up to."""
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert not any(isinstance(event, Completed) for event in events[:-1])
    expected = record.expected
    message = completed.message
    assert message.text == expected["text"]
    assert [(call.name, json.loads(call.arguments)) for call in message.tool_calls] == [
        (call["name"], json.loads(call["arguments"] or "{}")) for call in expected["tool_calls"]
    ]
    assert [call.id for call in message.tool_calls] == [
        call["id"] for call in expected["tool_calls"]
    ]
    raw = expected["finish_reason"]
    assert completed.raw_stop_reason == raw
    assert completed.stop_reason == STOP_REASONS.get(raw, "other")
    usage = expected.get("usage")
    if usage:
        details = usage.get("output_tokens_details") or {}
        assert completed.usage.as_dict() == {
            "input": usage.get("input_tokens") or 0,
            "output": usage.get("output_tokens") or 0,
            "cache_read": usage.get("cache_read_input_tokens") or 0,
            "cache_write": usage.get("cache_creation_input_tokens") or 0,
            "reasoning": details.get("thinking_tokens") or 0,
        }
    # The deltas a renderer showed add up to the final message.
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == message.text
    starts = [event for event in events if isinstance(event, ToolCallStart)]
    assert [(start.id, start.name) for start in starts] == [
        (call.id, call.name) for call in message.tool_calls
    ]
    for start, call in zip(starts, message.tool_calls, strict=True):
        joined = "".join(
            e.arguments_fragment
            for e in events
            if isinstance(e, ToolCallDelta) and e.index == start.index
        )
        assert (joined or "{}") == call.arguments
    if "thinking" in record.features:
        thinking = [part for part in message.parts if isinstance(part, Thinking)]
        assert thinking
        assert all(
            part.meta.get("data") if part.redacted else part.meta.get("signature")
            for part in thinking
        )
    return completed


@pytest.mark.parametrize("record", _records(stream=True))
def test_stream_whole_body(record: Record) -> None:
    completed = check(record, replay(record, [record.body]))
    assert (completed.response_id or "").startswith("msg_")


@pytest.mark.parametrize("record", _records(stream=True))
def test_stream_byte_by_byte(record: Record) -> None:
    body = record.body
    check(record, replay(record, (body[i : i + 1] for i in range(len(body)))))


@pytest.mark.parametrize("record", _records(stream=True))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_stream_random_chunks(record: Record, data: st.DataObject) -> None:
    body = record.body
    cuts = sorted(
        data.draw(st.lists(st.integers(0, len(body)), max_size=40, unique=True), label="cuts")
    )
    bounds = [0, *cuts, len(body)]
    check(record, replay(record, (body[a:b] for a, b in pairwise(bounds))))


def _small_interesting() -> list[Any]:
    """The shortest stream overall and the shortest with each interesting feature, up to 5 kB
    each (every record is also replayed byte by byte, which cuts at every offset at once)."""
    streams = [r for r in corpus.records() if r.api == "messages" and r.is_stream]
    chosen: dict[str, Record] = {}
    for wanted in ("stream", *("tool_call", "thinking", "unicode")):
        candidates = [r for r in streams if wanted in r.features and len(r.body) <= 5_000]
        if candidates:
            record = min(candidates, key=lambda r: len(r.body))
            chosen[record.file] = record
    return [pytest.param(r, id=r.file) for r in chosen.values()] or [corpus.placeholder()]


@pytest.mark.parametrize("record", _small_interesting())
def test_stream_split_at_every_offset(record: Record) -> None:
    body = record.body
    whole = replay(record, [body])[-1]
    for offset in range(len(body) + 1):
        assert replay(record, [body[:offset], body[offset:]])[-1] == whole


@pytest.mark.parametrize("record", _records(stream=False, ok=True))
def test_json_body(record: Record) -> None:
    check(record, AnthropicAdapter(provider=record.provider).decode_body(record.body))


@pytest.mark.parametrize("record", _records(ok=False))
def test_error_body(record: Record) -> None:
    expected = record.expected["error"]
    wanted: type[LLMError] = (
        ModelNotFoundError if expected["type"] == "not_found_error" else BadRequestError
    )
    headers = record.response.get("headers") or {}
    error = error_from_response(record.status, record.body, headers, provider=record.provider)
    assert type(error) is wanted
    assert expected["message"][: MESSAGE_LIMIT - 10] in error.message
    assert error.status == record.status
    # The same body met where a success was expected (decode_body) raises the same class.
    with pytest.raises(wanted) as raised:
        AnthropicAdapter(provider=record.provider).decode_body(record.body)
    assert expected["message"][: MESSAGE_LIMIT - 10] in raised.value.message
