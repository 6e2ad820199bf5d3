"""Recorded-shape SSE bodies of replies that reason and then call a tool, one per wire.

Shared by the transport and end-to-end reasoning tests: each reply thinks ("Need the lookup
tool."), carries its wire's round-trip data (DeepSeek's plain text, Anthropic's signature and
a redacted block, Responses' encrypted content) and calls `tool` with `ARGS`.
"""

from __future__ import annotations

import json
from typing import Any

ARGS = '{"query":"vaults"}'
REASONING = "Need the lookup tool."


def _sse(payload: dict[str, Any] | str, event: str | None = None) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return (f"event: {event}\n" if event else "") + f"data: {data}\n\n"


def chat_reasoning_then_call(field: str) -> str:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return _sse({"id": "c1", "model": "m", "choices": [choice]})

    call = {"index": 0, "id": "call_1", "type": "function"}
    return "".join(
        (
            chunk({"role": "assistant", field: "Need the "}),
            chunk({field: "lookup tool."}),
            chunk({"tool_calls": [{**call, "function": {"name": "lookup", "arguments": ARGS}}]}),
            chunk({}, "tool_calls"),
            _sse(
                {"id": "c1", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 5}}
            ),
            _sse("[DONE]"),
        )
    )


SIGNATURE = "EqQBCkYIBxgCKkB+sig/with=chars" * 3
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"


def anthropic_reasoning_then_call(tool: str = "lookup", arguments: str = ARGS) -> str:
    """A Messages stream: signed thinking, a redacted block, then a `tool_use` of `tool`."""
    return "".join(_sse(payload, str(payload["type"])) for payload in _anthropic(tool, arguments))


def _anthropic(tool: str, arguments: str) -> tuple[dict[str, Any], ...]:
    return (
        {
            "type": "message_start",
            "message": {"id": "msg_1", "model": "claude", "usage": {"input_tokens": 9}},
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Need the lookup tool."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": SIGNATURE},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "redacted_thinking", "data": REDACTED},
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": tool, "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": arguments},
        },
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 30},
        },
        {"type": "message_stop"},
    )


ANTHROPIC_REASONING_THEN_CALL = anthropic_reasoning_then_call()

ENCRYPTED = "gAAAAABo-encrypted-reasoning=="
RESPONSES_REASONING_THEN_CALL = "".join(
    _sse(payload, str(payload["type"]))
    for payload in (
        {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "reasoning", "id": "rs_1", "summary": []},
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "delta": "Need the lookup tool.",
        },
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "Need the lookup tool."}],
                "encrypted_content": ENCRYPTED,
            },
        },
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {"type": "function_call", "call_id": "call_1", "name": "lookup"},
        },
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": ARGS},
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": {
                "type": "function_call",
                "call_id": "call_1",
                "name": "lookup",
                "arguments": ARGS,
            },
        },
        {
            "type": "response.completed",
            "response": {
                "id": "resp_1",
                "status": "completed",
                "usage": {
                    "input_tokens": 9,
                    "output_tokens": 30,
                    "output_tokens_details": {"reasoning_tokens": 20},
                },
            },
        },
    )
)
