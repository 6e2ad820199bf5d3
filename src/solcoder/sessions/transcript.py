"""The transcript format: encoding records, reading them back, rebuilding the conversation.

Pure functions over bytes and records, shared by `Session` (append, resume) and
`SessionStore` (list, show); see the package docstring for the layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from solcoder import jsonsafe
from solcoder.errors import StorageError
from solcoder.llm.messages import Message, ToolCall, ToolResult
from solcoder.llm.serialize import message_from_dict

TRANSCRIPT_NAME = "transcript.jsonl"
PIN_MARKER = "pinned"
RECORD_VERSION = 1
RECORD_TYPES = frozenset({"meta", "message", "partial", "event", "fallback", "error", "turn_end"})
TITLE_LENGTH = 60
SESSION_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{4}")
"""Session ids: local start time plus 4 random hex digits, e.g. 20261124-191530-ab12."""
INTERRUPTED_TOOL_RESULT = "Interrupted: SolCoder stopped before this tool call finished."


def timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def encode_record(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a broken tool output: escape them
        return (json.dumps(record, separators=(",", ":")) + "\n").encode("ascii")


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: str
    path: Path
    created: datetime
    updated: datetime
    provider: str
    model: str
    turns: int
    pinned: bool
    title: str


@dataclass(slots=True)
class Loaded:
    records: list[dict[str, Any]]
    warnings: list[str]
    good_length: int
    torn: bytes


def read_transcript(path: Path) -> Loaded:
    """Every complete, parseable record; a torn or damaged line becomes a warning."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Loaded([], [], 0, b"")
    except OSError as error:
        raise StorageError(f"Cannot read {path}: {error.strerror or error}.") from None
    end = data.rfind(b"\n") + 1
    records: list[dict[str, Any]] = []
    warnings: list[str] = []
    torn = data[end:]
    if torn:
        warnings.append(
            f"{path}: the last line was cut off ({len(torn)} bytes, probably a crash while "
            "writing); it was ignored."
        )
    for number, line in enumerate(data[:end].split(b"\n")[:-1], start=1):
        try:
            record = jsonsafe.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("type"), str):
                raise ValueError("not a record")
        except ValueError:
            warnings.append(f"{path}:{number}: damaged line skipped.")
            continue
        records.append(record)
    return Loaded(records, warnings, end, torn)


def _interrupted_reply(text: str, warnings: list[str]) -> Message:
    warnings.append(f"A reply was interrupted; its first {len(text)} characters were restored.")
    return Message.assistant(text)


def _answer_open_tool_calls(messages: list[Message], warnings: list[str]) -> list[Message]:
    """Make the rebuilt history a valid request, whatever lines were damaged or skipped:
    it starts with a user message, every tool result answers a call of the assistant message
    just before it, and every tool call gets a result (an "interrupted" error if none)."""
    first_user = next((i for i, m in enumerate(messages) if m.role == "user"), len(messages))
    if first_user:
        warnings.append(f"{first_user} message(s) before the first user message were skipped.")
    repaired: list[Message] = []
    open_calls: dict[str, ToolCall] = {}
    for message in messages[first_user:]:
        if message.role == "tool":
            kept = tuple(r for r in message.tool_results if open_calls.pop(r.call_id, None))
            if len(kept) < len(message.tool_results):
                warnings.append("A tool result whose call was lost was skipped.")
            if kept:
                repaired.append(Message("tool", kept))
            continue
        _close_open_calls(repaired, open_calls, warnings)
        repaired.append(message)
        if message.role == "assistant":
            open_calls = {call.id: call for call in message.tool_calls}
    _close_open_calls(repaired, open_calls, warnings)
    return repaired


def _close_open_calls(
    repaired: list[Message], open_calls: dict[str, ToolCall], warnings: list[str]
) -> None:
    if not open_calls:
        return
    warnings.append(f"{len(open_calls)} tool call(s) had no result; marked as interrupted.")
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


def rebuild_messages(records: list[dict[str, Any]], warnings: list[str]) -> list[Message]:
    """The conversation a transcript describes, including an interrupted last reply."""
    messages: list[Message] = []
    pending: str | None = None
    for record in records:
        kind = record["type"]
        if kind == "partial":
            text = record.get("text")
            pending = text if isinstance(text, str) else pending
        elif kind == "message":
            try:
                message = message_from_dict(record.get("message", {}))
            except ValueError as error:
                warnings.append(f"A damaged message was skipped ({error}).")
                continue
            if message.role == "assistant":
                pending = None  # the complete reply supersedes its partial records
            elif pending:
                messages.append(_interrupted_reply(pending, warnings))
                pending = None
            messages.append(message)
        elif kind == "turn_end" and pending:
            messages.append(_interrupted_reply(pending, warnings))
            pending = None
        elif kind == "event" and record.get("name") == "history_truncated":
            # /clear or /retry dropped messages: a resumed session must not bring them back.
            keep = (record.get("data") or {}).get("keep")
            if isinstance(keep, int) and keep >= 0:
                if pending:
                    messages.append(_interrupted_reply(pending, warnings))
                    pending = None
                del messages[keep:]
    if pending:
        messages.append(_interrupted_reply(pending, warnings))
    return _answer_open_tool_calls(messages, warnings)


_META_PREFIX = b'{"v":1,"type":"meta"'
_MESSAGE_PREFIX = b'{"v":1,"type":"message"'
_TURN_END_PREFIX = b'{"v":1,"type":"turn_end"'


def summarise(session_id: str, directory: Path) -> SessionInfo:
    """A session's summary, found by scanning line prefixes (no full parse of big turns)."""
    path = directory / TRANSCRIPT_NAME
    try:
        data = path.read_bytes()
        updated = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        data = b""
        updated = datetime.fromtimestamp(directory.stat().st_mtime, UTC)
    created: datetime | None = None
    provider = model = ""
    title: str | None = None
    turns = 0
    for line in data.split(b"\n"):
        if line.startswith(_TURN_END_PREFIX):
            turns += 1
        elif line.startswith(_META_PREFIX) or (title is None and line.startswith(_MESSAGE_PREFIX)):
            try:
                record = jsonsafe.loads(line)
            except ValueError:
                continue
            if record["type"] == "meta":
                created = created or _parse_timestamp(record.get("ts"))
                provider = str(record.get("provider") or provider)
                model = str(record.get("model") or model)
            else:
                title = _title(record.get("message"))
    return SessionInfo(
        id=session_id,
        path=path,
        created=created or updated,
        updated=updated,
        provider=provider,
        model=model,
        turns=turns,
        pinned=(directory / PIN_MARKER).exists(),
        title=title or "",
    )


def _title(message: object) -> str | None:
    """The first user prompt, shortened; None while no user message has been seen."""
    if not isinstance(message, dict) or message.get("role") != "user":
        return None
    try:
        text = " ".join(message_from_dict(message).text.split())
    except ValueError:
        return None
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"
