"""AnthropicAdapter.encode: the exact request bodies and headers the Messages API receives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.llm.messages import (
    Message,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from solcoder.llm.wire.anthropic import ANTHROPIC_VERSION, AnthropicAdapter
from solcoder.secret import Secret

ADAPTER = AnthropicAdapter()
WEATHER = ToolSpec(
    "get_weather",
    "Current weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def body_of(request: Request, *, stream: bool = True) -> dict[str, Any]:
    return json.loads(ADAPTER.encode(request, stream=stream).body)  # type: ignore[no-any-return]


def request(*messages: Message, **fields: Any) -> Request:
    return Request(model="claude-test", messages=messages, **fields)


def test_http_call_and_auth() -> None:
    call = ADAPTER.encode(request(Message.user("hi")))
    assert (call.method, call.path, call.stream) == ("POST", "/v1/messages", True)
    assert call.headers["anthropic-version"] == ANTHROPIC_VERSION == "2023-06-01"
    assert call.headers["content-type"] == "application/json"
    assert ADAPTER.auth_headers(Secret("sk-test-123")) == {"x-api-key": "sk-test-123"}
    assert "sk-ant" not in repr(call)
    assert ADAPTER.api == "messages"


def test_minimal_body() -> None:
    assert body_of(request(Message.user("hi"), system="Be brief.")) == {
        "model": "claude-test",
        "max_tokens": 4096,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "stream": True,
    }


def test_not_streaming_has_no_stream_field() -> None:
    call = ADAPTER.encode(request(Message.user("hi")), stream=False)
    assert call.stream is False
    assert "stream" not in json.loads(call.body)


def test_sampling_fields_and_extra_merged_last() -> None:
    body = body_of(
        request(
            Message.user("hi"),
            max_tokens=100,
            temperature=0.2,
            stop=("END",),
            extra={"max_tokens": 200, "thinking": {"type": "enabled", "budget_tokens": 1024}},
        )
    )
    assert body["max_tokens"] == 200
    assert body["temperature"] == 0.2
    assert body["stop_sequences"] == ["END"]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def test_tools() -> None:
    body = body_of(request(Message.user("weather?"), tools=(WEATHER,)))
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "input_schema": WEATHER.json_schema,
        }
    ]
    assert "tool_choice" not in body


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("any", {"type": "any"}),
        ("none", {"type": "none"}),
        ("get_weather", {"type": "tool", "name": "get_weather"}),
    ],
)
def test_tool_choice(choice: str, wire: dict[str, str]) -> None:
    body = body_of(request(Message.user("x"), tools=(WEATHER,), tool_choice=choice))
    assert body["tool_choice"] == wire


def test_tool_choice_without_tools_is_not_sent() -> None:
    assert "tool_choice" not in body_of(request(Message.user("x"), tool_choice="auto"))


def test_tool_round_trip_and_merging() -> None:
    """Tool results become a user turn; it merges with the user text that follows, results
    first, so roles alternate as Anthropic requires."""
    messages = (
        Message.user("weather in Paris and Oslo?"),
        Message(
            "assistant",
            (
                Text("Checking."),
                ToolCall("toolu_1", "get_weather", '{"city": "Paris"}'),
                ToolCall("toolu_2", "get_weather", '{"city": "Os'),  # cut: malformed
            ),
        ),
        Message("tool", (ToolResult("toolu_1", "18 C"),)),
        Message("tool", (ToolResult("toolu_2", "bad arguments", is_error=True),)),
        Message.user("and then?"),
    )
    assert body_of(request(*messages))["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "weather in Paris and Oslo?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": "18 C",
                    "is_error": False,
                },
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": "bad arguments",
                    "is_error": True,
                },
                {"type": "text", "text": "and then?"},
            ],
        },
    ]


def test_tool_results_go_before_text_in_one_user_message() -> None:
    message = Message("user", (Text("here you go"), ToolResult("toolu_1", "ok")))
    content = body_of(request(message))["messages"][0]["content"]
    assert [block["type"] for block in content] == ["tool_result", "text"]


@pytest.mark.parametrize("arguments", ["", "[1, 2]", "null", "{oops"])
def test_tool_input_is_always_an_object(arguments: str) -> None:
    message = Message("assistant", (ToolCall("toolu_1", "f", arguments),))
    assert body_of(request(Message.user("x"), message))["messages"][1]["content"][0]["input"] == {}


def test_consecutive_assistant_messages_merge_and_empty_ones_vanish() -> None:
    messages = (
        Message.user("a"),
        Message.assistant("b"),
        Message.assistant(""),
        Message.assistant("c"),
    )
    assert body_of(request(*messages))["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "b"}, {"type": "text", "text": "c"}],
        },
    ]


def test_thinking_round_trip() -> None:
    assistant = Message(
        "assistant",
        (
            Thinking("Let me think.", meta={"signature": "sig-abc", "provider": "anthropic"}),
            Thinking("", redacted=True, meta={"data": "opaque-data", "provider": "anthropic"}),
            Thinking("from another provider", meta={"encrypted_content": "x"}),
            Thinking("signed, untagged", meta={"signature": "sig-old"}),
            Text("Answer."),
        ),
    )
    assert body_of(request(Message.user("q"), assistant))["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": "sig-abc"},
        {"type": "redacted_thinking", "data": "opaque-data"},
        {"type": "text", "text": "Answer."},
    ]


def test_non_ascii_is_sent_as_utf8() -> None:
    call = ADAPTER.encode(request(Message.user("héllo 🦀")))
    assert "héllo 🦀".encode() in call.body
