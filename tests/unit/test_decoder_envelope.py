"""The response envelope is one rule on every wire: the same hand-written story (an opening
without content, text, a tool call, the terminator) is told in each protocol's words, and the
three decoders must agree on when content started, what the partial message is, when the
response is over and how a broken stream or bad JSON is reported."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from solcoder.errors import ProtocolError
from solcoder.llm.events import Completed, Event, TextDelta
from solcoder.llm.messages import Text, ToolCall
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.base import Decoder, WireAdapter
from solcoder.llm.wire.decoder import WireDecoder
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.sse import ServerSentEvent

PROVIDER = "test-provider"


@dataclass(frozen=True)
class Wire:
    """One protocol's spelling of the story, event by event."""

    name: str
    adapter: WireAdapter
    opening: list[ServerSentEvent]
    """Events before any content (ids, roles, empty blocks): content has not started."""
    text: Callable[[str], ServerSentEvent]
    tool_start: ServerSentEvent
    """Tool call `c1` named `f` begins (after the text)."""
    tool_arguments: Callable[[str], ServerSentEvent]
    closing: list[ServerSentEvent]
    """What comes after the content and before the terminator (finish reason, usage)."""
    terminator: ServerSentEvent
    named_event: str
    """An event name the protocol reads: a blank event under it is malformed."""
    odd_shape: dict[str, Any]
    """A JSON object where a nested value has the wrong type."""
    odd_body: bytes
    """A whole JSON response where a nested value has the wrong type."""

    def decoder(self) -> Decoder:
        return self.adapter.decoder()

    def story(self) -> list[ServerSentEvent]:
        return [
            *self.opening,
            self.text("Hel"),
            self.text("lo"),
            self.tool_start,
            self.tool_arguments('{"a":'),
            self.tool_arguments("1}"),
            *self.closing,
            self.terminator,
        ]


def _chat_event(payload: dict[str, Any], name: str = "") -> ServerSentEvent:
    return ServerSentEvent(json.dumps(payload), name)


def _chat(delta: dict[str, Any], finish: str | None = None) -> ServerSentEvent:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return _chat_event({"id": "chatcmpl-1", "model": "m", "choices": [choice]})


def _chat_call(function: dict[str, Any], **call: Any) -> dict[str, Any]:
    return {"tool_calls": [{"index": 0, **call, "function": function}]}


def _named(kind: str, **payload: Any) -> ServerSentEvent:
    return ServerSentEvent(json.dumps({"type": kind, **payload}), kind)


CHAT = Wire(
    name="chat",
    adapter=OpenAIChatAdapter(PROVIDER),
    opening=[_chat({"role": "assistant", "content": ""})],
    text=lambda text: _chat({"content": text}),
    tool_start=_chat(_chat_call({"name": "f", "arguments": ""}, id="c1", type="function")),
    tool_arguments=lambda fragment: _chat(_chat_call({"arguments": fragment})),
    closing=[
        _chat({}, "tool_calls"),
        _chat_event({"id": "chatcmpl-1", "choices": [], "usage": {"prompt_tokens": 1}}),
    ],
    terminator=ServerSentEvent("[DONE]"),
    named_event="error",
    odd_shape={"choices": [{"index": 0, "delta": {"tool_calls": 3}}]},
    odd_body=b'{"choices": [{"message": 3}]}',
)

