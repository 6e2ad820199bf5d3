"""Where compaction cuts the history (hypothesis): never between a tool call and its result,
and the kept part fits its budget whenever a whole turn can."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.agent.history_cut import choose_cut, summary_messages, valid_cuts
from solcoder.agent.invariants import check_tool_pairing
from solcoder.llm.messages import Message, Text, ToolCall, ToolResult


@st.composite
def histories(draw: st.DrawFn) -> list[Message]:
    """Valid histories: user turns, each answered by zero or more tool rounds, then text."""
    history: list[Message] = []
    for turn in range(draw(st.integers(1, 8))):
        history.append(Message.user(f"question {turn}"))
        for round_number in range(draw(st.integers(0, 3))):
            ids = [f"c{turn}_{round_number}_{n}" for n in range(draw(st.integers(1, 3)))]
            calls = tuple(ToolCall(call_id, "plan", "{}") for call_id in ids)
            history.append(Message("assistant", calls))
            results = tuple(ToolResult(call_id, "ok", False, "plan") for call_id in ids)
            history.append(Message("tool", results))
        history.append(Message("assistant", (Text(f"answer {turn}"),)))
    return history


@settings(max_examples=200, deadline=None)
@given(histories(), st.data())
def test_a_cut_never_separates_a_call_from_its_result(
    history: list[Message], data: st.DataObject
) -> None:
    sizes = [data.draw(st.integers(1, 500)) for _ in history]
    budget = data.draw(st.integers(0, sum(sizes)))
    cut = choose_cut(history, sizes, budget)
    if cut is None:
        return
    assert cut in valid_cuts(history)
    kept = history[cut:]
    assert not kept or kept[0].role != "tool"
    next_message = kept[0] if kept else None
    compacted = [*summary_messages("facts", next_message), *kept]
    check_tool_pairing(compacted)  # raises if a result lost its call or roles clash


def test_compact_at_accepts_percent_fraction_and_off() -> None:
    import pytest

    from solcoder.config.values import InvalidValue, parse_share

    assert parse_share("80") == 0.8
    assert parse_share("80%") == 0.8
    assert parse_share("0.8") == 0.8
    assert parse_share("off") is None
    for bad in ("5", "0.05", "150", "nan", "eighty"):
        with pytest.raises(InvalidValue):
            parse_share(bad)


def test_the_window_is_read_from_a_models_listing() -> None:
    from solcoder.llm.transport.llamacpp import _parse

    served = _parse(None, {"data": [{"id": "qwen", "max_model_len": 8192}]})
    assert served.context_window == 8192
    assert _parse(None, {"data": [{"id": "qwen", "context_length": True}]}).context_window is None
