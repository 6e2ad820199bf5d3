"""OpenAIResponsesAdapter decoding of hand-built streams and bodies, for the cases the corpus does
not hold (failures, cut streams, incomplete responses, custom tools, late reasoning), and the
round trip of a decoded message into the next request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.errors import ProtocolError, RateLimitError, ServerError
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
from solcoder.llm.wire.openai_responses import CUSTOM_TOOL, OpenAIResponsesAdapter
from solcoder.llm.wire.reasoning import tag_message
from solcoder.llm.wire.sse import ServerSentEvent

ADAPTER = OpenAIResponsesAdapter()


def body_of(request: Request, *, stream: bool = True) -> dict[str, Any]:
    return json.loads(ADAPTER.encode(request, stream=stream).body)  # type: ignore[no-any-return]


def request(*messages: Message, **fields: Any) -> Request:
    return Request(model="gpt-test", messages=messages, **fields)


def sse(kind: str, **payload: Any) -> ServerSentEvent:
    return ServerSentEvent(json.dumps({"type": kind, **payload}), event=kind)


RESPONSE = {"id": "resp_1", "model": "gpt-test", "status": "in_progress", "output": []}
USAGE = {
    "input_tokens": 20,
    "input_tokens_details": {"cached_tokens": 5},
    "output_tokens": 30,
    "output_tokens_details": {"reasoning_tokens": 12},
    "total_tokens": 50,
}


def created() -> list[ServerSentEvent]:
    return [
        sse("response.created", response=RESPONSE),
        sse("response.in_progress", response=RESPONSE),
    ]


def completed_event(status: str = "completed", **fields: Any) -> ServerSentEvent:
    kind = "response.completed" if status == "completed" else f"response.{status}"
    return sse(kind, response={**RESPONSE, "status": status, "usage": USAGE, **fields})


def item_added(index: int, item: dict[str, Any]) -> ServerSentEvent:
    return sse("response.output_item.added", output_index=index, item=item)


def item_done(index: int, item: dict[str, Any]) -> ServerSentEvent:
    return sse("response.output_item.done", output_index=index, item=item)


def decode(events: list[ServerSentEvent]) -> list[Event]:
    decoder = ADAPTER.decoder()
    out: list[Event] = []
    for event in events:
        out.extend(decoder.feed(event))
    return out + decoder.finish()


def last(events: list[Event]) -> Completed:
    assert isinstance(events[-1], Completed)
    return events[-1]


def test_reasoning_text_and_parallel_tool_calls() -> None:
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    call_a = {
        "type": "function_call",
        "id": "fc_a",
        "call_id": "call_a",
        "name": "f",
        "arguments": "",
    }
    call_b = {
        "type": "function_call",
        "id": "fc_b",
        "call_id": "call_b",
        "name": "g",
        "arguments": "",
    }
    events = decode(
        [
            *created(),
            item_added(0, reasoning),
            sse("response.reasoning_summary_part.added", output_index=0, summary_index=0),
            sse("response.reasoning_summary_text.delta", output_index=0, delta="Plan A."),
            sse("response.reasoning_summary_part.added", output_index=0, summary_index=1),
            sse("response.reasoning_summary_text.delta", output_index=0, delta="Plan B."),
            item_done(0, {**reasoning, "encrypted_content": "gAAA"}),
            item_added(1, {"type": "message", "id": "msg_1", "role": "assistant", "content": []}),
            sse("response.output_text.delta", output_index=1, item_id="msg_1", delta="Calling "),
            sse("response.output_text.delta", output_index=1, item_id="msg_1", delta="tools."),
            item_done(
                1,
                {
                    "type": "message",
                    "id": "msg_1",
                    "content": [{"type": "output_text", "text": "Calling tools."}],
                },
            ),
            item_added(2, call_a),
            item_added(3, call_b),
            sse(
                "response.function_call_arguments.delta",
                output_index=3,
                item_id="fc_b",
                delta='{"y"',
            ),
            sse(
                "response.function_call_arguments.delta",
                output_index=2,
                item_id="fc_a",
                delta='{"x":1}',
            ),
            # Some servers send only the item id.
            sse("response.function_call_arguments.delta", item_id="fc_b", delta=":2}"),
            item_done(2, {**call_a, "arguments": '{"x":1}'}),
            item_done(3, {**call_b, "arguments": '{"y":2}'}),
            completed_event(),
        ]
    )
    assert events[:-1] == [
        ThinkingDelta("Plan A."),
        ThinkingDelta("\n\n"),
        ThinkingDelta("Plan B."),
        TextDelta("Calling "),
        TextDelta("tools."),
        ToolCallStart(2, "call_a", "f"),
        ToolCallStart(3, "call_b", "g"),
        ToolCallDelta(3, '{"y"'),
        ToolCallDelta(2, '{"x":1}'),
        ToolCallDelta(3, ":2}"),
    ]
    completed = last(events)
    assert completed.message == Message(
        "assistant",
        (
            Thinking("Plan A.\n\nPlan B.", meta={"id": "rs_1", "encrypted_content": "gAAA"}),
            Text("Calling tools."),
            ToolCall("call_a", "f", '{"x":1}'),
            ToolCall("call_b", "g", '{"y":2}'),
        ),
    )
    assert completed.usage == Usage(input=20, output=30, cache_read=5, reasoning=12)
    assert (completed.stop_reason, completed.raw_stop_reason) == ("tool_use", "completed")
    assert (completed.response_id, completed.model) == ("resp_1", "gpt-test")
    # What came back goes out again: reasoning with its encrypted content, then the calls.
    sent = tag_message(completed.message, "openai")  # as the client tags it
    items = body_of(request(Message.user("q"), sent))["input"][1:]
    assert [item["type"] for item in items] == [
        "reasoning",
        "message",
        "function_call",
        "function_call",
    ]
    assert items[0]["encrypted_content"] == "gAAA"


def test_arguments_only_in_item_done() -> None:
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "f",
        "arguments": "",
    }
    events = decode(
        [
            *created(),
            item_added(0, call),
            item_done(0, {**call, "arguments": '{"a":1}'}),
            completed_event(),
        ]
    )
    assert events[:-1] == [ToolCallStart(0, "call_1", "f"), ToolCallDelta(0, '{"a":1}')]


def test_custom_tool_call() -> None:
    item = {
        "type": "custom_tool_call",
        "id": "ctc_1",
        "call_id": "call_1",
        "name": "apply_patch",
        "input": "",
    }
    events = decode(
        [
            *created(),
            item_added(0, item),
            sse(
                "response.custom_tool_call_input.delta",
                output_index=0,
                item_id="ctc_1",
                delta="*** Begin",
            ),
            item_done(0, {**item, "input": "*** Begin"}),
            completed_event(),
        ]
    )
    call = last(events).message.tool_calls[0]
    assert call == ToolCall("call_1", "apply_patch", "*** Begin", meta={"kind": CUSTOM_TOOL})
    assert last(events).stop_reason == "tool_use"


def test_reasoning_closed_after_the_text() -> None:
    """OpenRouter closes the reasoning item after the message: its data still lands on it."""
    reasoning = {"type": "reasoning", "id": "rs_tmp", "summary": []}
    message = {"type": "message", "id": "msg_1", "role": "assistant", "content": []}
    events = decode(
        [
            *created(),
            item_added(0, reasoning),
            sse("response.reasoning_text.delta", output_index=0, delta="2+2"),
            item_added(1, message),
            sse("response.output_text.delta", output_index=1, delta="4"),
            item_done(1, message),
            item_done(0, {**reasoning, "encrypted_content": "gCCC"}),
            completed_event(),
            ServerSentEvent("[DONE]"),
        ]
    )
    assert last(events).message.parts == (
        Thinking("2+2", meta={"id": "rs_tmp", "encrypted_content": "gCCC"}),
        Text("4"),
    )


@pytest.mark.parametrize(
    ("reason", "stop_reason"),
    [("max_output_tokens", "max_tokens"), ("content_filter", "content_filter"), ("other", "other")],
)
def test_incomplete(reason: str, stop_reason: str) -> None:
    events = decode(
        [
            *created(),
            sse("response.output_text.delta", output_index=0, delta="Partial"),
            completed_event("incomplete", incomplete_details={"reason": reason}),
        ]
    )
    completed = last(events)
    assert (completed.stop_reason, completed.raw_stop_reason) == (stop_reason, "incomplete")
    assert completed.extra == {"incomplete_reason": reason}
    assert completed.message.text == "Partial"


def test_refusal() -> None:
    events = decode(
        [
            *created(),
            sse("response.refusal.delta", output_index=0, delta="I can't."),
            completed_event(),
        ]
    )
    assert last(events).stop_reason == "refusal"
    assert last(events).message.text == "I can't."


def test_response_failed_raises() -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(created()[0])
    failed = {
        **RESPONSE,
        "status": "failed",
        "error": {"code": "server_error", "message": "The model crashed"},
    }
    with pytest.raises(ServerError, match="The model crashed"):
        decoder.feed(sse("response.failed", response=failed))


def test_error_event_raises() -> None:
    decoder = ADAPTER.decoder()
    event = sse("error", code="rate_limit_exceeded", message="Slow down", param=None)
    with pytest.raises(RateLimitError, match="Slow down"):
        decoder.feed(event)


def test_stream_without_terminator_is_a_protocol_error() -> None:
    decoder = ADAPTER.decoder()
    for event in created():
        decoder.feed(event)
    decoder.feed(sse("response.output_text.delta", output_index=0, delta="Hel"))
    assert decoder.content_started
    with pytest.raises(ProtocolError, match=r"response\.completed"):
        decoder.finish()


@pytest.mark.parametrize("data", ["{bad", "42"])
def test_malformed_event_is_a_protocol_error(data: str) -> None:
    with pytest.raises(ProtocolError):
        ADAPTER.decoder().feed(ServerSentEvent(data))


def test_items_only_in_the_final_response() -> None:
    output = [
        {"type": "message", "id": "m", "content": [{"type": "output_text", "text": "Hi"}]},
        {"type": "function_call", "id": "fc", "call_id": "c1", "name": "f", "arguments": "{}"},
    ]
    events = decode([*created(), completed_event(output=output)])
    assert last(events).message.parts == (Text("Hi"), ToolCall("c1", "f", "{}"))
    # Emitted like streamed content: renderers only show deltas, and `content_started` (the
    # shared envelope's rule) follows the events.
    assert events[:-1] == [TextDelta("Hi"), ToolCallStart(1, "c1", "f"), ToolCallDelta(1, "{}")]


def test_partial_carries_the_reasoning_round_trip_data_as_completed_would() -> None:
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    decoder = ADAPTER.decoder()
    for event in [
        *created(),
        item_added(0, reasoning),
        sse("response.reasoning_summary_text.delta", output_index=0, delta="Plan."),
        item_done(0, {**reasoning, "encrypted_content": "gAAA"}),
        item_added(1, {"type": "message", "id": "m", "role": "assistant", "content": []}),
        sse("response.output_text.delta", output_index=1, delta="Hal"),
    ]:
        decoder.feed(event)
    # The stream breaks here: the partial must still be sendable back (reasoning goes back
    # only with its encrypted content).
    assert decoder.partial().parts == (
        Thinking("Plan.", meta={"id": "rs_1", "encrypted_content": "gAAA"}),
        Text("Hal"),
    )


def test_decode_body() -> None:
    body = {
        **RESPONSE,
        "status": "completed",
        "usage": USAGE,
        "output": [
            {
                "type": "reasoning",
                "id": "rs_2",
                "summary": [{"type": "summary_text", "text": "Hmm"}],
                "encrypted_content": "gDDD",
            },
            {"type": "web_search_call", "id": "ws_1", "status": "completed"},
            {
                "type": "message",
                "id": "m",
                "content": [
                    {"type": "output_text", "text": "Hé"},
                    {"type": "output_text", "text": "llo"},
                ],
            },
            {
                "type": "function_call",
                "id": "fc",
                "call_id": "c1",
                "name": "f",
                "arguments": '{"a":1}',
            },
        ],
    }
    events = ADAPTER.decode_body(json.dumps(body).encode())
    assert events[:-1] == [
        ThinkingDelta("Hmm"),
        TextDelta("Héllo"),
        ToolCallStart(3, "c1", "f"),
        ToolCallDelta(3, '{"a":1}'),
    ]
    completed = last(events)
    assert completed.message.parts[0] == Thinking(
        "Hmm", meta={"id": "rs_2", "encrypted_content": "gDDD"}
    )
    assert completed.stop_reason == "tool_use"


def test_decode_body_refusal() -> None:
    body = {
        **RESPONSE,
        "status": "completed",
        "output": [{"type": "message", "content": [{"type": "refusal", "refusal": "No."}]}],
    }
    completed = last(ADAPTER.decode_body(json.dumps(body).encode()))
    assert (completed.stop_reason, completed.message.text) == ("refusal", "No.")
