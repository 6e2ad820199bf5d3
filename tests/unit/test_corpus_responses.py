"""Every recorded Responses API interaction (OpenAI and compatible servers), replayed through
SSEDecoder + OpenAIResponsesAdapter.

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
from solcoder.llm.wire.error_bodies import MESSAGE_LIMIT, error_from_response
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.sse import SSEDecoder
from tests import corpus
from tests.corpus import Record

pytestmark = corpus.MARK


def _records(*, stream: bool | None = None, ok: bool | None = None) -> list[Any]:
    return [
        param
        for param in corpus.select(api="responses")
        if param.values[0] is None
        or (
            (stream is None or param.values[0].is_stream == stream)
            and (ok is None or (param.values[0].status == 200) == ok)
        )
    ]


def replay(record: Record, chunks: Iterable[bytes]) -> list[Event]:
    adapter = OpenAIResponsesAdapter(provider=record.provider)
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


def _final_response(record: Record) -> dict[str, Any]:
    """The response object as the server finally described it (body or terminal event)."""
    if not record.is_stream:
        return json.loads(record.body)  # type: ignore[no-any-return]
    for line in record.body.decode("utf-8").splitlines():
        if line.startswith("data:") and '"response.completed"' in line:
            return json.loads(line[5:])["response"]  # type: ignore[no-any-return]
    raise AssertionError("no response.completed event")


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
    if raw == "completed":
        assert completed.stop_reason == ("tool_use" if message.tool_calls else "end_turn")
    else:
        assert completed.stop_reason == "other"
    usage = expected.get("usage")
    if usage:
        input_details = usage.get("input_tokens_details") or {}
        assert completed.usage.as_dict() == {
            "input": usage["input_tokens"],
            "output": usage["output_tokens"],
            "cache_read": input_details.get("cached_tokens") or 0,
            "cache_write": input_details.get("cache_write_tokens") or 0,
            "reasoning": (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0,
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
    # Encrypted reasoning comes back, item for item, ready to be sent in the next request.
    # (OpenAI encrypts afresh for each event, so only its presence can be compared.)
    encrypted = [
        bool(item.get("encrypted_content"))
        for item in _final_response(record).get("output") or ()
        if item.get("type") == "reasoning"
    ]
    thinking = [part for part in message.parts if isinstance(part, Thinking)]
    assert [bool(part.meta.get("encrypted_content")) for part in thinking] == encrypted
    return completed


@pytest.mark.parametrize("record", _records(stream=True))
def test_stream_whole_body(record: Record) -> None:
    completed = check(record, replay(record, [record.body]))
    assert completed.response_id == _final_response(record)["id"]
    assert completed.model


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
    streams = [r for r in corpus.records() if r.api == "responses" and r.is_stream]
    chosen: dict[str, Record] = {}
    for wanted in ("stream", *("tool_call", "reasoning_text_delta", "unicode")):
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
    completed = check(
        record, OpenAIResponsesAdapter(provider=record.provider).decode_body(record.body)
    )
    assert completed.response_id == _final_response(record)["id"]


@pytest.mark.parametrize("record", _records(ok=False))
def test_error_body(record: Record) -> None:
    expected = record.expected["error"]
    wanted: type[LLMError] = (
        ModelNotFoundError if expected.get("code") == "model_not_found" else BadRequestError
    )
    headers = record.response.get("headers") or {}
    error = error_from_response(record.status, record.body, headers, provider=record.provider)
    assert type(error) is wanted
    assert expected["message"][: MESSAGE_LIMIT - 10] in error.message
    assert error.status == record.status
    # The same body met where a success was expected (decode_body) raises the same class.
    with pytest.raises(wanted) as raised:
        OpenAIResponsesAdapter(provider=record.provider).decode_body(record.body)
    assert expected["message"][: MESSAGE_LIMIT - 10] in raised.value.message
