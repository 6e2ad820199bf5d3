"""Every request body SolCoder sends, on each wire, validates against the published request
schema of that wire (the parts SolCoder uses, written as JSON Schema in
tests/fixtures/request_schemas/ from OpenAI's and Anthropic's API references), for a range of
histories: text, tool calls, tool results (errors and empty ones too), reasoning round trips,
prompt caching, forced calls. SolCoder sends no images, so none are exercised.

Before: the Responses wire resent an assistant turn as an output message without `id`,
`status` or `annotations`, which the schema (and a schema-driven mock server) rejects.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from solcoder.llm.messages import (
    Message,
    PromptCache,
    ReasoningRequest,
    Request,
    Text,
    Thinking,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.forced_tool import rewrite
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import CUSTOM_TOOL, OpenAIResponsesAdapter

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "request_schemas"

TOOLS = (
    ToolSpec(
        "read_file",
        "Read a file.",
        {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    ),
    ToolSpec(
        "plan",
        "Plan the work.",
        {"type": "object", "properties": {"goal": {"type": "string"}}, "required": ["goal"]},
    ),
)


def _openai_reasoning(text: str, rid: str = "rs_1") -> Thinking:
    return Thinking(text, meta={"id": rid, "encrypted_content": "gAAAA-enc", "provider": "fake"})


def _signed(text: str) -> Thinking:
    return Thinking(text, meta={"signature": "sig-abc", "provider": "fake"})


def _calls(*ids: str) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(i, "read_file", json.dumps({"path": f"{i}.rs"})) for i in ids)


def _results(*ids: str, error: bool = False, content: str = "fn main() {}") -> Message:
    return Message("tool", tuple(ToolResult(i, content, error, "read_file") for i in ids))


HISTORIES: dict[str, tuple[Message, ...]] = {
    "one prompt": (Message.user("hello"),),
    "text turns": (
        Message.user("hello"),
        Message.assistant("Hi! What shall we build?"),
        Message.user("a vault program"),
    ),
    "multi-part assistant text": (
        Message.user("hello"),
        Message("assistant", (Text("First, "), Text(""), Text("then."))),
        Message.user("go on"),
    ),
    "tool loop": (
        Message.user("read both"),
        Message("assistant", (Text("Reading."), *_calls("call_1", "call_2"))),
        _results("call_1", "call_2"),
        Message.assistant("Both read."),
        Message.user("thanks"),
    ),
    "calls without text, open loop": (
        Message.user("read it"),
        Message("assistant", _calls("call_a")),
        _results("call_a"),
    ),
    "error and empty results": (
        Message.user("read"),
        Message("assistant", _calls("c1", "c2")),
        Message(
            "tool",
            (
                ToolResult("c1", "", True, "read_file"),
                ToolResult("c2", "", False, "read_file"),
            ),
        ),
    ),
    "results and text in one user message": (
        Message.user("read"),
        Message("assistant", _calls("c1")),
        Message("user", (ToolResult("c1", "late", True), Text("and now this"))),
    ),
    "malformed arguments": (
        Message.user("read"),
        Message("assistant", (ToolCall("c1", "read_file", '{"path": '),)),
        _results("c1", error=True, content="Error: arguments are not JSON"),
    ),
    "renamed duplicate ids": (
        Message.user("read"),
        Message("assistant", _calls("dup", "dup_2")),
        _results("dup", "dup_2"),
    ),
    "reasoning round trip": (
        Message.user("think, then read"),
        Message(
            "assistant",
            (
                _openai_reasoning("Need the file."),
                _signed("Need the file."),
                Thinking("", redacted=True, meta={"data": "opaque", "provider": "fake"}),
                Text("Let me look."),
                *_calls("call_t"),
            ),
        ),
        _results("call_t"),
    ),
    "reasoning of other providers and without ids": (
        Message.user("think"),
        Message(
            "assistant",
            (
                Thinking("elsewhere", meta={"signature": "s", "provider": "other"}),
                Thinking("untagged", meta={"encrypted_content": "x", "id": "rs_9"}),
                Thinking("no id", meta={"encrypted_content": "x", "provider": "fake"}),
                Thinking("", meta={"provider": "fake"}),
                Text("Answer."),
            ),
        ),
        Message.user("more"),
    ),
    "custom tool call": (
        Message.user("patch it"),
        Message(
            "assistant", (ToolCall("cc_1", "apply_patch", "*** Begin", {"kind": CUSTOM_TOOL}),)
        ),
        Message("tool", (ToolResult("cc_1", "done"),)),
    ),
}

OPTIONS: dict[str, dict[str, Any]] = {
    "plain": {},
    "tools": {"tools": TOOLS},
    "tools auto": {"tools": TOOLS, "tool_choice": "auto"},
    "tools required": {"tools": TOOLS, "tool_choice": "required"},
    "forced": {"tools": TOOLS, "tool_choice": "plan"},
    "everything": {
        "system": "You are SolCoder.",
        "tools": TOOLS,
        "max_tokens": 8192,
        "temperature": 0.2,
        "stop": ("\n\nHuman:",),
        "cache": PromptCache(key="20261124-191530-ab12", ttl="1h"),
        "reasoning": ReasoningRequest(effort="high", budget_tokens=4096),
    },
    "reasoning without effort": {"reasoning": ReasoningRequest(), "cache": PromptCache()},
}

ADAPTERS: dict[str, tuple[str, Any]] = {
    "chat": ("chat", OpenAIChatAdapter("fake")),
    "chat deepseek round trip": (
        "chat",
        OpenAIChatAdapter("fake", reasoning_roundtrip=True),
    ),
    "chat openrouter reasoning": (
        "chat",
        OpenAIChatAdapter("fake", reasoning_style="reasoning_object"),
    ),
    "responses": ("responses", OpenAIResponsesAdapter(provider="fake")),
    "responses no round trip": (
        "responses",
        OpenAIResponsesAdapter(provider="fake", reasoning_roundtrip=False, reasoning_style="none"),
    ),
    "messages": ("messages", AnthropicAdapter(provider="fake")),
}


@cache
def validator(wire: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{wire}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(wire: str, body: dict[str, Any]) -> list[str]:
    found = [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:300]}"
        for error in validator(wire).iter_errors(body)
    ]
    if wire == "messages":
        marks = json.dumps(body).count('"cache_control"')
        if marks > 4:  # "A maximum of 4 blocks with cache_control may be provided"
            found.append(f"{marks} cache_control blocks")
    return found


def _bodies(adapter: Any, request: Request) -> list[dict[str, Any]]:
    bodies = []
    for stream in (True, False):
        bodies.append(json.loads(adapter.encode(request, stream=stream).body))
    for mode in ("json_schema", "prefill"):
        rewritten, _fold = rewrite(request, mode)
        bodies.append(json.loads(adapter.encode(rewritten).body))
    return bodies


@pytest.mark.parametrize("adapter_name", list(ADAPTERS))
@pytest.mark.parametrize("history", list(HISTORIES))
def test_every_body_fits_the_published_request_schema(adapter_name: str, history: str) -> None:
    wire, adapter = ADAPTERS[adapter_name]
    failures: list[str] = []
    for option, values in OPTIONS.items():
        request = Request(model="fake-model", messages=HISTORIES[history], **values)
        for body in _bodies(adapter, request):
            failures += [f"[{option}] {problem}" for problem in problems(wire, body)]
    assert failures == []


def test_an_assistant_turn_on_responses_is_an_easy_input_message() -> None:
    """The reply's text goes back as `{"role": "assistant", "content": "..."}`: the schema's
    output message needs an item id and a status SolCoder does not keep (with `store: false`
    nothing is kept server side either), while this form needs neither."""
    messages = HISTORIES["multi-part assistant text"]
    body = json.loads(OpenAIResponsesAdapter(provider="fake").encode(Request("m", messages)).body)
    assert body["input"][1] == {"type": "message", "role": "assistant", "content": "First, then."}


@pytest.mark.parametrize(
    ("wire", "body"),
    [
        (
            "responses",
            {
                "model": "m",
                "input": [
                    {
                        "type": "message",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "Hi"}],
                    }
                ],
            },
        ),
        ("responses", {"model": "m", "input": [{"type": "reasoning", "summary": []}]}),
        (
            "chat",
            {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
        ),
        (
            "messages",
            {
                "model": "m",
                "max_tokens": 5,
                "messages": [
                    {
                        "role": "assistant",
                        "content": [
                            {
                                "type": "thinking",
                                "thinking": "t",
                                "signature": "s",
                                "cache_control": {"type": "ephemeral"},
                            }
                        ],
                    }
                ],
            },
        ),
        (
            "messages",
            {
                "model": "m",
                "max_tokens": 5,
                "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}],
            },
        ),
    ],
    ids=[
        "output message without id, status, annotations",
        "reasoning without id",
        "tool message without its call id",
        "thinking with cache_control",
        "empty text block",
    ],
)
def test_the_schemas_reject_what_the_apis_reject(wire: str, body: dict[str, Any]) -> None:
    assert problems(wire, body) != []
