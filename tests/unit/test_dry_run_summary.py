"""The dry run's per-turn summary shows reasoning tokens when a model reported them."""

from __future__ import annotations

from types import SimpleNamespace

from solcoder.cli.dry_run import TurnStats, _account, _summary_lines, _turn_json
from solcoder.llm.events import Completed
from solcoder.llm.messages import Message, Usage

# A conversation whose provider recorded no attempts (no retries to count).
_NO_STATS = SimpleNamespace(orchestrator=SimpleNamespace(provider=SimpleNamespace(last_stats=None)))


def _turn(usage: Usage) -> TurnStats:
    stats = TurnStats("hello world")
    completed = Completed(message=Message.assistant("hi"), usage=usage, stop_reason="end_turn")
    _account(completed, stats, _NO_STATS, 0.0)
    return stats


def test_reasoning_tokens_appear_in_the_text_and_json_summary() -> None:
    stats = _turn(Usage(input=10, output=300, reasoning=212))
    lines = _summary_lines("anthropic", "claude", [stats], [])
    assert "reasoning, turn 1: 212 tokens" in lines
    assert _turn_json(stats)["usage"]["reasoning"] == 212


def test_no_reasoning_line_or_field_when_none_was_reported() -> None:
    stats = _turn(Usage(input=10, output=30))
    assert not any("reasoning" in line for line in _summary_lines("p", "m", [stats], []))
    assert "reasoning" not in _turn_json(stats)["usage"]
