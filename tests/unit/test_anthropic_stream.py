"""AnthropicAdapter decoding of hand-built streams and bodies, for the cases the corpus does not
hold (mid-stream errors, cut streams, redacted thinking, server tools), and the round trip of
a decoded message into the next request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.errors import (
    BadRequestError,
    OverloadedError,
    ProtocolError,
    RateLimitError,
    ServerError,
)
from solcoder.llm.events import (
    Completed,
    Event,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallStart,
)
from solcoder.llm.messages import (
    Message,
    Request,
    Text,
    Thinking,
    ToolCall,
    Usage,
)
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.reasoning import tag_message
from solcoder.llm.wire.sse import ServerSentEvent

ADAPTER = AnthropicAdapter()


def body_of(request: Request, *, stream: bool = True) -> dict[str, Any]:
    return json.loads(ADAPTER.encode(request, stream=stream).body)  # type: ignore[no-any-return]


def request(*messages: Message, **fields: Any) -> Request:
    return Request(model="claude-test", messages=messages, **fields)


def sse(kind: str, payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(json.dumps({"type": kind, **payload}), event=kind)


def start(message_id: str = "msg_1", **usage: int) -> ServerSentEvent:
    usage = {"input_tokens": 10, "output_tokens": 1, **usage}
    message = {"id": message_id, "model": "claude-test", "usage": usage}
    return sse("message_start", {"message": message})


def block_start(index: int, block: dict[str, Any]) -> ServerSentEvent:
    return sse("content_block_start", {"index": index, "content_block": block})


def delta(index: int, **fields: Any) -> ServerSentEvent:
    return sse("content_block_delta", {"index": index, "delta": fields})


def stop(index: int) -> ServerSentEvent:
    return sse("content_block_stop", {"index": index})


def end(reason: str = "end_turn", output_tokens: int = 5) -> list[ServerSentEvent]:
    return [
        sse(
            "message_delta",
            {"delta": {"stop_reason": reason}, "usage": {"output_tokens": output_tokens}},
        ),
        sse("message_stop", {}),
    ]


def decode(events: list[ServerSentEvent]) -> list[Event]:
    decoder = ADAPTER.decoder()
    out: list[Event] = []
    for event in events:
        out.extend(decoder.feed(event))
    return out + decoder.finish()


def test_text_thinking_and_tool_call() -> None:
    events = decode(
        [
            start(cache_read_input_tokens=3, cache_creation_input_tokens=4),
            sse("ping", {}),
            block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
            delta(0, type="thinking_delta", thinking="Hmm, "),
            delta(0, type="thinking_delta", thinking="weather."),
            delta(0, type="signature_delta", signature="sig-1"),
            stop(0),
            block_start(1, {"type": "text", "text": ""}),
            delta(1, type="text_delta", text="Let me "),
            delta(1, type="text_delta", text="check."),
            stop(1),
            block_start(
                2, {"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {}}
            ),
            delta(2, type="input_json_delta", partial_json=""),
            delta(2, type="input_json_delta", partial_json='{"city": '),
            delta(2, type="input_json_delta", partial_json='"Paris"}'),
            stop(2),
            *end("tool_use", 42),
        ]
    )
    assert events[:-1] == [
        ThinkingDelta("Hmm, "),
        ThinkingDelta("weather."),
        TextDelta("Let me "),
        TextDelta("check."),
        ToolCallStart(2, "toolu_9", "get_weather"),
        ToolCallDelta(2, '{"city": '),
        ToolCallDelta(2, '"Paris"}'),
    ]
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert completed.message == Message(
        "assistant",
        (
            Thinking("Hmm, weather.", meta={"signature": "sig-1"}),
            Text("Let me check."),
            ToolCall("toolu_9", "get_weather", '{"city": "Paris"}'),
        ),
    )
    assert completed.usage == Usage(input=10, output=42, cache_read=3, cache_write=4)
    assert (completed.stop_reason, completed.raw_stop_reason) == ("tool_use", "tool_use")
    assert (completed.response_id, completed.model) == ("msg_1", "claude-test")
    # What came back goes out again unchanged: signature kept, arguments parsed.
    # (tagged with its provider, as the client does)
    sent = tag_message(completed.message, "anthropic")
    blocks = body_of(request(Message.user("q"), sent))["messages"][1]["content"]
    assert blocks == [
        {"type": "thinking", "thinking": "Hmm, weather.", "signature": "sig-1"},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {"city": "Paris"}},
    ]


def test_tool_without_deltas_uses_start_input_or_empty_object() -> None:
    events = decode(
        [
            start(),
            block_start(0, {"type": "tool_use", "id": "t0", "name": "now", "input": {}}),
            stop(0),
            block_start(1, {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}),
            stop(1),
            *end("tool_use"),
        ]
    )
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert [(c.id, c.arguments) for c in completed.message.tool_calls] == [
        ("t0", "{}"),
        ("t1", '{"a":1}'),
    ]


def test_server_tool_use_is_not_a_tool_call() -> None:
    events = decode(
        [
            start(),
            block_start(
                0,
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            ),
            delta(0, type="input_json_delta", partial_json='{"query": "solana"}'),
            stop(0),
            block_start(
                1, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}
            ),
            stop(1),
            block_start(2, {"type": "text", "text": ""}),
            delta(2, type="text_delta", text="Found it."),
            delta(2, type="citations_delta", citation={"type": "web_search_result_location"}),
            stop(2),
            *end(),
        ]
    )
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert events[:-1] == [TextDelta("Found it.")]
    assert completed.message.tool_calls == ()
    assert completed.stop_reason == "end_turn"
    assert completed.extra["server_tools"] == ["web_search"]


def test_redacted_thinking() -> None:
    events = decode(
        [
            start(),
            block_start(0, {"type": "redacted_thinking", "data": "EmwKAhgB"}),
            stop(0),
            block_start(1, {"type": "text", "text": "Hi"}),
            stop(1),
            *end(),
        ]
    )
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert events[:-1] == [TextDelta("Hi")]
    assert completed.message.parts == (
        Thinking("", redacted=True, meta={"data": "EmwKAhgB"}),
        Text("Hi"),
    )


@pytest.mark.parametrize(
    ("raw", "stop_reason"),
    [
        ("end_turn", "end_turn"),
        ("tool_use", "tool_use"),
        ("max_tokens", "max_tokens"),
        ("stop_sequence", "stop_sequence"),
        ("refusal", "refusal"),
        ("pause_turn", "other"),
        ("something_new", "other"),
    ],
)
def test_stop_reasons(raw: str, stop_reason: str) -> None:
    completed = decode([start(), *end(raw)])[-1]
    assert isinstance(completed, Completed)
    assert (completed.stop_reason, completed.raw_stop_reason) == (stop_reason, raw)


@pytest.mark.parametrize(
    ("error_type", "error_class"),
    [
        ("overloaded_error", OverloadedError),
        ("api_error", ServerError),
        ("rate_limit_error", RateLimitError),
        ("invalid_request_error", BadRequestError),
    ],
)
def test_error_event_mid_stream(error_type: str, error_class: type[Exception]) -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(start())
    decoder.feed(block_start(0, {"type": "text", "text": ""}))
    assert decoder.feed(delta(0, type="text_delta", text="Par")) == [TextDelta("Par")]
    assert decoder.content_started
    error = sse("error", {"error": {"type": error_type, "message": "Overloaded right now"}})
    with pytest.raises(error_class) as raised:
        decoder.feed(error)
    assert "Overloaded right now" in str(raised.value)


def test_stream_without_message_stop_is_a_protocol_error() -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(start())
    decoder.feed(block_start(0, {"type": "text", "text": ""}))
    decoder.feed(delta(0, type="text_delta", text="Hello"))
    decoder.feed(end()[0])  # message_delta, but the body ends before message_stop
    with pytest.raises(ProtocolError, match="message_stop"):
        decoder.finish()


def test_empty_stream_is_a_protocol_error() -> None:
    decoder = ADAPTER.decoder()
    assert not decoder.content_started
    with pytest.raises(ProtocolError):
        decoder.finish()


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", ""])
def test_malformed_event_is_a_protocol_error(data: str) -> None:
    with pytest.raises(ProtocolError):
        ADAPTER.decoder().feed(ServerSentEvent(data, event="content_block_delta"))


def test_content_started_only_after_visible_content() -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(start())
    decoder.feed(sse("ping", {}))
    decoder.feed(block_start(0, {"type": "text", "text": ""}))
    assert not decoder.content_started
    decoder.feed(delta(0, type="text_delta", text="x"))
    assert decoder.content_started


def test_unknown_events_are_ignored() -> None:
    events = decode([start(), sse("future_event", {"x": 1}), *end()])
    assert len(events) == 1


def test_decode_body() -> None:
    body = {
        "id": "msg_2",
        "model": "claude-test",
        "type": "message",
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Think.", "signature": "sig-2"},
            {"type": "text", "text": "Result: "},
            {"type": "tool_use", "id": "toolu_3", "name": "f", "input": {"x": "é"}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 7, "output_tokens": 9, "cache_read_input_tokens": None},
    }
    events = ADAPTER.decode_body(json.dumps(body).encode())
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert events[:-1] == [
        ThinkingDelta("Think."),
        TextDelta("Result: "),
        ToolCallStart(2, "toolu_3", "f"),
        ToolCallDelta(2, '{"x":"é"}'),
    ]
    assert completed.message.parts[0] == Thinking("Think.", meta={"signature": "sig-2"})
    assert completed.usage == Usage(input=7, output=9)
    assert (completed.stop_reason, completed.response_id) == ("tool_use", "msg_2")


def test_decode_body_error_object_raises() -> None:
    body = b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
    with pytest.raises(OverloadedError, match="Overloaded"):
        ADAPTER.decode_body(body)


def test_provider_name_in_errors() -> None:
    adapter = AnthropicAdapter(provider="my-proxy")
    with pytest.raises(ProtocolError, match="my-proxy"):
        adapter.decoder().finish()
