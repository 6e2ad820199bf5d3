"""`JsonLinesWriter`: a turn as JSON Lines for scripts (`solcoder -p --json`), the sink beside
`render.StreamRenderer`; both take the orchestrator's one `AgentEvent` stream, so the text and
JSON views cannot drift apart. Every string goes through the redactor, as on the screen.
"""

from __future__ import annotations

import json
from typing import Any, TextIO, assert_never

from solcoder import jsonsafe
from solcoder.agent.events import (
    AgentEvent,
    ApprovalDecided,
    ApprovalRequested,
    CommandFinished,
    Compacted,
    CompactionStarted,
    FileChanged,
    HookRan,
    Notice,
    StepStarted,
    ToolOutputChunk,
    ToolRunFinished,
    ToolRunStarted,
    TurnFinished,
)
from solcoder.errors import SolcoderError
from solcoder.llm.events import Completed, TextDelta, ThinkingDelta, ToolCallDelta, ToolCallStart
from solcoder.redact import default_redactor, redact
from solcoder.redact_stream import StreamRedactor

__all__ = ["JsonLinesWriter", "error_record"]

_encode = json.JSONEncoder(separators=(",", ":")).encode
"""`json.dumps(record, separators=(",", ":"))` without building an encoder per event."""


class JsonLinesWriter:
    """`--json`: one JSON object per event and line, flushed at once (DESIGN.md section 4).

    Types and fields from the contract are never renamed; extra fields and types (`notice`,
    `step_started`, `turn_finished`, `duration_ms`, `hint`) are additions. Argument streaming
    (`ToolCallStart`/`ToolCallDelta`) is not emitted: `tool_call` carries the whole call.
    Everything goes through the redactor, like the screen; streamed text through a
    `StreamRedactor` per stream, so a delta may carry the few characters the one before held
    back (the concatenated text is the whole reply, masked), and any other event first emits
    what was held.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._streams = {"text_delta": StreamRedactor(), "thinking_delta": StreamRedactor()}

    def _emit(self, record: dict[str, Any]) -> None:
        self.stream.write(_encode(record) + "\n")
        self.stream.flush()

    def _flush_streams(self) -> None:
        for kind, redactor in self._streams.items():
            rest = redactor.flush()
            if rest:
                self._emit({"type": kind, "text": rest})

    def handle(self, event: AgentEvent) -> None:
        if isinstance(event, TextDelta | ThinkingDelta):
            kind, other = (
                ("text_delta", "thinking_delta")
                if isinstance(event, TextDelta)
                else ("thinking_delta", "text_delta")
            )
            held = self._streams[other].flush()  # the other block ended: its rest comes first
            if held:
                self._emit({"type": other, "text": held})
            shown = self._streams[kind].feed(event.text)
            if shown:
                self._emit({"type": kind, "text": shown})
            return
        self._flush_streams()
        record = self.record(event)
        if record is not None:
            self._emit(record)

    def emit_record(self, record: dict[str, Any]) -> None:
        """An event from outside the turn's stream (a `retry`, a `rate_limit` from the
        transport), redacted, after any text held back."""
        self._flush_streams()
        self._emit(default_redactor().redact_data(record))

    def error(self, error: SolcoderError) -> None:
        self._flush_streams()
        self._emit(error_record(error))

    def close(self) -> None:
        self._flush_streams()
        self.stream.flush()

    @staticmethod
    def record(event: AgentEvent) -> dict[str, Any] | None:
        """The JSON object for one event (redacted), or None for events not shown in JSON.
        Streamed text is redacted as a whole delta here; `handle` redacts across deltas."""
        match event:
            case TextDelta():
                return {"type": "text_delta", "text": redact(event.text)}
            case ThinkingDelta():
                return {"type": "thinking_delta", "text": redact(event.text)}
            case ToolRunStarted():
                return _tool_call(event)
            case ToolRunFinished():
                return {
                    "type": "tool_result",
                    "id": event.call.id,
                    "name": redact(event.call.name),
                    "ok": event.ok,
                    "content": redact(event.content),
                    "duration_ms": round(event.duration_s * 1000, 1),
                }
            case Completed():
                return {
                    "type": "completed",
                    "stop_reason": event.stop_reason,
                    "usage": event.usage.as_dict(),
                    "usage_estimated": event.extra.get("usage_estimated") is True,
                    "response_id": event.response_id,
                    "model": event.model,
                }
            case Notice():
                return {"type": "notice", "text": redact(event.text), "level": event.level}
            case CompactionStarted():
                return {
                    "type": "compaction_started",
                    "before_tokens": event.before_tokens,
                    "trigger": event.trigger,
                }
            case Compacted():
                return {
                    "type": "compaction",
                    "before_tokens": event.before_tokens,
                    "after_tokens": event.after_tokens,
                    "replaced_messages": event.replaced,
                    "pieces": event.pieces,
                    "trigger": event.trigger,
                }
            case StepStarted():
                return {"type": "step_started", "step": event.step}
            case ApprovalDecided():
                details = {key: redact(value) for key, value in event.details().items()}
                return {"type": "approval", "id": event.call.id, **details}
            case CommandFinished():
                details = default_redactor().redact_data(event.record.as_dict())
                return {"type": "command", "id": event.call.id, **details}
            case ToolOutputChunk():
                return {"type": "command_output", "id": event.call.id, "text": redact(event.text)}
            case FileChanged():
                change = default_redactor().redact_data(event.change.as_dict())
                return {"type": "file_change", "id": event.call.id, **change}
            case HookRan():
                details = default_redactor().redact_data(event.report.details())
                call_id = event.call.id if event.call is not None else None
                return {"type": "hook", "id": call_id, **details}
            case TurnFinished():
                usage = event.usage.as_dict()
                return {"type": "turn_finished", "reason": event.reason, "usage": usage}
            case ToolCallStart() | ToolCallDelta() | ApprovalRequested():
                # `tool_call` carries the whole call once it runs; the question is the
                # approver's, its answer is `approval`.
                return None
            case _:
                assert_never(event)


def _tool_call(event: ToolRunStarted) -> dict[str, Any]:
    arguments = event.arguments
    if arguments is None:  # not validated (unknown tool, schema failure): as sent
        arguments = _parsed_arguments(event.call.arguments)
    record: dict[str, Any] = {
        "type": "tool_call",
        "id": event.call.id,
        "name": redact(event.call.name),
        "arguments": default_redactor().redact_data(arguments),
    }
    if arguments is None:
        record["arguments_raw"] = redact(event.call.arguments)
    return record


def _parsed_arguments(raw: str) -> Any:
    """A call's arguments as JSON whenever they parse (the contract: `tool_call.arguments`
    is the parsed object for every tool, known or not); None when they do not."""
    try:
        return jsonsafe.loads(raw, strict=False)
    except ValueError:
        return None


def error_record(error: SolcoderError) -> dict[str, Any]:
    """The `error` JSON object: `class` is the stable snake_case kind from errors.py."""
    return {
        "type": "error",
        "class": error.kind,
        "message": redact(error.display_message),
        "exit_code": error.exit_code,
        "hint": redact(error.hint) if error.hint else None,
    }
