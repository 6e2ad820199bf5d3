"""OpenAI chat adapter: request encoding and the stream decoder on hand-written streams."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.errors import (
    BadRequestError,
    ContextTooLongError,
    OverloadedError,
    ProtocolError,
    RateLimitError,
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
    ToolResult,
    ToolSpec,
    Usage,
)
from solcoder.llm.wire.base import WireAdapter
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.sse import ServerSentEvent
from solcoder.secret import Secret

ADAPTER = OpenAIChatAdapter("testprovider")


def body_of(request: Request, *, stream: bool = True) -> dict[str, Any]:
    return json.loads(ADAPTER.encode(request, stream=stream).body)  # type: ignore[no-any-return]


# --- encode -------------------------------------------------------------------------------


def test_adapter_satisfies_the_wire_protocol() -> None:
    adapter: WireAdapter = ADAPTER
    assert adapter.api == "chat"
    assert adapter.auth_headers(Secret("sk-test-123")) == {"Authorization": "Bearer sk-test-123"}


def test_minimal_streaming_request() -> None:
    call = ADAPTER.encode(Request("gpt-4.1-mini", (Message.user("héllo"),)))
    assert (call.method, call.path, call.stream) == ("POST", "/chat/completions", True)
    assert call.headers["Content-Type"] == "application/json"
    assert "Authorization" not in call.headers
    assert "héllo".encode() in call.body  # ensure_ascii=False, compact separators
    assert b", " not in call.body
    assert b": " not in call.body
    assert json.loads(call.body) == {
        "model": "gpt-4.1-mini",
        "messages": [{"role": "user", "content": "héllo"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_non_streaming_request_has_no_stream_fields() -> None:
    body = body_of(Request("m", (Message.user("hi"),)), stream=False)
    assert "stream" not in body
    assert "stream_options" not in body


def test_full_conversation_round_trip() -> None:
    request = Request(
        model="gpt-4.1",
        system="You are SolCoder.",
        messages=(
            Message.user("plan it"),
            Message(
                "assistant",
                (
                    Thinking("secret reasoning", meta={"signature": "abc"}),
                    Text("Let me look."),
                    ToolCall("call_1", "read_file", '{"path":"a.rs"}'),
                    ToolCall("call_2", "list_dir", ""),
                ),
            ),
            Message(
                "tool",
                (
                    ToolResult("call_1", "fn main() {}"),
                    ToolResult("call_2", "boom", is_error=True),
                ),
            ),
            Message("assistant", (ToolCall("call_3", "deploy", "{}"),)),
            Message("user", (ToolResult("call_3", "ok"), Text("thanks"))),
        ),
    )
    assert body_of(request)["messages"] == [
        {"role": "system", "content": "You are SolCoder."},
        {"role": "user", "content": "plan it"},
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path":"a.rs"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "list_dir", "arguments": "{}"},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "fn main() {}"},
        {"role": "tool", "tool_call_id": "call_2", "content": "boom"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_3",
                    "type": "function",
                    "function": {"name": "deploy", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_3", "content": "ok"},
        {"role": "user", "content": "thanks"},
    ]


def test_tools_options_and_extra_merged_last() -> None:
    schema = {"type": "object", "properties": {"path": {"type": "string"}}}
    request = Request(
        model="llama-3.3-70b-versatile",
        messages=(Message.user("x"),),
        tools=(ToolSpec("read_file", "Read a file.", schema),),
        tool_choice="required",
        max_tokens=512,
        temperature=0.2,
        stop=("END",),
        extra={"temperature": 0.7, "parallel_tool_calls": False},
    )
    body = body_of(request)
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": "read_file", "description": "Read a file.", "parameters": schema},
        }
    ]
    assert body["tool_choice"] == "required"
    assert body["max_tokens"] == 512
    assert "max_completion_tokens" not in body
    assert body["stop"] == ["END"]
    assert body["temperature"] == 0.7  # extra wins
    assert body["parallel_tool_calls"] is False


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("read_file", {"type": "function", "function": {"name": "read_file"}}),
    ],
)
def test_tool_choice(choice: str | None, expected: object) -> None:
    body = body_of(Request("m", (Message.user("x"),), tool_choice=choice))
    assert body.get("tool_choice") == expected


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("o1-mini", "max_completion_tokens"),
        ("o3", "max_completion_tokens"),
        ("o4-mini", "max_completion_tokens"),
        ("gpt-5-nano", "max_completion_tokens"),
        ("gpt-4.1", "max_tokens"),
        ("openai/gpt-5", "max_tokens"),  # OpenRouter translates max_tokens itself
    ],
)
def test_reasoning_models_get_max_completion_tokens(model: str, key: str) -> None:
    body = body_of(Request(model, (Message.user("x"),), max_tokens=100))
    assert body[key] == 100
    assert len({"max_tokens", "max_completion_tokens"} & body.keys()) == 1


# --- decode -------------------------------------------------------------------------------


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> str:
    payload: dict[str, Any] = {"id": "chatcmpl-1", "model": "gpt-x", **extra}
    if "choices" not in extra:
        payload["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return json.dumps(payload)


def run(*data: str, events: tuple[str, ...] = ()) -> list[Event]:
    decoder = ADAPTER.decoder()
    out: list[Event] = []
    for number, item in enumerate(data):
        name = events[number] if number < len(events) else ""
        out += decoder.feed(ServerSentEvent(item, name))
    return out + decoder.finish()


def completed(events: list[Event]) -> Completed:
    assert isinstance(events[-1], Completed)
    assert sum(isinstance(event, Completed) for event in events) == 1
    return events[-1]


def test_text_stream_with_usage_only_final_chunk() -> None:
    events = run(
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo"}),
        chunk({}, "stop"),
        chunk(
            choices=[],
            usage={
                "prompt_tokens": 10,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 4},
                "completion_tokens_details": {"reasoning_tokens": 1},
            },
        ),
        "[DONE]",
    )
    assert events[:2] == [TextDelta("Hel"), TextDelta("lo")]
    done = completed(events)
    assert done.message == Message("assistant", (Text("Hello"),))
    assert done.usage == Usage(input=10, output=2, cache_read=4, reasoning=1)
    assert (done.stop_reason, done.raw_stop_reason) == ("end_turn", "stop")
    assert (done.response_id, done.model) == ("chatcmpl-1", "gpt-x")


def test_a_finish_reason_without_done_marker_is_a_proper_end() -> None:
    assert completed(run(chunk({"content": "hi"}, "length"))).stop_reason == "max_tokens"


def test_done_marker_without_finish_reason_is_a_proper_end() -> None:
    done = completed(run(chunk({"content": "4"}), "[DONE]"))
    assert (done.stop_reason, done.raw_stop_reason) == ("end_turn", None)


def test_a_stream_with_neither_is_cut_short() -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(ServerSentEvent(chunk({"content": "partial"})))
    assert decoder.content_started
    with pytest.raises(ProtocolError, match=r"testprovider.*without `data: \[DONE\]`"):
        decoder.finish()


def test_content_started_is_false_until_content_arrives() -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(ServerSentEvent(chunk({"role": "assistant", "content": ""})))
    assert not decoder.content_started


@pytest.mark.parametrize(
    ("raw", "mapped"),
    [
        ("stop", "end_turn"),
        ("tool_calls", "tool_use"),
        ("function_call", "tool_use"),
        ("length", "max_tokens"),
        ("content_filter", "content_filter"),
        ("something_new", "other"),
    ],
)
def test_stop_reasons(raw: str, mapped: str) -> None:
    done = completed(run(chunk({"content": "x"}, raw), "[DONE]"))
    assert (done.stop_reason, done.raw_stop_reason) == (mapped, raw)


def test_parallel_tool_calls_folded_by_index() -> None:
    def call(index: int, args: str, **head: str) -> dict[str, Any]:
        function = {"arguments": args, **({"name": head["name"]} if "name" in head else {})}
        return {"tool_calls": [{"index": index, **head, "function": function}]}

    events = run(
        chunk(call(0, "", id="call_a", name="read_file", type="function")),
        chunk(call(0, '{"pa')),
        chunk(call(1, "", id="call_b", name="list_dir", type="function")),
        chunk(call(1, '{"d":1}')),
        chunk(call(0, 'th":"x"}')),
        chunk({}, "tool_calls"),
        "[DONE]",
    )
    assert events[:5] == [
        ToolCallStart(0, "call_a", "read_file"),
        ToolCallDelta(0, '{"pa'),
        ToolCallStart(1, "call_b", "list_dir"),
        ToolCallDelta(1, '{"d":1}'),
        ToolCallDelta(0, 'th":"x"}'),
    ]
    done = completed(events)
    assert done.message.tool_calls == (
        ToolCall("call_a", "read_file", '{"path":"x"}'),
        ToolCall("call_b", "list_dir", '{"d":1}'),
    )
    assert done.stop_reason == "tool_use"


def test_name_and_id_repeated_in_every_chunk_are_kept_once() -> None:
    # OpenRouter and llama.cpp resend the id and the full name with every fragment.
    def repeat(args: str) -> str:
        head = {"index": 0, "id": "call_1", "type": "function"}
        return chunk({"tool_calls": [{**head, "function": {"name": "plan", "arguments": args}}]})

    done = completed(run(repeat('{"a"'), repeat(":1}"), chunk({}, "tool_calls")))
    assert done.message.tool_calls == (ToolCall("call_1", "plan", '{"a":1}'),)


def test_tool_calls_without_index_are_matched_by_id_then_position() -> None:
    def no_index(call_id: str | None, name: str | None, args: str) -> dict[str, Any]:
        function = {"arguments": args, **({"name": name} if name else {})}
        return {"id": call_id, "function": function} if call_id else {"function": function}

    done = completed(
        run(
            # Mistral: two whole calls in one chunk, identified only by id.
            chunk({"tool_calls": [no_index("A", "plus", '{"a":'), no_index("B", "minus", "{}")]}),
            chunk({"tool_calls": [no_index("A", None, "1}")]}),
            chunk({}, "tool_calls"),
        )
    )
    assert [(call.id, call.name, call.arguments) for call in done.message.tool_calls] == [
        ("A", "plus", '{"a":1}'),
        ("B", "minus", "{}"),
    ]
    # Gemini: no index and an empty id; says "stop" after a tool call.
    gemini = no_index(None, "return_bool", '{"value":true}') | {"id": ""}
    done = completed(run(chunk({"tool_calls": [gemini]}, "stop"), "[DONE]"))
    assert [(call.name, call.arguments) for call in done.message.tool_calls] == [
        ("return_bool", '{"value":true}')
    ]
    assert (done.stop_reason, done.raw_stop_reason) == ("tool_use", "stop")


def test_arguments_sent_as_an_object_are_serialized() -> None:
    call = {"index": 0, "id": "c", "function": {"name": "f", "arguments": {"x": [1, "é"]}}}
    done = completed(run(chunk({"tool_calls": [call]}, "tool_calls")))
    assert json.loads(done.message.tool_calls[0].arguments) == {"x": [1, "é"]}


def test_only_the_first_choice_is_used() -> None:
    choices = [
        {"index": 1, "delta": {"content": "other"}, "finish_reason": None},
        {"index": 0, "delta": {"content": "first"}, "finish_reason": None},
    ]
    done = completed(run(chunk(choices=choices), chunk({}, "stop")))
    assert done.message.text == "first"


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields_become_thinking(field: str) -> None:
    events = run(chunk({field: "Let me think"}), chunk({"content": "42"}, "stop"))
    assert events[:2] == [ThinkingDelta("Let me think"), TextDelta("42")]
    assert completed(events).message.parts == (Thinking("Let me think"), Text("42"))


def test_content_as_a_list_of_parts() -> None:
    parts = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
        {"type": "text", "text": "323"},
    ]
    done = completed(run(chunk({"content": parts}, "stop")))
    assert done.message.parts == (Thinking("hmm"), Text("323"))


def test_groq_usage_in_x_groq() -> None:
    usage = {"prompt_tokens": 21, "completion_tokens": 988, "queue_time": 0.05}
    done = completed(run(chunk({}, "stop", x_groq={"id": "req_1", "usage": usage}), "[DONE]"))
    assert done.usage == Usage(input=21, output=988)


def test_refusal_is_shown_and_reported() -> None:
    done = completed(run(chunk({"refusal": "I can't help with that."}, "stop")))
    assert done.message.text == "I can't help with that."
    assert done.stop_reason == "refusal"


def test_named_error_event_raises_the_mapped_error() -> None:
    error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}
    with pytest.raises(RateLimitError, match=r"testprovider.*Rate limit reached"):
        run(chunk({"content": "x"}), json.dumps(error), events=("", "error"))


def test_error_object_inside_a_chunk_raises() -> None:
    payload = chunk({"content": ""}, error={"code": 400, "message": "Token limit reached"})
    with pytest.raises(BadRequestError, match="Token limit reached"):
        run(payload)


def test_overloaded_error_event() -> None:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(OverloadedError):
        run(json.dumps(error), events=("error",))


def test_context_error_in_stream() -> None:
    error = {"error": {"message": "x", "code": "context_length_exceeded"}}
    with pytest.raises(ContextTooLongError):
        run(json.dumps(error), events=("error",))


def test_keep_alives_and_unknown_named_events_are_ignored() -> None:
    done = completed(run("", " ", "{}", chunk({"content": "a"}, "stop"), events=("", "", "ping")))
    assert done.message.text == "a"


@pytest.mark.parametrize(
    "data",
    [
        "{not json",
        "[1, 2]",
        '"text"',
        json.dumps({"choices": "nope"}),
        json.dumps({"choices": [{"index": 0, "delta": {"tool_calls": [{"function": 5}]}}]}),
        json.dumps({"choices": [{"index": 0, "delta": {"tool_calls": 3}}]}),
        json.dumps({"choices": [{"index": 0, "delta": {"content": [7]}}]}),
        json.dumps({"choices": [None]}),
    ],
)
def test_malformed_chunks_are_protocol_errors(data: str) -> None:
    with pytest.raises(ProtocolError, match="testprovider sent"):
        run(data, "[DONE]")


def test_events_after_done_are_ignored() -> None:
    done = completed(run(chunk({"content": "a"}, "stop"), "[DONE]", chunk({"content": "zzz"})))
    assert done.message.text == "a"


# --- decode_body --------------------------------------------------------------------------


def test_decode_body_of_a_non_streaming_response() -> None:
    body = {
        "id": "chatcmpl-9",
        "model": "gpt-4.1",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "Checking.",
                    "reasoning_content": "think",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "a", "arguments": "{}"},
                        },
                        {
                            "id": "c2",
                            "type": "function",
                            "function": {"name": "b", "arguments": "{}"},
                        },
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7},
    }
    events = ADAPTER.decode_body(json.dumps(body).encode())
    done = completed(events)
    assert done.message.parts == (
        Thinking("think"),
        Text("Checking."),
        ToolCall("c1", "a", "{}"),
        ToolCall("c2", "b", "{}"),
    )
    assert (done.stop_reason, done.usage, done.response_id) == (
        "tool_use",
        Usage(5, 7),
        "chatcmpl-9",
    )


@pytest.mark.parametrize("body", [b"<html>502</html>", b"[]", b'{"choices": [{"message": 3}]}'])
def test_decode_body_rejects_malformed_bodies(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        ADAPTER.decode_body(body)


def test_decode_body_with_an_error_object() -> None:
    body = json.dumps({"error": {"message": "prompt is too long: 300000 tokens"}}).encode()
    with pytest.raises(ContextTooLongError, match="prompt is too long"):
        ADAPTER.decode_body(body)


def test_lone_surrogates_in_tool_output_do_not_abort_encoding() -> None:
    request = Request("m", (Message("tool", (ToolResult("c", "bad \udcff byte"),)),))
    assert json.loads(ADAPTER.encode(request).body)["messages"][0]["content"] == "bad ? byte"


def test_empty_finish_reasons_do_not_count_as_an_end() -> None:
    decoder = ADAPTER.decoder()
    decoder.feed(ServerSentEvent(chunk({"content": "cut"}, "")))
    with pytest.raises(ProtocolError):
        decoder.finish()
    done = completed(run(chunk({"content": "a"}, ""), chunk({}, "stop"), chunk({}, "")))
    assert done.raw_stop_reason == "stop"


def test_choice_index_null_counts_as_the_first_choice() -> None:
    choices = [{"index": None, "delta": {"content": "x"}, "finish_reason": "stop"}]
    assert completed(run(chunk(choices=choices))).message.text == "x"
