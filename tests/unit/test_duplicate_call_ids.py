"""Tool calls of one reply that share an id are renamed on receipt (`id_2`, `id_3`), on every
wire, and a transcript written before that (calls and results under one id) rebuilds into a
valid history, its results answering the calls in order.

Before: the history check failed ("duplicate call id"), exit 1, at the end of the turn and at
every later resume.
"""

from __future__ import annotations

from typing import Any

import pytest

from solcoder.agent.invariants import check_tool_pairing
from solcoder.llm.events import Completed, Event, ToolCallStart
from solcoder.llm.messages import Message, ToolCall, ToolResult, unique_call_id
from solcoder.llm.serialize import message_to_dict
from solcoder.llm.wire.anthropic import AnthropicAdapter
from solcoder.llm.wire.assemble import Assembler
from solcoder.llm.wire.openai_chat import OpenAIChatAdapter
from solcoder.llm.wire.openai_responses import OpenAIResponsesAdapter
from solcoder.llm.wire.sse import SSEDecoder
from solcoder.sessions.rebuild import rebuild_messages
from tests.support.fake_wire import Reply, ToolCallReply, render_events

ADAPTERS: dict[str, Any] = {
    "chat": OpenAIChatAdapter("fake"),
    "responses": OpenAIResponsesAdapter(provider="fake"),
    "messages": AnthropicAdapter(provider="fake"),
}


def test_unique_call_id() -> None:
    assert unique_call_id("a", set()) == "a"
    assert unique_call_id("a", {"a"}) == "a_2"
    assert unique_call_id("a", {"a", "a_2", "a_3"}) == "a_4"


@pytest.mark.parametrize("api", list(ADAPTERS))
def test_calls_sharing_an_id_are_renamed_on_receipt(api: str) -> None:
    reply = Reply(
        tool_calls=tuple(
            ToolCallReply("read_file", f'{{"path": "{name}"}}', "call_x") for name in "abc"
        )
    )
    events, _tail = render_events(api, reply)
    decoder = ADAPTERS[api].decoder()
    sse = SSEDecoder()
    decoded: list[Event] = []
    for event in sse.feed(b"".join(events)) + sse.close():
        decoded += decoder.feed(event)
    decoded += decoder.finish()
    starts = [event.id for event in decoded if isinstance(event, ToolCallStart)]
    assert starts == ["call_x", "call_x_2", "call_x_3"]
    completed = decoded[-1]
    assert isinstance(completed, Completed)
    calls = completed.message.tool_calls
    assert [call.id for call in calls] == ["call_x", "call_x_2", "call_x_3"]
    assert [call.arguments for call in calls] == [f'{{"path": "{n}"}}' for n in "abc"]


def test_a_late_id_and_a_fallback_id_stay_unique() -> None:
    assembler = Assembler()
    assembler.tool_start(0, "call_1", "a")
    assembler.tool_start(1, None, "b")
    assembler.tool_start(1, "call_1", None)  # the id arrives later, already taken
    assembler.tool_start(2, "call_2", "c")
    assembler.tool_start(3, None, "d")  # no id at all: call_<position> would be call_3
    assembler.tool_start(4, "call_3", "e")
    ids = [call.id for call in assembler.message().tool_calls]
    assert len(set(ids)) == len(ids) == 5
    assert ids[:3] == ["call_1", "call_1_2", "call_2"]


def _record(role: str, *parts: Any) -> dict[str, Any]:
    return {"type": "message", "turn": 1, "message": message_to_dict(Message(role, parts))}  # type: ignore[arg-type]


def test_a_transcript_with_duplicate_ids_rebuilds_valid() -> None:
    records = [
        _record("user", *Message.user("read both").parts),
        _record("assistant", ToolCall("x", "read_file", "{}"), ToolCall("x", "read_file", "{}")),
        _record("tool", ToolResult("x", "first"), ToolResult("x", "second")),
        _record("assistant", *Message.assistant("done").parts),
    ]
    warnings: list[str] = []
    history = rebuild_messages(records, warnings)
    check_tool_pairing(history)  # before: HistoryInvariantError
    assert warnings == []
    assert [call.id for call in history[1].tool_calls] == ["x", "x_2"]
    assert [(r.call_id, r.content) for r in history[2].tool_results] == [
        ("x", "first"),
        ("x_2", "second"),
    ]
