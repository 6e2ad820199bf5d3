"""The transcript format: encoding records, reading them back, summarising a session.

Pure functions over bytes and records, shared by `Session` (append, resume) and
`SessionStore` (list, show); see the package docstring for the layout. Rebuilding the
conversation from the records is `rebuild`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from solcoder import jsonsafe
from solcoder.errors import StorageError
from solcoder.llm.serialize import message_from_dict
from solcoder.patterns import lazy_pattern
from solcoder.records import shared_methods

TRANSCRIPT_NAME = "transcript.jsonl"
PIN_MARKER = "pinned"
RECORD_VERSION = 1
RECORD_TYPES = frozenset({"meta", "message", "partial", "event", "fallback", "error", "turn_end"})
TITLE_LENGTH = 60
SESSION_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{4}")
"""Session ids: local start time plus 4 random hex digits, e.g. 20261124-191530-ab12."""


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


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SessionInfo:
    """One saved session as `solcoder sessions` lists it."""

    id: str
    path: Path
    created: datetime
    updated: datetime
    provider: str
    model: str
    turns: int
    pinned: bool
    title: str
    replies: int = 0
    """Model replies recorded (complete or interrupted): 0 for a session whose every turn
    failed before an answer (a 401, a refused key), which pruning keeps apart."""


@shared_methods
@dataclass(slots=True, eq=False, repr=False)
class Loaded:
    """A transcript as read: its good records, what was skipped, and a torn last line."""

    records: list[dict[str, Any]]
    warnings: list[str]
    good_length: int
    torn: bytes
    locations: list[str] = field(default_factory=list)
    """`path:line` of each record, for warnings about what it held."""


def read_transcript(path: Path) -> Loaded:
    """Every complete, parseable record; a torn or damaged line becomes a warning."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Loaded([], [], 0, b"", [])
    except OSError as error:
        raise StorageError(f"Cannot read {path}: {error.strerror or error}.") from None
    end = data.rfind(b"\n") + 1
    records: list[dict[str, Any]] = []
    locations: list[str] = []
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
        locations.append(f"{path}:{number}")
    return Loaded(records, warnings, end, torn, locations)


_META_PREFIX = b'{"v":1,"type":"meta"'
_MESSAGE_PREFIX = b'{"v":1,"type":"message"'
_PARTIAL_PREFIX = b'{"v":1,"type":"partial"'
_ROLE = lazy_pattern(rb'\{"v":1,"type":"message","turn":\d+,"message":\{"role":"(\w+)"')
"""How `Session.append` lays out a message line (see `_role`)."""


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
    turns = replies = 0
    for line in data.split(b"\n"):
        if line.startswith(_MESSAGE_PREFIX):
            role = _role(line)
            turns += role == "user"
            replies += role == "assistant"
        elif line.startswith(_PARTIAL_PREFIX):
            replies += 1
        if line.startswith(_META_PREFIX) or (title is None and line.startswith(_MESSAGE_PREFIX)):
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
        replies=replies,
    )


def _role(line: bytes) -> str | None:
    """Who wrote a message line: each user message starts a turn (also one killed before its
    `turn_end`), each assistant one is a reply.

    Read from the line's head as `Session.append` lays it out (no parse of a big reply);
    a line laid out otherwise (written by hand, an older writer) is parsed."""
    head = _ROLE().match(line)
    if head is not None:
        return head.group(1).decode("ascii", "replace")
    try:
        record = json.loads(line)
    except ValueError:
        return None
    message = record.get("message") if isinstance(record, dict) else None
    role = message.get("role") if isinstance(message, dict) else None
    return role if isinstance(role, str) else None


def _title(message: object) -> str | None:
    """The first user prompt, shortened; None while no user message has been seen."""
    if not isinstance(message, dict) or message.get("role") != "user":
        return None
    try:
        text = " ".join(message_from_dict(message).text.split())
    except ValueError:
        return None
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def file_change_lines(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per `file_change` and `undo` the transcript records, in order (turn first):
    what `sessions show` and `replay` say the session did to the workspace."""
    lines = []
    turn: object = "?"
    for record in records:
        if isinstance(record.get("turn"), int):
            turn = record["turn"]  # messages carry their turn; events follow them
        data = record.get("data")
        if record.get("type") != "event" or not isinstance(data, dict):
            continue
        if record.get("name") == "file_change":
            lines.append(
                f"turn {turn}: {data.get('change', '?')} {data.get('path', '?')} "
                f"(+{data.get('added', 0)} -{data.get('removed', 0)})"
            )
        elif record.get("name") == "undo":
            files = data.get("files")
            items = files if isinstance(files, list) else []
            names = [
                f"{item.get('path', '?')} ({item.get('action', '?')})"
                for item in items
                if isinstance(item, dict)
            ]
            lines.append(f"turn {turn}: undid turn {data.get('turn', '?')}: {', '.join(names)}")
    return lines
