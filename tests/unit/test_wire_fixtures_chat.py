"""Hand-written Chat Completions streams (tests/fixtures/wire/chat) through the real decoders.

Each fixture reproduces one quirk the recorded corpus shows, in bytes we wrote, so a clone
without ../shared/corpus still tests it; every one is decoded whole, byte by byte, with CRLF
framing and cut in two at many offsets, and must give exactly the events listed here.
"""

from __future__ import annotations

import pytest

from solcoder.errors import BadRequestError, LLMError
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
    body = fixture(f"chat/{name}")
    for label, chunks in chunkings(body):
        assert Replay("chat", provider).run(chunks) == expected, label


def completed(
    *parts: Text | Thinking | ToolCall,
    usage: Usage,
    stop: str,
    raw: str | None,
    response_id: str | None,
    model: str,
) -> Completed:
    return Completed(
        message=Message("assistant", parts),
        usage=usage,
        stop_reason=stop,  # type: ignore[arg-type]
        response_id=response_id,
        raw_stop_reason=raw,
        model=model,
    )


def test_gemini_tool_calls_without_index_or_id_are_told_apart_by_position() -> None:
    """Gemini sends neither `index` nor an `id` (""), one whole call per chunk, and says
    "stop" after them: two calls to the same tool stay two calls, ending in tool use."""
    paris, oslo = '{"city":"Paris"}', '{"city":"Oslo"}'
    decodes_to(
        "gemini_tool_calls_without_index.sse",
        "gemini",
        [
            ToolCallStart(0, "", "get_weather"),
            ToolCallDelta(0, paris),
            ToolCallStart(1, "", "get_weather"),
            ToolCallDelta(1, oslo),
            completed(
                ToolCall("call_0", "get_weather", paris),
                ToolCall("call_1", "get_weather", oslo),
                usage=Usage(input=41, output=16),
                stop="tool_use",
                raw="stop",
                response_id=None,
                model="gemini-2.5-flash",
            ),
        ],
    )


def test_mistral_tool_calls_without_index_are_matched_by_id() -> None:
    """Mistral gives an `id` but no `index`: two calls arrive in one chunk, and a later
    fragment names its call by id alone."""
    decodes_to(
        "mistral_tool_calls_by_id.sse",
        "mistral",
        [
            ToolCallStart(0, "Kq2vTn8aB", "add"),
            ToolCallDelta(0, '{"a": 2, "b": 3}'),
            ToolCallStart(1, "Wd5xPm1cR", "multiply"),
            ToolCallDelta(1, '{"a": 4, '),
            ToolCallDelta(1, '"b": 5}'),
            completed(
                ToolCall("Kq2vTn8aB", "add", '{"a": 2, "b": 3}'),
                ToolCall("Wd5xPm1cR", "multiply", '{"a": 4, "b": 5}'),
                usage=Usage(input=97, output=42),
                stop="tool_use",
                raw="tool_calls",
                response_id="0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
                model="mistral-large-latest",
            ),
        ],
    )


def test_mistral_content_as_a_list_of_thinking_and_text_parts() -> None:
    """Magistral streams `content` as a list (`thinking` parts holding text parts, then
    `text` parts) and switches back to a plain string mid-answer."""
    decodes_to(
        "mistral_content_parts.sse",
        "mistral",
        [
            ThinkingDelta("Two plus two"),
            ThinkingDelta(" is four."),
            TextDelta("The answer"),
            TextDelta(" is 4."),
            completed(
                Thinking("Two plus two is four."),
                Text("The answer is 4."),
                usage=Usage(input=10, output=50),
                stop="end_turn",
                raw="stop",
                response_id="5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
                model="magistral-medium-latest",
            ),
        ],
    )


def test_deepseek_reasoning_content_and_cache_hits() -> None:
    """DeepSeek names reasoning `reasoning_content`, sends `usage: null` until the last chunk
    and counts cached prompt tokens as `prompt_cache_hit_tokens` (no prompt details)."""
    decodes_to(
        "deepseek_reasoning_content.sse",
        "deepseek",
        [
            ThinkingDelta("The user"),
            ThinkingDelta(" greets me."),
            TextDelta("Hello"),
            TextDelta("!"),
            completed(
                Thinking("The user greets me."),
                Text("Hello!"),
                usage=Usage(input=1044, output=31, cache_read=1024, reasoning=24),
                stop="end_turn",
                raw="stop",
                response_id="7b1e4c2a-9d3f-4e8b-a6c5-1f2e3d4c5b6a",
                model="deepseek-reasoner",
            ),
        ],
    )


