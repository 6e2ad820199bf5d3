"""Replaying a transcript: recorded replies in, the real orchestrator and tools run again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solcoder.agent.orchestrator import AgentOptions, Orchestrator
from solcoder.errors import SolcoderError, UsageError
from solcoder.llm.events import StopReason
from solcoder.llm.messages import Message, Request, Thinking
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse, ScriptedToolCall
from solcoder.llm.serialize import message_from_dict
from solcoder.replay.compare import Difference, Step, compare_turn
from solcoder.replay.recorded_tools import add_recorded_tools
from solcoder.sessions.transcript import file_change_lines, read_transcript
from solcoder.tools.registry import ToolRegistry

DIFFERENCES_EXIT_CODE = 6
"""`solcoder replay` exits with this when the replay differs from the recording."""

_CUT_OFF_PREFIX = "Error: Your tool call was cut off by the output token limit"


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


@dataclass(slots=True)
class ReplayReport:
    """The outcome of replaying one transcript."""

    source: str
    turns: int = 0
    steps: int = 0
    tool_calls: int = 0
    differences: list[Difference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_changes: list[str] = field(default_factory=list)
    """What the session did to the workspace (from its records; replaying changes nothing)."""

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
            "file_changes": list(self.file_changes),
        }


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


def _steps(messages: Iterable[Message]) -> list[Step]:
    """(assistant reply, the tool message answering it or None) pairs, in order."""
    steps: list[Step] = []
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
    registry = registry_factory()
    # Workspace tools answer from the recording: a replay never reads or changes the project.
    add_recorded_tools(registry, (message for turn in turns for message in turn.messages))
    orchestrator = Orchestrator(ScriptedProvider(), registry, options)
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
        except SolcoderError as error:  # out of recorded replies, or the code under test
            failure = error
        new = history[start + (1 if turn.prompt is not None else 0) :]
        replayed = _steps(new)
        report.turns += 1
        report.steps += len(replayed)
        report.tool_calls += sum(len(reply.tool_calls) for reply, _ in replayed)
        # A turn that was cancelled, failed or never ended was recorded only as far as it
        # got, so running out of replies there is expected; anything else is a real change.
        expected = isinstance(failure, ReplayExhaustedError) and turn.outcome != "done"
        unexpected = None if failure is None or expected else str(failure)
        report.differences += compare_turn(turn.number, recorded, replayed, unexpected)
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
    report.file_changes = file_change_lines(read_transcript(path).records)
    return report
