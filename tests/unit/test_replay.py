"""Transcripts as regression tests: the sample transcripts replay cleanly, and changes show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solcoder.errors import UsageError
from solcoder.replay import (
    VARIABLE_FIELDS,
    content_differences,
    load_turns,
    replay_file,
)
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import default_registry

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "transcripts"
SAMPLES = sorted(TRANSCRIPTS.glob("*.jsonl"))


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    lines = [json.dumps(record, ensure_ascii=False, separators=(",", ":")) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tool_results(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        part
        for record in records
        if record["type"] == "message"
        for part in record["message"]["parts"]
        if part["type"] == "tool_result"
    ]


def test_both_samples_are_present() -> None:
    assert {path.name for path in SAMPLES} >= {"smoke.jsonl", "multi_tool.jsonl"}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_sample_transcripts_replay_without_differences(path: Path) -> None:
    report = replay_file(path)
    assert report.differences == []
    assert report.identical
    assert report.turns >= 2
    assert report.tool_calls >= 1


def test_the_multi_tool_sample_covers_several_tools_and_steps() -> None:
    report = replay_file(TRANSCRIPTS / "multi_tool.jsonl")
    assert (report.turns, report.steps, report.tool_calls) == (3, 8, 6)
    names = {
        part["name"]
        for record in read(TRANSCRIPTS / "multi_tool.jsonl")
        if record["type"] == "message"
        for part in record["message"]["parts"]
        if part["type"] == "tool_call"
    }
    assert {"plan", "review_code", "search_notes"} <= names


def test_a_mutated_tool_result_is_reported_with_its_path(tmp_path: Path) -> None:
    records = read(TRANSCRIPTS / "multi_tool.jsonl")
    [plan_result] = [part for part in tool_results(records) if part["call_id"] == "call_plan"]
    content = json.loads(plan_result["content"])
    recorded_title = content["steps"][0]["title"]
    content["steps"][0]["title"] = "Something else entirely"
    plan_result["content"] = json.dumps(content)
    report = replay_file(write(tmp_path / "mutated.jsonl", records))
    assert not report.identical
    [difference] = report.differences
    assert difference.kind == "tool_result"
    assert (difference.turn, difference.step) == (1, 1)
    assert difference.path == "$.steps[0].title"
    assert difference.recorded == "Something else entirely"
    assert difference.replayed == recorded_title
    assert "plan (call_plan)" in difference.describe()


def test_a_result_that_failed_in_the_recording_but_succeeds_now_is_reported(
    tmp_path: Path,
) -> None:
    records = read(TRANSCRIPTS / "multi_tool.jsonl")
    [notes] = [part for part in tool_results(records) if part["call_id"] == "call_notes"]
    notes["is_error"] = True
    report = replay_file(write(tmp_path / "flipped.jsonl", records))
    [difference] = report.differences
    assert "succeeded in the replay, failed in the recording" in difference.message


def test_a_tool_that_no_longer_exists_shows_up_as_a_failed_result(tmp_path: Path) -> None:
    def without_review() -> ToolRegistry:
        registry = ToolRegistry()
        full = default_registry()
        for name in full.names():
            tool = full.get(name)
            if tool is not None and name != "review_code":
                registry.register(
                    tool.function, toolkit=tool.toolkit, name=name, effect=tool.effect
                )
        return registry

    report = replay_file(TRANSCRIPTS / "multi_tool.jsonl", registry_factory=without_review)
    kinds = {(difference.turn, difference.kind) for difference in report.differences}
    assert (2, "tool_result") in kinds
    assert any("review_code" in difference.message for difference in report.differences)


def test_a_missing_model_reply_is_a_difference_in_a_finished_turn(tmp_path: Path) -> None:
    records = read(TRANSCRIPTS / "multi_tool.jsonl")
    last_turn_reply = max(
        index
        for index, record in enumerate(records)
        if record["type"] == "message" and record["turn"] == 3
    )
    del records[last_turn_reply]
    report = replay_file(write(tmp_path / "short.jsonl", records))
    [difference] = report.differences
    assert (difference.turn, difference.kind) == (3, "error")
    assert "more model replies than were recorded" in difference.message


def test_an_interrupted_turn_replays_as_far_as_it_was_recorded(tmp_path: Path) -> None:
    records = read(TRANSCRIPTS / "multi_tool.jsonl")
    last_turn_reply = max(
        index
        for index, record in enumerate(records)
        if record["type"] == "message" and record["turn"] == 3
    )
    del records[last_turn_reply]
    for record in records:
        if record["type"] == "turn_end" and record["turn"] == 3:
            record["outcome"] = "cancelled"
    report = replay_file(write(tmp_path / "cancelled.jsonl", records))
    assert report.identical, [difference.describe() for difference in report.differences]


def test_variable_fields_are_ignored_and_environment_results_compare_keys_only() -> None:
    recorded = json.dumps({"steps": [1, 2], "duration_ms": 12.5, "meta": {"ts": "x"}})
    replayed = json.dumps({"steps": [1, 2], "duration_ms": 99.0, "meta": {"ts": "y"}})
    assert content_differences(recorded, replayed) == []
    assert "duration_ms" in VARIABLE_FIELDS
    machine_a = json.dumps({"solana": {"found": True, "version": "1.18"}, "python": "3.11"})
    machine_b = json.dumps({"solana": {"found": False, "version": None}, "python": "3.13"})
    assert content_differences(machine_a, machine_b, tool="environment") == []
    assert content_differences(machine_a, json.dumps({"python": "3.13"}), tool="environment")
    assert content_differences(machine_a, machine_b) != []


def test_plain_text_results_compare_as_text() -> None:
    assert content_differences("same", "same") == []
    assert content_differences("old text", "new text") == [("$", "old text", "new text")]


def test_unreadable_targets_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="No transcript"):
        load_turns(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"v":1,"type":"meta","provider":"offline","model":"x"}\n')
    with pytest.raises(UsageError, match="no conversation"):
        load_turns(empty)
