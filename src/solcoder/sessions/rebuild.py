"""Rebuilding the conversation a transcript describes, in a shape every provider accepts.

Split from `transcript` (the record format: encoding, reading, listing) because the repair
rules live here on their own: interrupted replies restored, open tool calls answered,
duplicate call ids renamed, roles made to alternate, `/clear` and compaction replayed.
Used by `Session` when it resumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from solcoder.llm.messages import Message, Part, Text, ToolCall, ToolResult, unique_call_id
from solcoder.llm.serialize import message_from_dict

INTERRUPTED_TOOL_RESULT = "Interrupted: SolCoder stopped before this tool call finished."
NO_REPLY = "[No reply: SolCoder stopped before answering this message.]"
"""Stands in for the reply of a prompt whose turn was killed before any text streamed, so a
resumed history alternates user and assistant as every provider requires."""
LOST_PROMPT = "[A message here could not be restored from the transcript.]"
"""Stands in for a user message whose line was damaged, between two replies."""


def _interrupted_reply(text: str, notes: list[str]) -> Message:
    notes.append(f"A reply was interrupted; its first {len(text)} characters were restored.")
    return Message.assistant(text)


def _answer_open_tool_calls(
    messages: list[Message], warnings: list[str], notes: list[str]
) -> list[Message]:
    """Make the rebuilt history a valid request, whatever lines were damaged or skipped:
    it starts with a user message, every tool result answers a call of the assistant message
    just before it, and every tool call gets a result (an "interrupted" error if none)."""
    first_user = next((i for i, m in enumerate(messages) if m.role == "user"), len(messages))
    if first_user:
        warnings.append(f"{first_user} message(s) before the first user message were skipped.")
    repaired: list[Message] = []
    open_calls: dict[str, ToolCall] = {}
    renamed: dict[str, list[str]] = {}
    for original in messages[first_user:]:
        message = original
        if message.role == "tool":
            message = _renamed_results(message, renamed)
            kept = tuple(r for r in message.tool_results if open_calls.pop(r.call_id, None))
            if len(kept) < len(message.tool_results):
                warnings.append("A tool result whose call was lost was skipped.")
            if kept:
                repaired.append(Message("tool", kept))
            continue
        _close_open_calls(repaired, open_calls, notes)
        if message.role == "assistant":
            message, renamed = _unique_calls(message)
            open_calls = {call.id: call for call in message.tool_calls}
        repaired.append(message)
    _close_open_calls(repaired, open_calls, notes)
    return repaired


def _unique_calls(message: Message) -> tuple[Message, dict[str, list[str]]]:
    """`message` with calls sharing an id renamed the way the assembler renames them on
    receipt (`id_2`, ...), and for each shared id the ids its results take, in order. Sessions
    written before duplicates were renamed on receipt hold such replies."""
    taken: set[str] = set()
    ids: dict[str, list[str]] = {}
    parts: list[Part] = []
    for part in message.parts:
        if isinstance(part, ToolCall):
            call_id = unique_call_id(part.id, taken)
            taken.add(call_id)
            ids.setdefault(part.id, []).append(call_id)
            if call_id != part.id:
                parts.append(ToolCall(call_id, part.name, part.arguments, part.meta))
                continue
        parts.append(part)
    renamed = {original: new for original, new in ids.items() if len(new) > 1}
    if not renamed:
        return message, {}
    return Message(message.role, tuple(parts)), renamed


def _renamed_results(message: Message, renamed: dict[str, list[str]]) -> Message:
    """Results for a shared id answer its calls in order: the first the call that kept the
    id, the next `id_2`, and so on (`renamed` is consumed)."""
    if not renamed:
        return message
    parts: list[Part] = []
    for part in message.parts:
        if isinstance(part, ToolResult) and renamed.get(part.call_id):
            new_id = renamed[part.call_id].pop(0)
            parts.append(ToolResult(new_id, part.content, part.is_error, part.name))
        else:
            parts.append(part)
    return Message(message.role, tuple(parts))


def _close_open_calls(
    repaired: list[Message], open_calls: dict[str, ToolCall], notes: list[str]
) -> None:
    if not open_calls:
        return
    notes.append(f"{len(open_calls)} tool call(s) had no result; marked as interrupted.")
    repaired.append(
        Message(
            "tool",
            tuple(
                ToolResult(call.id, INTERRUPTED_TOOL_RESULT, is_error=True, name=call.name)
                for call in open_calls.values()
            ),
        )
    )
    open_calls.clear()


class _Alternation:
    """Appends rebuilt messages so that roles alternate the way providers require.

    A prompt killed before any reply (`-p` SIGKILLed, a crash) leaves a user message with
    nothing after it; fifty such turns would send fifty user messages in a row. Each one gets
    a `NO_REPLY` stand-in reply, also at the end (the next prompt follows it). A damaged user
    line between two replies gets a `LOST_PROMPT` stand-in. Each kind is counted for one note.
    """

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        self.unanswered = 0
        self.lost_prompts = 0

    def append(self, message: Message) -> None:
        last = self.messages[-1] if self.messages else None
        if last is not None and last.role == "user" and message.role == "user":
            self.answer_orphan()
        elif last is not None and last.role == message.role == "assistant" and not last.tool_calls:
            self.lost_prompts += 1
            self.messages.append(Message("user", (Text(LOST_PROMPT),)))
        self.messages.append(message)

    def answer_orphan(self) -> None:
        """The last message is a prompt nothing answered: give it the stand-in reply."""
        if self.messages and self.messages[-1].role == "user":
            self.unanswered += 1
            self.messages.append(Message("assistant", (Text(NO_REPLY),)))

    def settle(self, repaired: list[Message]) -> list[Message]:
        """Alternate `repaired` too (dropping a lost call's result can bring two replies
        together) and answer a last prompt, so the next one can follow."""
        self.messages = []
        for message in repaired:
            self.append(message)
        self.answer_orphan()
        return self.messages

    def report(self, notes: list[str]) -> None:
        if self.unanswered:
            notes.append(
                f"{self.unanswered} prompt(s) had no reply (SolCoder stopped before answering); "
                "each is marked as unanswered in the resumed conversation."
            )
        if self.lost_prompts:
            notes.append(
                f"{self.lost_prompts} reply(ies) had lost their prompt (a damaged line); a "
                "placeholder stands in for it."
            )


def rebuild_messages(
    records: list[dict[str, Any]],
    warnings: list[str],
    *,
    locations: Sequence[str] | None = None,
    notes: list[str] | None = None,
) -> list[Message]:
    """The conversation a transcript describes, including an interrupted last reply, in a
    shape every provider accepts.

    `warnings` gets one line per thing that had to be skipped (a damaged message, named by
    its `path:line` from `locations`; a result whose call was lost); `notes` (default: the
    warnings too) what was repaired without losing anything: restored partial replies, calls
    answered as interrupted, stand-ins for killed turns. A resumed session reports the first
    kind each time; the second would only repeat itself at every resume."""
    notes = warnings if notes is None else notes
    messages: list[Message] = []
    history = _Alternation(messages)
    pending: str | None = None
    for position, record in enumerate(records):
        kind = record["type"]
        if kind == "partial":
            text = record.get("text")
            pending = text if isinstance(text, str) else pending
        elif kind == "message":
            try:
                message = message_from_dict(record.get("message", {}))
            except ValueError as error:
                where = (
                    f"{locations[position]}: " if locations and position < len(locations) else ""
                )
                warnings.append(f"{where}damaged message skipped ({error}).")
                continue
            if message.role == "assistant":
                pending = None  # the complete reply supersedes its partial records
            elif pending:
                history.append(_interrupted_reply(pending, notes))
                pending = None
            history.append(message)
        elif kind == "turn_end" and pending:
            history.append(_interrupted_reply(pending, notes))
            pending = None
        elif kind == "event" and record.get("name") == "history_truncated":
            # /clear or /retry dropped messages: a resumed session must not bring them back.
            data = record.get("data")
            keep = data.get("keep") if isinstance(data, Mapping) else None
            if isinstance(keep, int) and keep >= 0:
                if pending:
                    history.append(_interrupted_reply(pending, notes))
                    pending = None
                del messages[keep:]
        elif kind == "event" and record.get("name") == "compaction":
            pending = _apply_compaction(messages, record.get("data"), pending, notes, warnings)
    if pending:
        history.append(_interrupted_reply(pending, notes))
    # Stand-ins are placed while reading (above) so that a later `history_truncated` count,
    # taken on a resumed history that had them, cuts at the same place.
    settled = history.settle(_answer_open_tool_calls(messages, warnings, notes))
    history.report(notes)
    return settled


def _apply_compaction(
    messages: list[Message],
    data: object,
    pending: str | None,
    notes: list[str],
    warnings: list[str],
) -> str | None:
    """A compaction replaced all but the last `kept` messages (the first `replaced`) by its
    summary `messages`: the resumed session starts from the summary too. A damaged event is
    skipped (the session then resumes with the full history, which trimming still bounds)."""
    replaced = data.get("replaced") if isinstance(data, Mapping) else None
    raw = data.get("messages") if isinstance(data, Mapping) else None
    try:
        if not isinstance(replaced, int) or replaced < 0 or not isinstance(raw, list) or not raw:
            raise ValueError("no summary")
        summary = [message_from_dict(item) for item in raw]
    except ValueError as error:
        warnings.append(f"a damaged compaction record was skipped ({error}).")
        return pending
    if pending:
        messages.append(_interrupted_reply(pending, notes))
    kept = data.get("kept") if isinstance(data, Mapping) else None
    if isinstance(kept, int) and 0 <= kept <= len(messages):
        # Counted from the end: stand-ins placed for killed turns (older messages) then
        # do not move the cut.
        replaced = len(messages) - kept
    messages[:replaced] = summary
    return None
