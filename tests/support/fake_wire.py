"""What the fake LLM server says: scripted replies rendered in each provider's wire format.

A `Reply` describes one HTTP response (text, tool calls, an error status, raw corpus bytes) and
the faults to inject into it; `render_events` turns it into the exact SSE events OpenAI Chat,
OpenAI Responses or Anthropic Messages would send, and `error_body` into their error bodies.
Shapes follow the providers' API references (chat.completion.chunk, Responses streaming events,
Messages streaming) and the recordings in ../shared/corpus.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

API_BY_PATH = {
    "/v1/chat/completions": "chat",
    "/v1/responses": "responses",
    "/v1/messages": "messages",
}


@dataclass(frozen=True)
class ToolCallReply:
    name: str
    arguments: str
    id: str = ""


@dataclass(frozen=True)
class Reply:
    """One scripted response and its faults (all counts are SSE events, all times seconds)."""

    status: int = 200
    text: str = ""
    tool_calls: tuple[ToolCallReply, ...] = ()
    chunk_size: int = 0
    """Characters per text delta (and per argument fragment); 0 sends each whole."""
    model: str = "fake-model"
    headers: Mapping[str, str] = field(default_factory=dict)
    error_message: str = ""
    error_type: str = ""
    """For status >= 400: the provider's error type/code (a default per status otherwise)."""
    raw_body: str | None = None
    """Send these bytes as the body (a corpus `body_text` or a fixture), split every
    `raw_chunk_bytes` (an error body is sent whole, with `content_type`)."""
    raw_chunk_bytes: int = 0
    content_type: str = "text/event-stream"
    repeat: int = 1
    """How many requests this reply answers before the next one in the queue is used."""
    input_tokens: int = 11
    """The usage the reply reports (input, output), for budget tests."""
    output_tokens: int = 7
    # faults
    close_before_headers: bool = False
    headers_delay: float = 0.0
    first_event_delay: float = 0.0
    event_delay: float = 0.0
    drop_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 10.0
    drip_interval: float = 0.0
    """Slow drip: send the body one byte per `drip_interval` seconds."""
    malformed_at: int | None = None
    invalid_utf8_at: int | None = None
    truncate: bool = False
    """End the body cleanly but without the protocol's terminator events."""
    endless_after: int | None = None
    """After this many events, send one `data:` line that never ends (bounded by size/time)."""
    endless_bytes: int = 64 * 2**20

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reply:
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        if "tool_calls" in values:
            values["tool_calls"] = tuple(ToolCallReply(**call) for call in values["tool_calls"])
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown reply fields: {sorted(unknown)}")
        return cls(**values)


def _pieces(text: str, size: int) -> list[str]:
    if not text:
        return []
    if size <= 0:
        return [text]
    return [text[start : start + size] for start in range(0, len(text), size)]


def _sse(data: Any, event: str | None = None) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def render_events(api: str, reply: Reply) -> tuple[list[bytes], int]:
    """The SSE events of `reply` and the index where the terminator events begin."""
    if api == "chat":
        return _chat(reply)
    if api == "responses":
        return _responses(reply)
    return _messages(reply)