def test_openrouter_reasoning_is_read_once_though_sent_twice() -> None:
    """OpenRouter sends each reasoning piece both as `reasoning` and in `reasoning_details`
    (and comment lines while it waits): the text must appear once, not doubled. Its usage
    rides on a last chunk that still has a choice."""
    decodes_to(
        "openrouter_reasoning.sse",
        "openrouter",
        [
            ThinkingDelta("Count the"),
            ThinkingDelta(" letters."),
            TextDelta("Three."),
            completed(
                Thinking("Count the letters."),
                Text("Three."),
                usage=Usage(input=14, output=9, cache_read=8, reasoning=6),
                stop="end_turn",
                raw="stop",
                response_id="gen-1750000004-TestOnlyAbCdEfGhIj",
                model="deepseek/deepseek-r1",
            ),
        ],
    )


def test_groq_reasoning_and_usage_in_x_groq() -> None:
    """Groq names reasoning `reasoning` (with a `channel`) and reports usage only inside its
    `x_groq` extension."""
    decodes_to(
        "groq_reasoning_x_groq_usage.sse",
        "groq",
        [
            ThinkingDelta("Say hi back."),
            TextDelta("Hi!"),
            completed(
                Thinking("Say hi back."),
                Text("Hi!"),
                usage=Usage(input=75, output=12),
                stop="end_turn",
                raw="stop",
                response_id="chatcmpl-0a1b2c3d-test-4e5f-groq-000000000001",
                model="openai/gpt-oss-20b",
            ),
        ],
    )


def test_snowflake_reasoning_details_only_and_no_finish_reason() -> None:
    """Snowflake sends reasoning only as `reasoning_details`, serializes empty values (`""`
    refusal, `null` tool calls, empty id) and never a finish reason: `[DONE]` ends it."""
    decodes_to(
        "snowflake_reasoning_details.sse",
        "snowflake",
        [
            ThinkingDelta("6 * 7"),
            ThinkingDelta(" = 42"),
            TextDelta("42"),
            completed(
                Thinking("6 * 7 = 42"),
                Text("42"),
                usage=Usage(input=30, output=20),
                stop="end_turn",
                raw=None,
                response_id=None,
                model="claude-sonnet-4-6",
            ),
        ],
    )


def test_llamacpp_tool_name_resent_in_every_chunk_is_kept_once() -> None:
    """llama.cpp's server repeats the call's id, type and whole name with each argument
    fragment: one call start, the name once, the fragments joined."""
    decodes_to(
        "llamacpp_tool_name_resent.sse",
        "llamacpp",
        [
            ToolCallStart(0, "call_TestLlamaCpp01", "read_file"),
            ToolCallDelta(0, '{"pa'),
            ToolCallDelta(0, 'th":"src/'),
            ToolCallDelta(0, 'main.py"}'),
            completed(
                ToolCall("call_TestLlamaCpp01", "read_file", '{"path":"src/main.py"}'),
                usage=Usage(input=180, output=21),
                stop="tool_use",
                raw="tool_calls",
                response_id="chatcmpl-TestLlamaCpp0001",
                model="qwen2.5-coder-7b-instruct",
            ),
        ],
    )


def test_openrouter_names_resent_for_interleaved_parallel_calls() -> None:
    """Two calls to the same tool, interleaved, each chunk resending id and name after some
    text: names are not doubled and fragments go to their own call."""
    decodes_to(
        "openrouter_tool_names_resent.sse",
        "openrouter",
        [
            TextDelta("Listing both."),
            ToolCallStart(0, "call_or_alpha", "list_dir"),
            ToolCallDelta(0, '{"path":'),
            ToolCallStart(1, "call_or_beta", "list_dir"),
            ToolCallDelta(1, '{"path":'),
            ToolCallDelta(0, '"src"}'),
            ToolCallDelta(1, '"tests"}'),
            completed(
                Text("Listing both."),
                ToolCall("call_or_alpha", "list_dir", '{"path":"src"}'),
                ToolCall("call_or_beta", "list_dir", '{"path":"tests"}'),
                usage=Usage(input=310, output=44),
                stop="tool_use",
                raw="tool_calls",
                response_id="gen-1750000007-TestOnlyToolNames0",
                model="qwen/qwen3-coder",
            ),
        ],
    )


