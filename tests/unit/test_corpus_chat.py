"""Every recorded chat-completions response (OpenAI and 16 compatible servers) replayed through
`SSEDecoder` and `OpenAIChatAdapter`, whole and re-chunked at random and at every byte offset.

Deviations from `expected` (documented, not bugs):
- we also read reasoning that the corpus analysis leaves out (Mistral `thinking` content parts,
  Snowflake `reasoning_details`), so reasoning is compared only where the corpus has some;
- for streams without an `index` (Mistral) the corpus lists tool calls sorted by id; we keep
  stream order, so those are compared ignoring order.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.errors import (
    AuthenticationError,
    BadRequestError,
    LLMError,
    ModelNotFoundError,
    RateLimitError,
)
from solcoder.llm.events import (
    Completed,
    Event,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallStart,
)
from solcoder.llm.messages import Thinking
from solcoder.llm.wire.error_bodies import error_from_response
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.sse import SSEDecoder
from tests import corpus

pytestmark = corpus.MARK

HTTP_ERRORS: dict[int, type[LLMError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: ModelNotFoundError,
    429: RateLimitError,
}
STREAMS = [
    param
    for param in corpus.select(api="chat")
    if param.values[0] is None or param.values[0].is_stream
]
# Small bodies covering the stream quirks: no index (Gemini, Mistral), many argument chunks,
# parallel calls, astral-plane characters with SSE comments, an error inside a stream.
EVERY_OFFSET = {
    "openai-compatible-gemini-openai-compat/magentic__test_openai_chat_model_gemini--test_openai_chat_model_gemini_acomplete-Return-True.-output_types1-bool.json",
    "openai-compatible-mistral/magentic__test_mistral_chat_model--test_mistral_chat_model_complete_parallel_function_call.json",
    "openai-compatible-openrouter/magentic__test_openrouter_chat_model--test_openrouter_chat_model_complete_base_url.json",
    "openai-chat/magentic__test_litellm_chat_model--test_litellm_chat_model_acomplete_raises_tool_schema_parse_error.json",
    "openai-compatible-openrouter/pydantic-ai__test_openrouter--test_openrouter_stream_error.json",
    "openai-chat/pydantic-ai__test_dbos--test_multiple_agents__1.json",
}


def replay(record: corpus.Record, chunks: Iterable[bytes]) -> list[Event]:
    """The events our client would produce for this recorded response (or the error raised)."""
    adapter = OpenAIChatAdapter(record.provider)
    if record.status >= 400:
        raise error_from_response(
            record.status,
            record.body,
            record.response.get("headers") or {},
            provider=record.provider,
        )
    if not record.is_stream:
        return adapter.decode_body(record.body)
    sse = SSEDecoder()
    decoder = adapter.decoder()
    events: list[Event] = []
    for chunk in chunks:
        for event in sse.feed(chunk):
            events += decoder.feed(event)
    for event in sse.close():
        events += decoder.feed(event)
    return events + decoder.finish()


def expects_error(record: corpus.Record) -> bool:
    return record.status >= 400 or "error_in_stream" in record.features


def check(record: corpus.Record, chunks: Iterable[bytes]) -> None:
    expected = record.expected
    if expects_error(record):
        with pytest.raises(LLMError) as raised:
            replay(record, chunks)
        error = raised.value
        if record.status >= 400:
            assert type(error) is HTTP_ERRORS[record.status]
            message = expected["error"]["message"]
        else:  # the only in-stream errors recorded are refusals of the request (status 400)
            assert type(error) is BadRequestError
            message = last_error_message(record.body)
        assert record.provider in str(error)
        assert message[:100] in str(error)
        assert error.hint
        return
    events = replay(record, chunks)
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert not any(isinstance(event, Completed) for event in events[:-1])
    message = completed.message

    assert message.text == expected.get("text", "")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == message.text
    thinking = "".join(part.text for part in message.parts if isinstance(part, Thinking))
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == thinking
    if expected.get("reasoning"):
        assert thinking == expected["reasoning"]

    got_calls = [(call.name, json.loads(call.arguments)) for call in message.tool_calls]
    want_calls = [
        (call["name"], json.loads(call["arguments"] or "{}"))
        for call in expected.get("tool_calls") or ()
    ]
    if "tool_call_without_index" in record.features:
        got_calls.sort(key=json.dumps)
        want_calls.sort(key=json.dumps)
    assert got_calls == want_calls
    for call, want in zip(message.tool_calls, expected.get("tool_calls") or (), strict=False):
        if want.get("id") and "tool_call_without_index" not in record.features:
            assert call.id == want["id"]
    starts = [event.index for event in events if isinstance(event, ToolCallStart)]
    fragments: dict[int, list[str]] = {}
    for event in events:
        if isinstance(event, ToolCallDelta):
            fragments.setdefault(event.index, []).append(event.arguments_fragment)
    assert len(starts) == len(message.tool_calls)
    for index, call in zip(starts, message.tool_calls, strict=True):
        assert ("".join(fragments.get(index, ())) or "{}") == call.arguments

    assert completed.raw_stop_reason == expected.get("finish_reason")
    if message.tool_calls:
        assert completed.stop_reason == "tool_use"
    usage = expected.get("usage") or {}
    check_usage(completed, usage)


def check_usage(completed: Completed, usage: dict[str, Any]) -> None:
    if "prompt_tokens" in usage:
        assert completed.usage.input == usage["prompt_tokens"]
    if "completion_tokens" in usage:
        assert completed.usage.output == usage["completion_tokens"]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        assert completed.usage.cache_read == cached
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning is not None:
        assert completed.usage.reasoning == reasoning


def last_error_message(body: bytes) -> str:
    """The message of the last error payload in a recorded stream."""
    for line in reversed(body.decode().splitlines()):
        if line.startswith("data:") and '"error"' in line:
            return str(json.loads(line[5:])["error"]["message"])
    raise AssertionError("no error payload in the recorded stream")


def split(body: bytes, cuts: Iterable[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(body)]
    return [body[start:end] for start, end in itertools.pairwise(bounds)]


@pytest.mark.parametrize("record", list(corpus.select(api="chat")))
def test_record_whole(record: corpus.Record) -> None:
    check(record, [record.body])


@pytest.mark.parametrize("record", STREAMS)
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_record_rechunked_at_random_offsets(record: corpus.Record, data: st.DataObject) -> None:
    body = record.body
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=64), label="cuts")
    check(record, split(body, cuts))


@pytest.mark.parametrize("record", STREAMS)
def test_record_in_small_reads_with_crlf_line_breaks(record: corpus.Record) -> None:
    # JSON never holds a raw line break, so only the SSE framing changes.
    body = record.body.replace(b"\n", b"\r\n")
    check(record, split(body, range(7, len(body), 7)))


@pytest.mark.parametrize(
    "record", [param for param in STREAMS if param.id in EVERY_OFFSET or param.values[0] is None]
)
def test_record_split_at_every_offset(record: corpus.Record) -> None:
    body = record.body
    for offset in range(len(body) + 1):
        check(record, [body[:offset], body[offset:]])
    check(record, [body[i : i + 1] for i in range(len(body))])
