"""Forced tool calls folded from constrained text (pure ring): rewrite, fold, property tests."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from solcoder.llm.events import Completed, TextDelta, ToolCallDelta, ToolCallStart
from solcoder.llm.messages import Message, Request, Text, ToolCall, ToolSpec, Usage
from solcoder.llm.providers.client import join_url
from solcoder.llm.wire.forced_tool import (
    STRING_LENGTH_CAP,
    ForcedToolFold,
    bounded_schema,
    conform,
    forced_tool,
    json_opening,
    rewrite,
)

PLAN = ToolSpec(
    "plan",
    "Break a goal into steps.",
    {
        "type": "object",
        "properties": {
            "goal": {"type": "string", "description": "What the user wants."},
            "context": {"type": "string", "description": "Anything else known."},
        },
        "required": ["goal"],
    },
)


def request(choice: str | None = "plan") -> Request:
    return Request(
        model="m", messages=(Message.user("run a plan"),), tools=(PLAN,), tool_choice=choice
    )


def completed(text: str, stop: str = "end_turn") -> Completed:
    return Completed(Message.assistant(text), Usage(10, 5), stop)  # type: ignore[arg-type]


def fold_all(fold: ForcedToolFold, pieces: list[str]) -> list[object]:
    events: list[object] = []
    for piece in pieces:
        events.extend(fold.feed(TextDelta(piece)))
    events.extend(fold.feed(completed("".join(pieces))))
    return events


def test_only_a_named_or_single_required_tool_is_forced() -> None:
    assert forced_tool(request("plan")) == PLAN
    assert forced_tool(request("required")) == PLAN
    assert forced_tool(request("auto")) is None
    assert forced_tool(request(None)) is None
    assert forced_tool(request("unknown")) is None


def test_native_mode_and_unforced_requests_pass_unchanged() -> None:
    assert rewrite(request(), "native") == (request(), None)
    assert rewrite(request("auto"), "json_schema") == (request("auto"), None)


def test_json_schema_mode_sends_the_bounded_schema_without_tools() -> None:
    sent, fold = rewrite(request(), "json_schema")
    assert fold is not None
    assert sent.tools == () and sent.tool_choice is None
    schema = sent.extra["json_schema"]
    assert schema["properties"]["goal"]["maxLength"] == STRING_LENGTH_CAP
    assert schema["properties"]["goal"]["minLength"] == 1
    assert "minLength" not in schema["properties"]["context"]
    assert sent.system is not None and "`plan`" in sent.system and "goal: What" in sent.system
    assert (sent.max_tokens or 0) >= 512


def test_prefill_mode_primes_the_first_required_string() -> None:
    sent, fold = rewrite(request(), "prefill")
    assert fold is not None
    assert sent.messages[-1] == Message("assistant", (Text('{"goal": "'),))
    assert json_opening({"type": "object", "properties": {"n": {"type": "integer"}}}) == "{"


def test_bounded_schema_keeps_tighter_limits_and_recurses() -> None:
    schema = bounded_schema(
        {
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}},
                "name": {"type": "string", "maxLength": 20},
                "kind": {"type": "string", "enum": ["a", "b"]},
            },
        }
    )
    assert schema["properties"]["tags"]["items"]["maxLength"] == STRING_LENGTH_CAP
    assert schema["properties"]["name"]["maxLength"] == 20
    assert "maxLength" not in schema["properties"]["kind"]


def test_streamed_json_becomes_a_tool_call_with_argument_deltas() -> None:
    fold = ForcedToolFold("plan")
    events = fold_all(fold, ['{\n  "go', 'al": "escrow', ' program"}', " trailing prose"])
    assert isinstance(events[0], ToolCallStart) and events[0].name == "plan"
    deltas = "".join(e.arguments_fragment for e in events if isinstance(e, ToolCallDelta))
    assert json.loads(deltas) == {"goal": "escrow program"}
    final = events[-1]
    assert isinstance(final, Completed)
    assert final.stop_reason == "tool_use"
    (call,) = final.message.tool_calls
    assert call.name == "plan" and json.loads(call.arguments) == {"goal": "escrow program"}
    assert final.message.text == ""  # the JSON is not shown as prose


def test_prefilled_reply_is_completed_with_the_prefill() -> None:
    fold = ForcedToolFold("plan", prefill='{"goal": "')
    events = fold_all(fold, ["", "Build", " an escrow", '"}\n\nThis is a plan.'])
    call = events[-1].message.tool_calls[0]  # type: ignore[attr-defined]
    assert json.loads(call.arguments) == {"goal": "Build an escrow"}


def test_an_echoed_prefill_is_not_repeated() -> None:
    fold = ForcedToolFold("plan", prefill='{"goal": "')
    events = fold_all(fold, ['{"goal', '": "Build it"}'])
    call = events[-1].message.tool_calls[0]  # type: ignore[attr-defined]
    assert json.loads(call.arguments) == {"goal": "Build it"}


def test_a_non_streaming_reply_is_folded_from_the_final_text() -> None:
    fold = ForcedToolFold("plan", prefill='{"goal": "')
    events = fold.feed(completed('{"goal": "Whole", "action": "x"}'))
    assert isinstance(events[0], ToolCallStart)
    call = events[-1].message.tool_calls[0]  # type: ignore[union-attr]
    assert json.loads(call.arguments) == {"goal": "Whole", "action": "x"}


def test_a_wandering_continuation_keeps_the_first_value() -> None:
    # Measured on SmolLM2 over the messages wire: a good goal, then invalid JSON.
    fold = ForcedToolFold("plan", prefill='{"goal": "')
    events = fold_all(fold, ['Build a vault", "steps": [1, 2', ' "broken'])
    final = events[-1]
    assert json.loads(final.message.tool_calls[0].arguments) == {"goal": "Build a vault"}  # type: ignore[attr-defined]
    assert final.stop_reason == "tool_use"  # type: ignore[attr-defined]


def test_truncated_arguments_stay_truncated_for_the_orchestrator_to_report() -> None:
    fold = ForcedToolFold("plan")
    events = fold_all(fold, ['{"goal": "never ends'])
    final = events[-1]
    assert final.message.tool_calls[0].arguments == '{"goal": "never ends'  # type: ignore[attr-defined]
    assert final.stop_reason == "end_turn"  # type: ignore[attr-defined]


def test_a_native_call_from_the_server_passes_through() -> None:
    fold = ForcedToolFold("plan")
    start = ToolCallStart(0, "call_1", "plan")
    assert fold.feed(start) == [start]
    message = Message("assistant", (ToolCall("call_1", "plan", "{}"),))
    done = Completed(message, Usage(), "tool_use")
    assert fold.feed(done) == [done]


@given(st.text(max_size=60), st.lists(st.integers(1, 8), max_size=20))
def test_any_chunking_gives_the_same_arguments(goal: str, cuts: list[int]) -> None:
    text = json.dumps({"goal": goal}) + " and then some prose {"
    pieces, position = [], 0
    for cut in cuts:
        pieces.append(text[position : position + cut])
        position += cut
    pieces.append(text[position:])
    fold = ForcedToolFold("plan")
    final = fold_all(fold, pieces)[-1]
    assert json.loads(final.message.tool_calls[0].arguments) == {"goal": goal}  # type: ignore[attr-defined]


def test_each_wire_derives_its_path_from_one_base() -> None:
    base = "http://127.0.0.1:8080/v1"
    assert join_url(base, "/chat/completions") == base + "/chat/completions"
    assert join_url(base, "/responses") == base + "/responses"
    assert join_url(base, "/v1/messages") == "http://127.0.0.1:8080/v1/messages"
    assert join_url("https://api.anthropic.com", "/v1/messages") == (
        "https://api.anthropic.com/v1/messages"
    )
    assert join_url("http://h/api/v10", "/v1/messages") == "http://h/api/v10/v1/messages"


def test_primed_replies_drop_optional_arguments_of_the_wrong_type() -> None:
    # Measured on SmolLM2 over chat with a prefill: a good goal, then an object as "context".
    _, fold = rewrite(request(), "prefill")
    assert fold is not None
    events = fold_all(fold, ['Build a vault", "context": {"a": 1}, "extra": 2}'])
    arguments = json.loads(events[-1].message.tool_calls[0].arguments)  # type: ignore[attr-defined]
    assert arguments == {"goal": "Build a vault", "extra": 2}


def test_conform_keeps_required_and_valid_arguments() -> None:
    closed = {**PLAN.json_schema, "additionalProperties": False}
    assert json.loads(conform('{"goal": 3, "context": "ok", "x": 1}', closed)) == {
        "goal": 3,
        "context": "ok",
    }
    assert conform("not json", closed) == "not json"
    assert conform('{"goal": "a"}', closed) == '{"goal": "a"}'


def test_a_primed_value_ends_at_the_stop_quote_and_is_closed() -> None:
    sent, fold = rewrite(request(), "prefill")
    assert fold is not None and sent.stop[-1] == '"'  # the value's closing quote ends it
    events = fold_all(fold, ["Build an escrow program"])  # the server stops before the quote
    final = events[-1]
    assert json.loads(final.message.tool_calls[0].arguments) == {"goal": "Build an escrow program"}  # type: ignore[attr-defined]
    assert final.stop_reason == "tool_use"  # type: ignore[attr-defined]


def test_a_primed_value_that_never_ends_is_cut_at_the_cap() -> None:
    fold = ForcedToolFold("plan", prefill='{"goal": "', schema=PLAN.json_schema)
    events = fold_all(fold, ["la " * 400 + "\\"])
    goal = json.loads(events[-1].message.tool_calls[0].arguments)["goal"]  # type: ignore[attr-defined]
    assert 0 < len(goal) <= STRING_LENGTH_CAP