def test_openai_usage_null_mid_stream_then_a_final_chunk_without_choices() -> None:
    """With `include_usage`, OpenAI sends `usage: null` in every chunk, then one chunk with
    `choices: []` and the usage, cached prompt tokens and reasoning tokens in its details."""
    decodes_to(
        "openai_usage_final_chunk.sse",
        "openai",
        [
            TextDelta("Cache"),
            TextDelta(" hit."),
            completed(
                Text("Cache hit."),
                usage=Usage(input=1200, output=80, cache_read=1024, reasoning=64),
                stop="end_turn",
                raw="stop",
                response_id="chatcmpl-TestUsage0001",
                model="gpt-test-2025-01-01",
            ),
        ],
    )


def test_azure_filter_chunks_without_id_model_or_delta() -> None:
    """Azure opens with a `choices: []` chunk of prompt filter results (empty id and model)
    and sends a choice without a `delta` after the finish: neither adds content or names."""
    decodes_to(
        "azure_filter_results.sse",
        "azure",
        [
            TextDelta("Filtered"),
            TextDelta(" and fine."),
            completed(
                Text("Filtered and fine."),
                usage=Usage(input=19, output=4),
                stop="end_turn",
                raw="stop",
                response_id="chatcmpl-TestAzure0001",
                model="gpt-4o-2024-11-20",
            ),
        ],
    )


@pytest.mark.parametrize(
    ("name", "provider", "message", "reasoning"),
    [
        pytest.param(
            "openrouter_error_chunk.sse",
            "openrouter",
            "openrouter stopped the reply with an error; it refused the request (in the "
            "stream: 400): Token limit reached.",
            "Start",
            id="openrouter-error-object-in-a-chunk",
        ),
        pytest.param(
            "groq_error_event.sse",
            "groq",
            "groq stopped the reply with an error; it refused the request (in the stream: "
            "invalid_request_error tool_use_failed): Tool call validation failed: attempted "
            "to call tool 'lookup' which was not in request.tools.",
            "Call lookup.",
            id="groq-named-error-event",
        ),
    ],
)
def test_errors_inside_a_200_stream(name: str, provider: str, message: str, reasoning: str) -> None:
    """OpenRouter puts an `error` object (its HTTP status as `code`) in a normal chunk; Groq
    sends `event: error` (with `status_code`) inside an unnamed stream. Both are the
    request's fault (400), raised as such; what streamed before is kept as the partial."""
    body = fixture(f"chat/{name}")
    for label, chunks in chunkings(body):
        replay = Replay("chat", provider)
        with pytest.raises(LLMError) as raised:
            replay.run(chunks)
        assert type(raised.value) is BadRequestError, label
        assert raised.value.message == message, label
        assert raised.value.status == 400, label
        assert raised.value.provider == provider, label
        assert replay.events == [ThinkingDelta(reasoning)], label
        assert replay.decoder.partial() == Message("assistant", (Thinking(reasoning),)), label


def test_deepseek_body_with_reasoning_tool_call_and_both_cache_counts() -> None:
    """A non-streamed DeepSeek reply: `reasoning_content` in the message, and the cache hit
    given twice (`prompt_tokens_details.cached_tokens` and `prompt_cache_hit_tokens`),
    counted once."""
    events = adapter("chat", "deepseek").decode_body(fixture("chat/deepseek_body.json"))
    call = ToolCall("call_00_TestDeepSeekRoll01", "roll_die", '{"sides": 6}')
    assert events == [
        ThinkingDelta("The user wants a die roll."),
        TextDelta("Rolling now."),
        ToolCallStart(0, "call_00_TestDeepSeekRoll01", "roll_die"),
        ToolCallDelta(0, '{"sides": 6}'),
        completed(
            Thinking("The user wants a die roll."),
            Text("Rolling now."),
            call,
            usage=Usage(input=563, output=116, cache_read=512, reasoning=60),
            stop="tool_use",
            raw="tool_calls",
            response_id="3c4d5e6f-test-body-8a9b-0c1d2e3f4a5b",
            model="deepseek-reasoner",
        ),
    ]


def test_snowflake_body_with_zero_values_everywhere() -> None:
    """Snowflake's body serializes every empty field: `""` finish reason, a `function_call`
    with empty name and arguments, `""` refusal. None of it is a tool call or a refusal."""
    events = adapter("chat", "snowflake").decode_body(
        fixture("chat/snowflake_zero_values_body.json")
    )
    assert events == [
        TextDelta("4"),
        completed(
            Text("4"),
            usage=Usage(input=22, output=5),
            stop="end_turn",
            raw="",
            response_id=None,
            model="claude-sonnet-4-6",
        ),
    ]
