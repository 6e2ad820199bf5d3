"""Hand-written Anthropic Messages and OpenAI Responses streams (tests/fixtures/wire/messages,
tests/fixtures/wire/responses) through the real decoders, cut every way a network can cut them.

They carry the usage shapes and stream quirks the recorded corpus shows (cache writes and
reads, usage corrected by `message_delta`, JSON padded with spaces, reasoning round-trip data,
`[DONE]` after the terminator), so a clone without ../shared/corpus still tests them.
"""

from __future__ import annotations

import pytest

from solcoder.errors import LLMError, OverloadedError, ServerError
from solcoder.llm.events import (
    Completed,
    Event,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallStart,
)
from solcoder.llm.messages import Message, Text, Thinking, ToolCall, Usage
from tests.support.wire_fixtures import Replay, adapter, chunkings, fixture


def decodes_to(name: str, provider: str, expected: list[Event]) -> None:
    """The fixture gives `expected` however its bytes are cut."""
    wire = name.split("/", 1)[0]
    for label, chunks in chunkings(fixture(name)):
        assert Replay(wire, provider).run(chunks) == expected, label


def test_anthropic_cache_write_in_message_start_and_output_in_message_delta() -> None:
    """`message_start` carries input and cache-creation tokens (and a provisional output
    count); `message_delta` the final output count, which wins. A `ping` is ignored."""
    decodes_to(
        "messages/cache_write.sse",
        "anthropic",
        [
            TextDelta("Cached"),
            TextDelta(" the prefix."),
            Completed(
                message=Message("assistant", (Text("Cached the prefix."),)),
                usage=Usage(input=12, output=9, cache_read=0, cache_write=2048),
                stop_reason="end_turn",
                response_id="msg_01TestCacheWrite00000001",
                raw_stop_reason="end_turn",
                model="claude-sonnet-4-5-20250929",
            ),
        ],
    )


def test_anthropic_cache_read_thinking_and_tool_use_in_padded_json() -> None:
    """A cache read, a signed thinking block and a tool call whose input starts with an empty
    `partial_json`, every event's JSON padded with trailing spaces as Anthropic sends it, and
    `message_delta` usage repeating every count."""
    arguments = '{"path": "README.md"}'
    decodes_to(
        "messages/cache_read_thinking_tool_use.sse",
        "anthropic",
        [
            ThinkingDelta("Read the file first."),
            ToolCallStart(1, "toolu_01TestReadFile00000001", "read_file"),
            ToolCallDelta(1, '{"path": "RE'),
            ToolCallDelta(1, 'ADME.md"}'),
            Completed(
                message=Message(
                    "assistant",
                    (
                        Thinking("Read the file first.", meta={"signature": "c2lnLXRlc3QtMDAx"}),
                        ToolCall("toolu_01TestReadFile00000001", "read_file", arguments),
                    ),
                ),
                usage=Usage(input=40, output=57, cache_read=2048, cache_write=0),
                stop_reason="tool_use",
                response_id="msg_01TestCacheRead000000002",
                raw_stop_reason="tool_use",
                model="claude-sonnet-4-5-20250929",
            ),
        ],
    )


def test_anthropic_null_counts_in_message_delta_keep_those_of_message_start() -> None:
    """`message_delta` usage fields other than `output_tokens` are nullable in Anthropic's
    schema (MessageDeltaUsage); a null there means "not restated", not zero, so the input and
    cache counts of `message_start` must survive it."""
    decodes_to(
        "messages/usage_nulls_in_message_delta.sse",
        "anthropic",
        [
            TextDelta("Counted once."),
            Completed(
                message=Message("assistant", (Text("Counted once."),)),
                usage=Usage(input=310, output=15, cache_read=1792, cache_write=0),
                stop_reason="end_turn",
                response_id="msg_01TestNullUsage000000005",
                raw_stop_reason="end_turn",
                model="claude-haiku-4-5-20251001",
            ),
        ],
    )


