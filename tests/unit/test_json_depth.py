"""Deeply nested JSON from outside is bad input, never a crash (issue 13, item 5).

100,000 nested brackets in tool arguments, a stream event, a whole response body, an error body
or a transcript used to end as `RecursionError` ("a bug in SolCoder"). Each loader now reports
it the way it reports any malformed JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solcoder import jsonsafe
from solcoder.errors import ProtocolError, ServerError
from solcoder.llm.messages import Message, ToolCall, ToolResult
from solcoder.llm.serialize import message_to_dict
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.error_bodies import error_from_response
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.sse import ServerSentEvent
from solcoder.replay import content_differences, replay_file
from solcoder.replay.compare import parse_arguments
from solcoder.sessions.transcript import read_transcript
from solcoder.tools.registry import ToolArgumentError
from solcoder.tools.toolkits import default_registry

DEEP = "[" * 100_000 + "]" * 100_000
"""Far past the interpreter's recursion limit."""
OVER = "[" * (jsonsafe.MAX_DEPTH + 1) + "]" * (jsonsafe.MAX_DEPTH + 1)
"""Just past our own limit, well within the interpreter's: it would parse."""
ADAPTERS = [
    pytest.param(adapter, id=type(adapter).__name__)
    for adapter in (OpenAIChatAdapter(), AnthropicAdapter(), OpenAIResponsesAdapter())
]


@pytest.mark.parametrize("text", [DEEP, OVER, '{"a":' + OVER + "}"], ids=["deep", "over", "key"])
def test_the_loader_refuses_nesting_past_the_limit_as_a_value_error(text: str) -> None:
    with pytest.raises(jsonsafe.JSONTooDeep, match="nested deeper than 512 levels"):
        jsonsafe.loads(text)
    with pytest.raises(ValueError):
        jsonsafe.loads(text.encode())


def test_the_loader_accepts_nesting_up_to_the_limit_and_wide_documents() -> None:
    limit = jsonsafe.MAX_DEPTH
    assert jsonsafe.loads("[" * limit + "]" * limit) is not None
    wide = json.dumps({"items": [[i] for i in range(5000)]})
    assert jsonsafe.loads(wide)["items"][4999] == [4999]
    assert jsonsafe.loads('{"a": "x\ny"}', strict=False) == {"a": "x\ny"}


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("nesting", [DEEP, OVER], ids=["deep", "over"])
def test_a_deep_stream_event_is_a_protocol_error(adapter: object, nesting: str) -> None:
    decoder = adapter.decoder()  # type: ignore[attr-defined]
    event = ServerSentEvent(data='{"type": "x", "choices": ' + nesting + "}")
    with pytest.raises(ProtocolError, match="nested deeper than 512 levels") as caught:
        decoder.feed(event)
    assert caught.value.exit_code == 6


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_deep_response_body_is_a_protocol_error(adapter: object) -> None:
    decoder = adapter.decoder()  # type: ignore[attr-defined]
    with pytest.raises(ProtocolError, match="not JSON"):
        decoder.decode_body(('{"a": ' + DEEP + "}").encode())


def test_a_deep_error_body_is_classified_by_its_status() -> None:
    body = ('{"error": ' + DEEP + "}").encode()
    error = error_from_response(500, body, {}, provider="test")
    assert isinstance(error, ServerError)


@pytest.mark.parametrize("nesting", [DEEP, OVER], ids=["deep", "over"])
def test_deep_tool_arguments_are_an_error_for_the_model(nesting: str) -> None:
    tool = default_registry().get("plan")
    assert tool is not None
    with pytest.raises(ToolArgumentError, match="nested deeper than 512 levels"):
        tool.parse_arguments('{"goal": ' + nesting + "}")
    with pytest.raises(ToolArgumentError):  # double-encoded: still an answer, not a crash
        tool.parse_arguments(json.dumps('{"goal": ' + nesting + "}"))


def test_replay_compares_deep_arguments_and_results_as_text() -> None:
    assert parse_arguments(DEEP) == DEEP
    assert content_differences(DEEP, DEEP) == []
    assert content_differences(DEEP, "{}") == [("$", DEEP, "{}")]


def test_a_deep_transcript_line_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "transcript.jsonl"
    path.write_text('{"type": "meta", "x": ' + DEEP + "}\n", encoding="utf-8")
    loaded = read_transcript(path)
    assert loaded.records == []
    assert loaded.warnings == [f"{path}:1: damaged line skipped."]


def test_a_transcript_with_a_deep_tool_call_replays(tmp_path: Path) -> None:
    call = ToolCall("c1", "plan", '{"goal": ' + DEEP + "}")
    messages = [
        Message.user("plan it"),
        Message("assistant", (call,)),
        Message("tool", (ToolResult("c1", "Error: too deep", True, "plan"),)),
        Message.assistant("Sorry."),
    ]
    records: list[dict[str, object]] = [
        {"v": 1, "type": "message", "turn": 1, "message": message_to_dict(message)}
        for message in messages
    ]
    records.append({"v": 1, "type": "turn_end", "outcome": "done", "turn": 1})
    path = tmp_path / "transcript.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    report = replay_file(path)
    assert report.tool_calls == 1
    assert report.turns == 1
