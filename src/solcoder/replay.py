"""Recorded conversations as regression tests: replay a transcript, report what changed.

Each turn's user prompt is sent again through the real `Orchestrator` and tool registry, but
the model is a `ScriptedProvider` that answers with the assistant messages recorded in the
transcript, in order. Whatever the code under test does with those replies (which tools it
runs, with which arguments, what they return, when the loop stops) is compared with what the
transcript says happened. A difference means SolCoder now behaves differently on a
conversation it once had.

Compared per turn and step: tool calls (name and parsed arguments), tool results (`is_error`
and content, parsed as JSON when possible, minus `VARIABLE_FIELDS`), the number of model steps
and the turn's final text. Results of `VARIABLE_TOOLS` describe the machine they ran on and are
compared by their keys only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.errors import SolcoderError, UsageError
from solcoder.llm.events import StopReason
from solcoder.llm.messages import Message, Request, Thinking, ToolResult
from solcoder.llm.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.llm.serialize import message_from_dict
from solcoder.sessions.transcript import read_transcript
from solcoder.tools.registry import ToolRegistry

DIFFERENCES_EXIT_CODE = 6
"""`solcoder replay` exits with this when the replay differs from the recording."""

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
_CUT_OFF_PREFIX = "Error: Your tool call was cut off by the output token limit"

Kind = Literal["tool_call", "tool_result", "final_text", "steps", "error"]


@dataclass(frozen=True, slots=True)
class RecordedTurn:
    """One turn of a transcript: the prompt and what the model and the tools answered."""

    number: int
    prompt: str | None
    """The user's message, or None when the turn continues from tool results."""
    messages: tuple[Message, ...]
    """Everything after the prompt: assistant replies and tool results, in order."""
    outcome: str = ""
    """The turn_end outcome ("done", "cancelled", ...), "" when the turn never ended."""

    @property
    def replies(self) -> tuple[Message, ...]:
        return tuple(message for message in self.messages if message.role == "assistant")


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


@dataclass(slots=True)
class ReplayReport:
    """The outcome of replaying one transcript."""

    source: str
    turns: int = 0
    steps: int = 0
    tool_calls: int = 0
    differences: list[Difference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "identical": self.identical,
            "turns": self.turns,
            "steps": self.steps,
            "tool_calls": self.tool_calls,
            "differences": [difference.as_dict() for difference in self.differences],
            "warnings": list(self.warnings),
        }


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 300 else text[:299] + "…"


# --- reading ----------------------------------------------------------------------------------


def load_turns(path: Path) -> tuple[list[RecordedTurn], list[str]]:
    """The turns recorded in a transcript file, and warnings about damaged lines."""
    if not path.is_file():
        raise UsageError(
            f"No transcript at {path}.",
            hint="Give a transcript.jsonl file or a session id (`solcoder sessions list`).",
        )
    loaded = read_transcript(path)
    warnings = list(loaded.warnings)
    grouped: dict[int, list[Message]] = {}
    outcomes: dict[int, str] = {}
    for record in loaded.records:
        turn = record.get("turn")
        if not isinstance(turn, int):
            continue
        if record["type"] == "message":
            try:
                grouped.setdefault(turn, []).append(message_from_dict(record.get("message", {})))
            except ValueError as error:
                warnings.append(f"turn {turn}: a damaged message was skipped ({error}).")
        elif record["type"] == "turn_end":
            outcomes[turn] = str(record.get("outcome") or "")
    if not grouped:
        raise UsageError(
            f"{path} holds no conversation to replay.",
            hint="Replay a session that has at least one turn.",
        )
    turns: list[RecordedTurn] = []
    for number in sorted(grouped):
        messages = grouped[number]
        prompt: str | None = None
        if messages and messages[0].role == "user":
            prompt = messages[0].text
            messages = messages[1:]
        turns.append(RecordedTurn(number, prompt, tuple(messages), outcomes.get(number, "")))
    return turns, warnings


# --- replaying --------------------------------------------------------------------------------


class ReplayExhaustedError(SolcoderError):
    """The orchestrator asked the model for more replies than the transcript recorded."""


