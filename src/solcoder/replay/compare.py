"""Comparing a replayed turn with its recording: tool calls, tool results, steps, final text.

Tool arguments and results are compared as parsed JSON when they are JSON, so key order and
spacing never count; `VARIABLE_FIELDS` are skipped wherever they appear, and results of
`VARIABLE_TOOLS` are compared by their keys only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from solcoder import jsonsafe
from solcoder.llm.messages import Message, ToolResult

VARIABLE_FIELDS = frozenset(
    {
        "duration",
        "duration_ms",
        "duration_s",
        "elapsed",
        "elapsed_ms",
        "elapsed_s",
        "latency_ms",
        "timestamp",
        "time",
        "ts",
        "now",
    }
)
"""JSON keys whose values differ on every run (timings, clocks): never compared."""

VARIABLE_TOOLS = frozenset({"environment"})
"""Tools whose results describe the machine (installed CLIs, versions, paths): only the keys of
their JSON results are compared, not the values."""

_MAX_DIFFERENCES_PER_RESULT = 10

Kind = Literal["tool_call", "tool_result", "final_text", "steps", "error"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the replay differs from the recording."""

    turn: int
    step: int | None
    kind: Kind
    message: str
    path: str = ""
    recorded: Any = None
    replayed: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "step": self.step,
            "kind": self.kind,
            "message": self.message,
            "path": self.path,
            "recorded": self.recorded,
            "replayed": self.replayed,
        }

    def describe(self) -> str:
        where = f"turn {self.turn}" + (f", step {self.step}" if self.step is not None else "")
        text = f"{where}: {self.message}"
        if self.path:
            text += f" at {self.path}"
        if self.recorded is not None or self.replayed is not None:
            text += f"\n    recorded: {_show(self.recorded)}\n    replayed: {_show(self.replayed)}"
        return text


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 300 else text[:299] + "…"


Step = tuple[Message, Message | None]
"""An assistant reply and the tool message that answers it (None when it called no tool)."""


def compare_turn(
    number: int, recorded: list[Step], replayed: list[Step], failure: str | None = None
) -> list[Difference]:
    """Every difference between one recorded turn and its replay; `failure` is why the
    replay stopped early, if it did and that was not expected."""
    differences: list[Difference] = []
    if failure is not None:
        differences.append(
            Difference(number, len(replayed) or None, "error", f"the replay failed: {failure}")
        )
    if len(recorded) != len(replayed):
        differences.append(
            Difference(
                number,
                None,
                "steps",
                "a different number of model steps",
                recorded=len(recorded),
                replayed=len(replayed),
            )
        )
    for step, (before, after) in enumerate(zip(recorded, replayed, strict=False), start=1):
        differences += _compare_calls(number, step, before[0], after[0])
        differences += _compare_results(number, step, before[0], before[1], after[1])
    final_recorded = recorded[-1][0].text if recorded else ""
    final_replayed = replayed[-1][0].text if replayed else ""
    if final_recorded != final_replayed:
        differences.append(
            Difference(
                number,
                None,
                "final_text",
                "the final text differs",
                recorded=final_recorded,
                replayed=final_replayed,
            )
        )
    return differences


def parse_arguments(raw: str) -> Any:
    """Tool arguments as JSON, or the raw text when they are not JSON."""
    try:
        return jsonsafe.loads(raw)
    except ValueError:
        return raw


def _compare_calls(turn: int, step: int, before: Message, after: Message) -> list[Difference]:
    recorded = [(call.name, parse_arguments(call.arguments)) for call in before.tool_calls]
    replayed = [(call.name, parse_arguments(call.arguments)) for call in after.tool_calls]
    if recorded == replayed:
        return []
    return [
        Difference(
            turn,
            step,
            "tool_call",
            "different tool calls",
            recorded=[{"name": name, "arguments": args} for name, args in recorded],
            replayed=[{"name": name, "arguments": args} for name, args in replayed],
        )
    ]


def _results_by_call(message: Message | None) -> dict[str, ToolResult]:
    return {result.call_id: result for result in message.tool_results} if message else {}


def _compare_results(
    turn: int, step: int, reply: Message, before: Message | None, after: Message | None
) -> list[Difference]:
    recorded, replayed = _results_by_call(before), _results_by_call(after)
    differences: list[Difference] = []
    names = {call.id: call.name for call in reply.tool_calls}
    for call_id in [*recorded, *(key for key in replayed if key not in recorded)]:
        old, new = recorded.get(call_id), replayed.get(call_id)
        name = names.get(call_id) or (old or new or ToolResult(call_id, "")).name
        label = f"{name} ({call_id})"
        if old is None or new is None:
            differences.append(
                Difference(
                    turn,
                    step,
                    "tool_result",
                    f"{label}: result {'missing in the replay' if new is None else 'not recorded'}",
                    recorded=None if old is None else old.content,
                    replayed=None if new is None else new.content,
                )
            )
            continue
        if old.is_error != new.is_error:
            differences.append(
                Difference(
                    turn,
                    step,
                    "tool_result",
                    f"{label}: {'failed' if new.is_error else 'succeeded'} in the replay, "
                    f"{'failed' if old.is_error else 'succeeded'} in the recording",
                    recorded=old.content,
                    replayed=new.content,
                )
            )
            continue
        for path, was, now in content_differences(old.content, new.content, tool=name):
            differences.append(
                Difference(
                    turn,
                    step,
                    "tool_result",
                    f"{label}: the result differs",
                    path=path,
                    recorded=was,
                    replayed=now,
                )
            )
    return differences


def content_differences(
    recorded: str, replayed: str, *, tool: str = ""
) -> list[tuple[str, Any, Any]]:
    """(JSON path, recorded value, replayed value) for each place two tool results differ,
    ignoring VARIABLE_FIELDS (and every value of VARIABLE_TOOLS results)."""
    try:
        old, new = jsonsafe.loads(recorded), jsonsafe.loads(replayed)
    except ValueError:
        return [] if recorded == replayed else [("$", recorded, replayed)]
    found: list[tuple[str, Any, Any]] = []
    _walk(old, new, "$", found, keys_only=tool in VARIABLE_TOOLS)
    return found[:_MAX_DIFFERENCES_PER_RESULT]


def _walk(
    old: Any, new: Any, path: str, found: list[tuple[str, Any, Any]], keys_only: bool
) -> None:
    if len(found) >= _MAX_DIFFERENCES_PER_RESULT:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [*old, *(key for key in new if key not in old)]:
            if key in VARIABLE_FIELDS:
                continue
            where = f"{path}.{key}"
            if key not in old or key not in new:
                found.append((where, old.get(key), new.get(key)))
            else:
                _walk(old[key], new[key], where, found, keys_only)
        return
    if keys_only:
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            where = f"{path}[{index}]"
            if index >= len(old) or index >= len(new):
                was = old[index] if index < len(old) else None
                found.append((where, was, new[index] if index < len(new) else None))
            else:
                _walk(old[index], new[index], where, found, keys_only)
        return
    if old != new or type(old) is not type(new):
        found.append((path, old, new))