def test_anthropic_body_with_cache_read_usage() -> None:
    """A non-streamed message reports the same usage fields in one object."""
    events = adapter("messages", "anthropic").decode_body(fixture("messages/cache_body.json"))
    assert events == [
        TextDelta("From the cache."),
        Completed(
            message=Message("assistant", (Text("From the cache."),)),
            usage=Usage(input=8, output=6, cache_read=4096, cache_write=0),
            stop_reason="end_turn",
            response_id="msg_01TestCacheBody000000004",
            raw_stop_reason="end_turn",
            model="claude-haiku-4-5-20251001",
        ),
    ]


def test_responses_completed_usage_reasoning_text_and_function_call() -> None:
    """Usage comes only in `response.completed` (cached input and reasoning output in their
    details); the reasoning item's id and encrypted content stay on the thinking part for
    the next request; argument deltas are keyed by output index."""
    thinking = Thinking(
        "Look up the weather.",
        meta={"id": "rs_test0001", "encrypted_content": "gAAAAB-test-opaque-0001"},
    )
    decodes_to(
        "responses/completed_usage.sse",
        "openai",
        [
            ThinkingDelta("Look up the weather."),
            TextDelta("Checking"),
            TextDelta(" now."),
            ToolCallStart(2, "call_test0001", "get_weather"),
            ToolCallDelta(2, '{"city":'),
            ToolCallDelta(2, '"Lima"}'),
            Completed(
                message=Message(
                    "assistant",
                    (
                        thinking,
                        Text("Checking now."),
                        ToolCall("call_test0001", "get_weather", '{"city":"Lima"}'),
                    ),
                ),
                usage=Usage(input=2100, output=150, cache_read=1920, reasoning=96),
                stop_reason="tool_use",
                response_id="resp_test0001",
                raw_stop_reason="completed",
                model="gpt-test-2025-01-01",
            ),
        ],
    )


def test_responses_unnamed_events_cache_writes_and_done_after_the_terminator() -> None:
    """OpenRouter's Responses stream: `data:` lines without `event:` names, a comment while
    waiting, `[DONE]` after `response.completed`, and cache writes in the input details."""
    decodes_to(
        "responses/openrouter_done_after_completed.sse",
        "openrouter",
        [
            TextDelta("Hi there."),
            Completed(
                message=Message("assistant", (Text("Hi there."),)),
                usage=Usage(input=30, output=4, cache_read=0, cache_write=512),
                stop_reason="end_turn",
                response_id="gen-1750000021-TestOnlyResponses0",
                raw_stop_reason="completed",
                model="anthropic/claude-haiku-4.5",
            ),
        ],
    )


@pytest.mark.parametrize(
    ("name", "provider", "error_class", "message", "streamed"),
    [
        pytest.param(
            "messages/overloaded_mid_stream.sse",
            "anthropic",
            OverloadedError,
            "anthropic stopped the reply with an error; it is overloaded (in the stream: "
            "overloaded_error): Overloaded.",
            [TextDelta("Half an")],
            id="anthropic-overloaded-error-event",
        ),
        pytest.param(
            "responses/failed.sse",
            "openai",
            ServerError,
            "openai stopped the reply with an error; it failed on its side (in the stream: "
            "server_error): The model failed to generate a response.",
            [],
            id="responses-failed",
        ),
    ],
)
def test_errors_inside_a_200_stream(
    name: str,
    provider: str,
    error_class: type[LLMError],
    message: str,
    streamed: list[Event],
) -> None:
    """Anthropic's mid-stream `error` event and a Responses `response.failed` are raised as
    the provider's fault, after whatever streamed before them."""
    wire = name.split("/", 1)[0]
    for label, chunks in chunkings(fixture(name)):
        replay = Replay(wire, provider)
        with pytest.raises(LLMError) as raised:
            replay.run(chunks)
        assert type(raised.value) is error_class, label
        assert raised.value.message == message, label
        assert raised.value.provider == provider, label
        assert replay.events == streamed, label