def _scripted(reply: Message, results: Message | None) -> ScriptedResponse:
    calls = tuple(ScriptedToolCall(call.name, call.arguments, call.id) for call in reply.tool_calls)
    thinking = "".join(part.text for part in reply.parts if isinstance(part, Thinking))
    stop: StopReason | None = None
    if (
        results is not None
        and calls
        and all(
            result.is_error and result.content.startswith(_CUT_OFF_PREFIX)
            for result in results.tool_results
        )
    ):
        stop = "max_tokens"  # the recorded reply was cut off: the orchestrator must see that
    return ScriptedResponse(text=reply.text, tool_calls=calls, thinking=thinking, stop_reason=stop)


def _steps(messages: Iterable[Message]) -> list[tuple[Message, Message | None]]:
    """(assistant reply, the tool message answering it or None) pairs, in order."""
    steps: list[tuple[Message, Message | None]] = []
    for message in messages:
        if message.role == "assistant":
            steps.append((message, None))
        elif message.role == "tool" and steps and steps[-1][1] is None:
            steps[-1] = (steps[-1][0], message)
    return steps


def _exhausted(request: Request) -> ScriptedResponse:
    raise ReplayExhaustedError("the replay asked for more model replies than were recorded")


async def replay_turns(
    turns: list[RecordedTurn],
    *,
    source: str = "",
    registry_factory: Callable[[], ToolRegistry] | None = None,
    options: AgentOptions | None = None,
) -> ReplayReport:
    """Replay `turns` through the real orchestrator and compare them with the recording."""
    if registry_factory is None:
        from solcoder.tools.toolkits import default_registry

        registry_factory = default_registry
    report = ReplayReport(source=source)
    orchestrator = Orchestrator(ScriptedProvider(), registry_factory(), options)
    history: list[Message] = []
    for turn in turns:
        recorded = _steps(turn.messages)
        provider = ScriptedProvider(
            [_scripted(reply, results) for reply, results in recorded], responder=_exhausted
        )
        orchestrator.provider = provider
        start = len(history)
        failure: BaseException | None = None
        try:
            if turn.prompt is not None:
                stream = orchestrator.run_turn(history, turn.prompt)
            else:
                stream = orchestrator.continue_turn(history)
            async for _event in stream:
                pass
        except ReplayExhaustedError as error:
            failure = error
        except SolcoderError as error:  # raised by the code under test, never by the script
            failure = error
        new = history[start + (1 if turn.prompt is not None else 0) :]
        replayed = _steps(new)
        report.turns += 1
        report.steps += len(replayed)
        report.tool_calls += sum(len(reply.tool_calls) for reply, _ in replayed)
        report.differences += _compare_turn(turn, recorded, replayed, failure)
        # The next turn continues from the recorded conversation, so one difference does not
        # cascade into every later turn.
        del history[start:]
        if turn.prompt is not None:
            history.append(Message.user(turn.prompt))
        history.extend(turn.messages)
    return report


def replay_file(
    path: Path,
    *,
    registry_factory: Callable[[], ToolRegistry] | None = None,
    options: AgentOptions | None = None,
) -> ReplayReport:
    """Load and replay one transcript file (runs its own event loop)."""
    import asyncio

    turns, warnings = load_turns(path)
    report = asyncio.run(
        replay_turns(turns, source=str(path), registry_factory=registry_factory, options=options)
    )
    report.warnings[:0] = warnings
    return report


# --- comparing --------------------------------------------------------------------------------


def _compare_turn(
    turn: RecordedTurn,
    recorded: list[tuple[Message, Message | None]],
    replayed: list[tuple[Message, Message | None]],
    failure: BaseException | None,
) -> list[Difference]:
    number = turn.number
    differences: list[Difference] = []
    if failure is not None and not (
        isinstance(failure, ReplayExhaustedError) and turn.outcome not in ("", "done")
    ):
        # An interrupted recording ends early on purpose; anything else is a real change.
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
        return json.loads(raw)
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
        old, new = json.loads(recorded), json.loads(replayed)
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