def _chat(reply: Reply) -> tuple[list[bytes], int]:
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": reply.model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _sse({**base, "choices": [choice]})

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in _pieces(reply.text, reply.chunk_size)]
    for index, call in enumerate(reply.tool_calls):
        start = {
            "index": index,
            "id": call.id or f"call_{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        events.append(chunk({"tool_calls": [start]}))
        for piece in _pieces(call.arguments, reply.chunk_size):
            fragment = {"index": index, "function": {"arguments": piece}}
            events.append(chunk({"tool_calls": [fragment]}))
    tail = len(events)
    events.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
    usage = {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    events.append(_sse({**base, "choices": [], "usage": usage}))
    events.append(_sse("[DONE]"))
    return events, tail


def _responses(reply: Reply) -> tuple[list[bytes], int]:
    sequence = iter(range(1_000_000_000))
    response = {
        "id": "resp_fake",
        "object": "response",
        "created_at": 0,
        "model": reply.model,
        "status": "in_progress",
        "output": [],
    }

    def event(kind: str, **data: Any) -> bytes:
        return _sse({"type": kind, "sequence_number": next(sequence), **data}, kind)

    events = [event("response.created", response=response)]
    output: list[dict[str, Any]] = []
    if reply.text or not reply.tool_calls:
        item_id, index = "msg_fake", len(output)
        item: dict[str, Any] = {
            "id": item_id,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        events.append(event("response.output_item.added", output_index=index, item=item))
        part = {"type": "output_text", "text": "", "annotations": []}
        events.append(
            event(
                "response.content_part.added",
                item_id=item_id,
                output_index=index,
                content_index=0,
                part=part,
            )
        )
        for piece in _pieces(reply.text, reply.chunk_size):
            events.append(
                event(
                    "response.output_text.delta",
                    item_id=item_id,
                    output_index=index,
                    content_index=0,
                    delta=piece,
                )
            )
        done_part = {**part, "text": reply.text}
        events.append(
            event(
                "response.output_text.done",
                item_id=item_id,
                output_index=index,
                content_index=0,
                text=reply.text,
            )
        )
        events.append(
            event(
                "response.content_part.done",
                item_id=item_id,
                output_index=index,
                content_index=0,
                part=done_part,
            )
        )
        item = {**item, "status": "completed", "content": [done_part]}
        events.append(event("response.output_item.done", output_index=index, item=item))
        output.append(item)
    for number, call in enumerate(reply.tool_calls):
        item_id, index = f"fc_{number}", len(output)
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "call_id": call.id or f"call_{number}",
            "name": call.name,
            "arguments": "",
        }
        events.append(event("response.output_item.added", output_index=index, item=item))
        for piece in _pieces(call.arguments, reply.chunk_size):
            events.append(
                event(
                    "response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=index,
                    delta=piece,
                )
            )
        events.append(
            event(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=index,
                arguments=call.arguments,
            )
        )
        item = {**item, "status": "completed", "arguments": call.arguments}
        events.append(event("response.output_item.done", output_index=index, item=item))
        output.append(item)
    tail = len(events)
    usage = {
        "input_tokens": reply.input_tokens,
        "output_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    final = {**response, "status": "completed", "output": output, "usage": usage}
    events.append(event("response.completed", response=final))
    return events, tail


def _messages(reply: Reply) -> tuple[list[bytes], int]:
    message: dict[str, Any] = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
    }
    events = [_sse({"type": "message_start", "message": message}, "message_start")]
    index = 0
    if reply.text or not reply.tool_calls:
        start = {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        }
        events.append(_sse(start, "content_block_start"))
        events.append(_sse({"type": "ping"}, "ping"))
        for piece in _pieces(reply.text, reply.chunk_size):
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
            events.append(_sse(delta, "content_block_delta"))
        events.append(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        index = 1
    for number, call in enumerate(reply.tool_calls, start=index):
        block = {
            "type": "tool_use",
            "id": call.id or f"toolu_{number}",
            "name": call.name,
            "input": {},
        }
        start = {"type": "content_block_start", "index": number, "content_block": block}
        events.append(_sse(start, "content_block_start"))
        for piece in _pieces(call.arguments, reply.chunk_size):
            delta = {
                "type": "content_block_delta",
                "index": number,
                "delta": {"type": "input_json_delta", "partial_json": piece},
            }
            events.append(_sse(delta, "content_block_delta"))
        events.append(_sse({"type": "content_block_stop", "index": number}, "content_block_stop"))
    tail = len(events)
    stop = "tool_use" if reply.tool_calls else "end_turn"
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": {"output_tokens": reply.output_tokens},
    }
    events.append(_sse(delta, "message_delta"))
    events.append(_sse({"type": "message_stop"}, "message_stop"))
    return events, tail


# --- errors -----------------------------------------------------------------------------------

_OPENAI_ERRORS = {
    400: ("invalid_request_error", None, "Invalid value for 'temperature': must be <= 2."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-test-****. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model `fake-missing` does not exist or you do not have access to it.",
    ),
    408: ("timeout", None, "Request timed out."),
    409: ("conflict", None, "The request conflicted with another request."),
    413: ("invalid_request_error", None, "Request too large for model."),
    422: ("invalid_request_error", None, "Unprocessable entity."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for fake-model on requests per min (RPM): Limit 3, Used 3.",
    ),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error_body(api: str, reply: Reply) -> tuple[bytes, str]:
    """The body and content type a provider sends with `reply.status` (`raw_body` as is when
    given, such as a hand-written fixture from tests/fixtures/wire/errors)."""
    if reply.raw_body is not None:
        return reply.raw_body.encode("utf-8"), reply.content_type
    status = reply.status
    if status in (502, 504) and not reply.error_message:
        # Gateways in front of the APIs answer these with an HTML page, not JSON.
        title = f"{status} {'Bad Gateway' if status == 502 else 'Gateway Time-out'}"
        page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return page.encode(), "text/html"
    if api == "messages":
        kind = reply.error_type or _ANTHROPIC_TYPES.get(status, "api_error")
        message = reply.error_message or f"fake {kind}"
        body = {"type": "error", "error": {"type": kind, "message": message}}
        return json.dumps(body).encode(), "application/json"
    kind, code, message = _OPENAI_ERRORS.get(status, ("server_error", None, "fake server error"))
    if reply.error_type:
        kind, code = reply.error_type, reply.error_type
    error = {"message": reply.error_message or message, "type": kind, "param": None, "code": code}
    return json.dumps({"error": error}).encode(), "application/json"
