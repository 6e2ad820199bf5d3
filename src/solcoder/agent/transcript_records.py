"""What a conversation writes to its transcript besides messages: the event names and records.

Split from `agent/conversation.py` so that the transcript's vocabulary (each event's name, with
a docstring listing its fields) and the one place a turn's events become records sit together,
apart from the turn driving. A new record is named here and written in `record_event`
(docs/recipes.md, "A transcript record"); `sessions/transcript.py` reads those that change what
a resumed session sees.
"""

from __future__ import annotations

from typing import Any, Protocol

from solcoder.agent.events import (
    AgentEvent,
    ApprovalDecided,
    CommandFinished,
    Compacted,
    FileChanged,
    HookRan,
)
from solcoder.llm.events import Completed
from solcoder.llm.messages import Message
from solcoder.llm.serialize import message_to_dict


class TranscriptSink(Protocol):
    """Where the conversation is made durable (`solcoder.sessions.Session` fits)."""

    def append_message(self, message: Message) -> None: ...
    def partial(self, text_so_far: str) -> None: ...
    def end_turn(self, **details: Any) -> None: ...
    def record_error(self, error: BaseException) -> None: ...
    def record_fallback(self, from_provider: str, to_provider: str, reason: str) -> None: ...
    def record_event(self, name: str, /, **data: Any) -> None: ...


HISTORY_TRUNCATED = "history_truncated"
"""Transcript event: the history was cut to its first `keep` messages (/clear, /retry)."""
APPROVAL = "approval"
"""Transcript event: a tool call's approval (tool, call_id, decision, by, effect, origin);
rebuilding a session skips it like every routine event."""
COMPACTION = "compaction"
"""Transcript event: the first `replaced` messages became `messages` (the summary)."""
REPLY_CUT = "reply_cut"
"""Transcript event: the final reply stopped at the output token limit (`limit`, None when
the provider's own)."""
COMMAND = "command"
"""Transcript event: a command tool ran a command (command, exit_code, duration_ms, sandbox,
timed_out, stopped)."""
FILE_CHANGE = "file_change"
"""Transcript event: a tool call changed a file (call_id, path, change, diff, added, removed)."""
UNDO = "undo"
"""Transcript event: `/undo` or `solcoder undo` restored a turn's files (turn, files)."""
HOOK = "hook"
"""Transcript event: a hook ran or was skipped (event, hook, source, decision, reason, tool,
exit_code, duration_ms, timed_out; call_id for a tool event)."""


def record_event(
    transcript: TranscriptSink, event: AgentEvent, *, max_output_tokens: int | None
) -> None:
    """The transcript records of a turn's events: approvals, commands, file changes, hooks, a
    reply cut by the output limit (`max_output_tokens`, None when the provider's own);
    messages are saved by the conversation itself."""
    if isinstance(event, ApprovalDecided):
        transcript.record_event(APPROVAL, call_id=event.call.id, **event.details())
    elif isinstance(event, CommandFinished):
        transcript.record_event(COMMAND, call_id=event.call.id, **event.record.as_dict())
    elif isinstance(event, FileChanged):
        transcript.record_event(FILE_CHANGE, call_id=event.call.id, **event.change.as_dict())
    elif isinstance(event, HookRan):
        call_id = event.call.id if event.call is not None else None
        transcript.record_event(HOOK, call_id=call_id, **event.report.details())
    elif (
        isinstance(event, Completed)
        and event.stop_reason == "max_tokens"
        and not event.message.tool_calls
    ):
        transcript.record_event(REPLY_CUT, limit=max_output_tokens)


def record_compaction(transcript: TranscriptSink, event: Compacted, *, kept: int) -> None:
    """What the summary replaced (the first `event.replaced` messages; `kept` after them), so
    a resumed session (and `solcoder replay`) continues from the summary."""
    transcript.record_event(
        COMPACTION,
        replaced=event.replaced,
        kept=kept,
        messages=[message_to_dict(message) for message in event.messages],
        summary=event.summary,
        before_tokens=event.before_tokens,
        after_tokens=event.after_tokens,
        pieces=event.pieces,
        trigger=event.trigger,
    )
