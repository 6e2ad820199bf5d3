"""Prompt caching hints on each wire: Anthropic breakpoints, OpenAI's `prompt_cache_key`."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from solcoder.config import load_settings
from solcoder.llm.catalog.pricing import cost_usd
from solcoder.llm.catalog.providers import builtin_spec, spec_from_table
from solcoder.llm.events import Completed
from solcoder.llm.messages import (
    Message,
    PromptCache,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from solcoder.llm.wire import anthropic, openai_responses
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter

TOOLS = (
    ToolSpec("read", "Read a file.", {"type": "object", "properties": {}}),
    ToolSpec("write", "Write a file.", {"type": "object", "properties": {}}),
)
HISTORY = (
    Message.user("look at lib.rs"),
    Message("assistant", (Text("Reading."), ToolCall("t1", "read", "{}"))),
    Message("tool", (ToolResult("t1", "fn main() {}"),)),
)


def breakpoints(value: Any) -> list[dict[str, Any]]:
    """Every object carrying `cache_control`, anywhere in the body."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if "cache_control" in value:
            found.append(value)
        for inner in value.values():
            found.extend(breakpoints(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(breakpoints(inner))
    return found


def request(cache: PromptCache | None, **fields: Any) -> Request:
    values: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "messages": HISTORY,
        "system": "You are SolCoder.",
        "tools": TOOLS,
        "cache": cache,
    }
    return Request(**{**values, **fields})


def test_anthropic_marks_the_last_tool_the_system_prompt_and_the_newest_message() -> None:
    body = anthropic.encode_body(request(PromptCache()))
    marker = {"type": "ephemeral"}
    assert "cache_control" not in body["tools"][0]
    assert body["tools"][-1]["cache_control"] == marker
    assert body["system"] == [
        {"type": "text", "text": "You are SolCoder.", "cache_control": marker}
    ]
    newest = body["messages"][-1]["content"]
    assert newest[-1]["type"] == "tool_result" and newest[-1]["cache_control"] == marker
    assert len(breakpoints(body)) == 3
    # The older messages carry none: the message breakpoint rolls forward each request.
    assert not breakpoints(body["messages"][:-1])


def test_anthropic_one_hour_ttl_is_on_every_breakpoint() -> None:
    body = anthropic.encode_body(request(PromptCache(ttl="1h")))
    marks = breakpoints(body)
    assert len(marks) == 3
    assert all(mark["cache_control"] == {"type": "ephemeral", "ttl": "1h"} for mark in marks)


def test_anthropic_without_caching_sends_no_breakpoint_and_a_plain_system_prompt() -> None:
    body = anthropic.encode_body(request(None))
    assert breakpoints(body) == []
    assert body["system"] == "You are SolCoder."


def test_anthropic_never_marks_a_thinking_block() -> None:
    signed = Thinking("hmm", meta={"signature": "sig-1", "provider": "anthropic"})  # its own
    history = (Message.user("hi"), Message("assistant", (Text("Sure."), signed)))
    body = anthropic.encode_body(request(PromptCache(), messages=history, tools=(), system=None))
    last = body["messages"][-1]["content"]
    assert [block["type"] for block in last] == ["text", "thinking"]
    assert "cache_control" in last[0] and "cache_control" not in last[1]
    assert len(breakpoints(body)) == 1


@pytest.mark.parametrize("turns", [1, 5, 30])
def test_anthropic_breakpoints_stay_at_most_three_however_long_the_history(turns: int) -> None:
    history: list[Message] = []
    for turn in range(turns):
        history += [
            Message.user(f"turn {turn}"),
            Message("assistant", (ToolCall(f"c{turn}", "read", "{}"),)),
            Message("tool", (ToolResult(f"c{turn}", "ok"),)),
            Message.assistant("done"),
        ]
    body = anthropic.encode_body(request(PromptCache(), messages=tuple(history)))
    assert len(breakpoints(body)) == 3 <= anthropic.MAX_CACHE_BREAKPOINTS


def test_chat_sends_the_cache_key_only_when_there_is_one() -> None:
    adapter = OpenAIChatAdapter()
    with_key = json.loads(adapter.encode(request(PromptCache(key="session-1"))).body)
    assert with_key["prompt_cache_key"] == "session-1"
    assert "cache_control" not in json.dumps(with_key)
    for cache in (None, PromptCache()):
        body = json.loads(adapter.encode(request(cache)).body)
        assert "prompt_cache_key" not in body


def test_responses_sends_the_cache_key_only_when_there_is_one() -> None:
    body = openai_responses.encode_body(request(PromptCache(key="session-1")))
    assert body["prompt_cache_key"] == "session-1"
    assert "prompt_cache_key" not in openai_responses.encode_body(request(None))


def test_the_catalog_says_who_accepts_a_cache_key() -> None:
    openai, groq = builtin_spec("openai"), builtin_spec("groq")
    assert openai is not None and openai.prompt_cache_key
    assert groq is not None and not groq.prompt_cache_key
    custom = spec_from_table("mine", {"base_url": "http://127.0.0.1:9/v1"})
    assert not custom.prompt_cache_key
    opted = spec_from_table("mine", {"base_url": "http://127.0.0.1:9/v1", "prompt_cache_key": True})
    assert opted.prompt_cache_key


def test_settings_default_to_caching_for_five_minutes_and_can_turn_it_off(tmp_path: Any) -> None:
    settings = load_settings(home=tmp_path, cwd=tmp_path, environ={})
    assert settings.llm.prompt_cache is True
    assert settings.llm.cache_ttl == "5m"
    environ = {"SOLCODER_LLM_PROMPT_CACHE": "off", "SOLCODER_LLM_CACHE_TTL": "1h"}
    changed = load_settings(home=tmp_path, cwd=tmp_path, environ=environ)
    assert changed.llm.prompt_cache is False
    assert changed.llm.cache_ttl == "1h"


def test_an_hour_long_cache_write_is_decoded_and_priced_at_twice_the_input_rate() -> None:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "hi"}],
        "stop_reason": "end_turn",
        "usage": {
            "input_tokens": 10,
            "cache_creation_input_tokens": 2000,
            "cache_read_input_tokens": 500,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 2000},
            "output_tokens": 5,
        },
    }
    events = anthropic.AnthropicAdapter().decode_body(json.dumps(body).encode())
    completed = events[-1]
    assert isinstance(completed, Completed)
    usage = completed.usage
    assert (usage.cache_read, usage.cache_write, usage.cache_write_1h) == (500, 2000, 2000)
    long = cost_usd("anthropic", "claude-sonnet-4-5", usage, api="messages")
    short = cost_usd(
        "anthropic", "claude-sonnet-4-5", replace(usage, cache_write_1h=0), api="messages"
    )
    assert long is not None and short is not None
    # Sonnet 4.5: input $3/M, so a 1h write is $6/M against the 5-minute $3.75/M.
    assert long - short == pytest.approx(2000 * (6.0 - 3.75) / 1e6)


def test_chat_usage_keeps_cache_writes_and_deepseek_hits() -> None:
    """OpenRouter reports writes in `prompt_tokens_details.cache_write_tokens` (Anthropic and
    Gemini models behind it bill them); DeepSeek reports hits as `prompt_cache_hit_tokens`."""

    def usage_of(usage: dict[str, Any]) -> tuple[int, int, int]:
        body = {
            "id": "c1",
            "model": "m",
            "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}],
            "usage": usage,
        }
        completed = OpenAIChatAdapter().decode_body(json.dumps(body).encode())[-1]
        assert isinstance(completed, Completed)
        return completed.usage.input, completed.usage.cache_read, completed.usage.cache_write

    openrouter = {
        "prompt_tokens": 5000,
        "completion_tokens": 3,
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 4012},
    }
    assert usage_of(openrouter) == (5000, 0, 4012)
    deepseek = {
        "prompt_tokens": 900,
        "completion_tokens": 3,
        "prompt_cache_hit_tokens": 896,
        "prompt_cache_miss_tokens": 4,
    }
    assert usage_of(deepseek) == (900, 896, 0)
