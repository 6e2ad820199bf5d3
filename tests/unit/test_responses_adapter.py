"""OpenAIResponsesAdapter.encode: the exact request bodies and headers the Responses API gets."""

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
from solcoder.llm.wire.openai_responses import CUSTOM_TOOL, OpenAIResponsesAdapter
from solcoder.secret import Secret

ADAPTER = OpenAIResponsesAdapter()
WEATHER = ToolSpec(
    "get_weather",
    "Current weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def body_of(request: Request, *, stream: bool = True) -> dict[str, Any]:
    return json.loads(ADAPTER.encode(request, stream=stream).body)  # type: ignore[no-any-return]


def request(*messages: Message, **fields: Any) -> Request:
    return Request(model="gpt-test", messages=messages, **fields)


def test_http_call_and_auth() -> None:
    call = ADAPTER.encode(request(Message.user("hi")))
    assert (call.method, call.path, call.stream) == ("POST", "/responses", True)
    assert call.headers["content-type"] == "application/json"
    assert ADAPTER.auth_headers(Secret("sk-test-123")) == {"Authorization": "Bearer sk-test-123"}
    assert ADAPTER.api == "responses"


def test_minimal_body() -> None:
    assert body_of(request(Message.user("hi"), system="Be brief.")) == {
        "model": "gpt-test",
        "instructions": "Be brief.",
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
        ],
        "stream": True,
        "store": False,
    }


def test_not_streaming() -> None:
    call = ADAPTER.encode(request(Message.user("hi")), stream=False)
    assert call.stream is False
    assert "stream" not in json.loads(call.body)


def test_sampling_fields_and_extra() -> None:
    body = body_of(
        request(
            Message.user("hi"),
            max_tokens=300,
            temperature=0.5,
            stop=("END",),  # the Responses API has no stop sequences
            extra={"reasoning": {"effort": "low", "summary": "auto"}, "store": True},
        )
    )
    assert body["max_output_tokens"] == 300
    assert body["temperature"] == 0.5
    assert "stop" not in body
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["store"] is True


def test_tools_are_flat() -> None:
    body = body_of(request(Message.user("x"), tools=(WEATHER,)))
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": WEATHER.json_schema,
            "strict": False,
        }
    ]
    assert "tool_choice" not in body


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        ("get_weather", {"type": "function", "name": "get_weather"}),
    ],
)
def test_tool_choice(choice: str, wire: object) -> None:
    assert (
        body_of(request(Message.user("x"), tools=(WEATHER,), tool_choice=choice))["tool_choice"]
        == wire
    )


def test_conversation_items() -> None:
    messages = (
        Message.user("weather in Paris?"),
        Message(
            "assistant",
            (
                Thinking(
                    "Need the tool.",
                    meta={"id": "rs_1", "encrypted_content": "gAAA", "provider": "openai"},
                ),
                Thinking("no round-trip data", meta={"signature": "anthropic-only"}),
                Text("Checking"),
                Text("..."),
                ToolCall("call_1", "get_weather", '{"city":"Paris"}'),
                ToolCall("call_2", "apply_patch", "*** Begin Patch", meta={"kind": CUSTOM_TOOL}),
            ),
        ),
        Message("tool", (ToolResult("call_1", "18 C"), ToolResult("call_2", "done"))),
        Message("user", (ToolResult("call_x", "late", is_error=True), Text("thanks"))),
    )
    assert body_of(request(*messages))["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "weather in Paris?"}],
        },
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "Need the tool."}],
            "encrypted_content": "gAAA",
        },
        # An easy input message: the output message form needs an item id and status.
        {"type": "message", "role": "assistant", "content": "Checking..."},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
        },
        {
            "type": "custom_tool_call",
            "call_id": "call_2",
            "name": "apply_patch",
            "input": "*** Begin Patch",
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "18 C"},
        {"type": "custom_tool_call_output", "call_id": "call_2", "output": "done"},
        {"type": "function_call_output", "call_id": "call_x", "output": "late"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "thanks"}]},
    ]


def test_reasoning_without_summary_text() -> None:
    meta = {"id": "rs_2", "encrypted_content": "gBBB", "provider": "openai"}
    assistant = Message("assistant", (Thinking("", meta=meta),))
    assert body_of(request(Message.user("q"), assistant))["input"][1] == {
        "type": "reasoning",
        "id": "rs_2",
        "summary": [],
        "encrypted_content": "gBBB",
    }


def test_reasoning_without_an_item_id_stays_home() -> None:
    """The schema requires a reasoning item's id; one without (a compatible server's) is
    not sent back rather than sent malformed."""
    meta = {"encrypted_content": "gBBB", "provider": "openai"}
    assistant = Message("assistant", (Thinking("why", meta=meta), Text("Answer.")))
    assert [item["type"] for item in body_of(request(Message.user("q"), assistant))["input"]] == [
        "message",
        "message",
    ]