MESSAGES = Wire(
    name="messages",
    adapter=AnthropicAdapter(provider=PROVIDER),
    opening=[
        _named("message_start", message={"id": "msg_1", "model": "m", "usage": {}}),
        _named("ping"),
        _named("content_block_start", index=0, content_block={"type": "text", "text": ""}),
    ],
    text=lambda text: _named(
        "content_block_delta", index=0, delta={"type": "text_delta", "text": text}
    ),
    tool_start=_named(
        "content_block_start",
        index=1,
        content_block={"type": "tool_use", "id": "c1", "name": "f", "input": {}},
    ),
    tool_arguments=lambda fragment: _named(
        "content_block_delta",
        index=1,
        delta={"type": "input_json_delta", "partial_json": fragment},
    ),
    closing=[
        _named("content_block_stop", index=1),
        _named("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 3}),
    ],
    terminator=_named("message_stop"),
    named_event="content_block_delta",
    odd_shape={"type": "content_block_delta", "index": 0, "delta": "text"},
    odd_body=b'{"type": "message", "content": ["text"]}',
)

_RESPONSE = {"id": "resp_1", "model": "m", "status": "in_progress", "output": []}

RESPONSES = Wire(
    name="responses",
    adapter=OpenAIResponsesAdapter(provider=PROVIDER),
    opening=[
        _named("response.created", response=_RESPONSE),
        _named(
            "response.output_item.added",
            output_index=0,
            item={"type": "message", "id": "msg_1", "role": "assistant", "content": []},
        ),
    ],
    text=lambda text: _named("response.output_text.delta", output_index=0, delta=text),
    tool_start=_named(
        "response.output_item.added",
        output_index=1,
        item={"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f"},
    ),
    tool_arguments=lambda fragment: _named(
        "response.function_call_arguments.delta", output_index=1, delta=fragment
    ),
    closing=[],
    terminator=_named("response.completed", response={**_RESPONSE, "status": "completed"}),
    named_event="response.output_text.delta",
    odd_shape={"type": "response.output_item.added", "output_index": 0, "item": "text"},
    odd_body=b'{"id": "resp_1", "status": "completed", "output": ["text"]}',
)

WIRES = [pytest.param(wire, id=wire.name) for wire in (CHAT, MESSAGES, RESPONSES)]

CUT = re.compile(
    rf"{PROVIDER} sent a stream that ended without `[^`]+`( or a finish reason)?: "
    r"the response is incomplete \(cut short\)\."
)
NOT_JSON = re.compile(
    rf"{PROVIDER} sent (a stream event|a response body) that is not JSON \(.+\)\."
)
NOT_OBJECT = re.compile(
    rf"{PROVIDER} sent (a stream event|a response body) that is not a JSON object\."
)
ODD_SHAPE = re.compile(
    rf"{PROVIDER} sent (a stream event|a response body) of unexpected shape \(.+\)\."
)
PROTOCOL_HINT = re.compile(r"Retry; if it repeats, the server is not speaking the .+ protocol")


def feed(decoder: Decoder, events: list[ServerSentEvent]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        out.extend(decoder.feed(event))
    return out


def protocol_error(action: Callable[..., object], *args: object) -> ProtocolError:
    """The `ProtocolError` that `action(*args)` raises, checked to name the provider."""
    with pytest.raises(ProtocolError) as caught:
        action(*args)
    assert caught.value.provider == PROVIDER
    return caught.value


@pytest.mark.parametrize("wire", WIRES)
def test_every_decoder_is_built_on_the_shared_envelope(wire: Wire) -> None:
    assert isinstance(wire.decoder(), WireDecoder)


@pytest.mark.parametrize("wire", WIRES)
def test_the_whole_story_decodes_to_the_same_message(wire: Wire) -> None:
    decoder = wire.decoder()
    events = feed(decoder, wire.story()) + decoder.finish()
    done = events[-1]
    assert isinstance(done, Completed)
    assert done.message.parts == (Text("Hello"), ToolCall("c1", "f", '{"a":1}'))
    assert done.stop_reason == "tool_use"
    assert "".join(event.text for event in events if isinstance(event, TextDelta)) == "Hello"


@pytest.mark.parametrize("wire", WIRES)
def test_content_started_flips_with_the_first_content(wire: Wire) -> None:
    decoder = wire.decoder()
    assert feed(decoder, wire.opening) == []
    assert not decoder.content_started
    assert decoder.feed(wire.text("Hel")) == [TextDelta("Hel")]
    assert decoder.content_started


@pytest.mark.parametrize("wire", WIRES)
def test_partial_keeps_text_and_tool_calls_so_far(wire: Wire) -> None:
    decoder = wire.decoder()
    feed(decoder, wire.story()[: len(wire.opening) + 4])  # up to the first argument fragment
    assert decoder.partial().parts == (Text("Hello"), ToolCall("c1", "f", '{"a":'))
    assert not decoder.terminated


@pytest.mark.parametrize("wire", WIRES)
def test_terminated_after_the_terminator_and_nothing_after_it_counts(wire: Wire) -> None:
    decoder = wire.decoder()
    story = wire.story()
    feed(decoder, story[:-1])
    assert not decoder.terminated
    decoder.feed(story[-1])
    assert decoder.terminated
    # Gateways append a chat-style `[DONE]`, proxies pad: all of it is ignored.
    late = [wire.text(" again"), ServerSentEvent("[DONE]"), ServerSentEvent("{not json")]
    assert feed(decoder, late) == []
    done = decoder.finish()[-1]
    assert isinstance(done, Completed)
    assert done.message.text == "Hello"


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("cut", ["empty", "opening", "content"])
def test_finish_without_the_terminator_is_a_protocol_error(wire: Wire, cut: str) -> None:
    decoder = wire.decoder()
    if cut != "empty":
        feed(decoder, wire.opening)
    if cut == "content":
        feed(decoder, [wire.text("Hel"), wire.tool_start])
    error = protocol_error(decoder.finish)
    assert CUT.fullmatch(error.message), error.message
    assert (
        error.hint == "Retry the request; if it keeps happening, check for a proxy cutting streams."
    )


@pytest.mark.parametrize("wire", WIRES)
def test_a_chat_style_done_is_the_terminator_only_on_chat(wire: Wire) -> None:
    decoder = wire.decoder()
    feed(decoder, [*wire.opening, wire.text("Hel"), ServerSentEvent("[DONE]")])
    assert decoder.terminated is (wire is CHAT)
    if wire is CHAT:
        assert isinstance(decoder.finish()[-1], Completed)
    else:
        assert CUT.fullmatch(protocol_error(decoder.finish).message)


@pytest.mark.parametrize("wire", WIRES)
def test_blank_unnamed_events_are_keep_alives(wire: Wire) -> None:
    decoder = wire.decoder()
    assert feed(decoder, [ServerSentEvent(""), ServerSentEvent(" \n"), *wire.opening]) == []
    assert not decoder.content_started
    feed(decoder, [ServerSentEvent("", "message"), *wire.story()[len(wire.opening) :]])
    assert isinstance(decoder.finish()[-1], Completed)


@pytest.mark.parametrize("wire", WIRES)
def test_a_blank_named_event_is_malformed(wire: Wire) -> None:
    error = protocol_error(wire.decoder().feed, ServerSentEvent("", wire.named_event))
    assert NOT_JSON.fullmatch(error.message), error.message


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        pytest.param("{not json", NOT_JSON, id="bad-json"),
        pytest.param("<html>502</html>", NOT_JSON, id="html"),
        pytest.param("[1, 2]", NOT_OBJECT, id="array"),
        pytest.param('"x"', NOT_OBJECT, id="string"),
    ],
)
def test_malformed_json_reads_the_same_on_every_wire(
    wire: Wire, data: str, pattern: re.Pattern[str]
) -> None:
    for name in ("", wire.named_event):
        decoder = wire.decoder()
        feed(decoder, [*wire.opening, wire.text("Hel")])
        error = protocol_error(decoder.feed, ServerSentEvent(data, name))
        assert pattern.fullmatch(error.message), error.message
        assert error.message.startswith(f"{PROVIDER} sent a stream event ")
        assert error.hint is not None and PROTOCOL_HINT.match(error.hint)
        assert decoder.partial().text == "Hel"  # the partial survives for the user


@pytest.mark.parametrize("wire", WIRES)
def test_a_payload_of_unexpected_shape_is_a_protocol_error(wire: Wire) -> None:
    event = ServerSentEvent(json.dumps(wire.odd_shape))
    error = protocol_error(wire.decoder().feed, event)
    assert ODD_SHAPE.fullmatch(error.message), error.message
    assert error.message.startswith(f"{PROVIDER} sent a stream event ")


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        pytest.param(b"<html>502</html>", NOT_JSON, id="html"),
        pytest.param(b"\xff{}", NOT_JSON, id="bad-utf8"),
        pytest.param(b"[]", NOT_OBJECT, id="array"),
        pytest.param(None, ODD_SHAPE, id="odd-shape"),
    ],
)
def test_bad_bodies_read_the_same_on_every_wire(
    wire: Wire, body: bytes | None, pattern: re.Pattern[str]
) -> None:
    payload = wire.odd_body if body is None else body
    error = protocol_error(wire.adapter.decode_body, payload)
    assert pattern.fullmatch(error.message), error.message
    assert error.message.startswith(f"{PROVIDER} sent a response body ")
    assert error.hint is not None and PROTOCOL_HINT.match(error.hint)
