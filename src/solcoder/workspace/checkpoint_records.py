"""What a checkpoint remembers, and the strict reading of its manifests.

A turn's manifest is the only thing that tells undo what a file looked like before SolCoder
touched it, so it is read strictly: anything malformed is reported as a `CheckpointError` naming
the file, never guessed around or reset (a guessed "before" would destroy the user's work on
undo). Paths are checked here too, as text, before any of them reaches the filesystem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from solcoder.errors import CheckpointError

MANIFEST_VERSION = 1
SHA256 = re.compile(r"[0-9a-f]{64}")

UndoAction = Literal["restored", "removed", "recreated"]
"""What undo did to a path: original bytes written back, a created file deleted, a deleted
file brought back."""


@dataclass(frozen=True, slots=True)
class FileState:
    """One path at one moment: absent, or a regular file with these bytes (sha256) and mode."""

    path: str
    existed: bool
    sha256: str | None
    mode: int | None

    def same_as(self, other: FileState | None) -> bool:
        """Equal on disk (same existence, bytes and permission bits)."""
        return other is not None and (self.existed, self.sha256, self.mode) == (
            other.existed,
            other.sha256,
            other.mode,
        )


@dataclass(frozen=True, slots=True)
class PathChange:
    """One path in one turn: as found before the turn's first change, and as SolCoder left it
    (`after` is None when the tool never reported back, e.g. it crashed mid-write)."""

    path: str
    before: FileState
    after: FileState | None
    created_dirs: tuple[str, ...] = ()
    """Parent directories that did not exist before (removed on undo if empty)."""

    @property
    def action(self) -> UndoAction:
        if not self.before.existed:
            return "removed"
        if self.after is not None and not self.after.existed:
            return "recreated"
        return "restored"


@dataclass(frozen=True, slots=True)
class KnownBefore:
    """A path's "before" supplied by the caller (from a snapshot taken before a command ran)
    instead of read from disk: its bytes and permission bits, or None/None if it was absent."""

    path: str
    data: bytes | None
    mode: int | None
    created_dirs: tuple[str, ...] = ()
    """Parent directories the command created for it (removed on undo if empty)."""


@dataclass(frozen=True, slots=True)
class TurnChanges:
    """Everything one turn changed, in the order the paths were first touched."""

    turn: int
    started: datetime
    changes: tuple[PathChange, ...] = ()
    undone: bool = False

    def change_for(self, path: str) -> PathChange | None:
        return next((change for change in self.changes if change.path == path), None)


@dataclass(frozen=True, slots=True)
class UndoResult:
    turn: int
    restored: tuple[tuple[str, UndoAction], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class SessionChange:
    """For /diff: a path as it was before the session's first change, and as it is now
    (bytes None = absent)."""

    path: str
    original: bytes | None
    current: bytes | None
    original_mode: int | None
    current_mode: int | None


def check_relative(relative: str) -> tuple[str, ...]:
    """The parts of a recorded path; CheckpointError unless it is a plain relative POSIX path
    (no `..`, no `.`, no empty part, nothing inside `.git`)."""
    if not isinstance(relative, str) or not relative or "\x00" in relative:
        raise CheckpointError(f"{relative!r} is not a file path inside the workspace.")
    parts = tuple(relative.split("/"))
    if relative.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise CheckpointError(
            f"`{relative}` is not a plain relative path inside the workspace; refusing it."
        )
    if any(part.casefold() == ".git" for part in parts):
        raise CheckpointError(f"`{relative}` is inside `.git`; SolCoder never changes it.")
    return parts


# Manifests ---------------------------------------------------------------------------------


def encode_turn(turn: TurnChanges) -> bytes:
    document = {
        "version": MANIFEST_VERSION,
        "turn": turn.turn,
        "started": turn.started.isoformat(),
        "undone": turn.undone,
        "changes": [
            {
                "path": change.path,
                "before": _encode_state(change.before),
                "after": None if change.after is None else _encode_state(change.after),
                "created_dirs": list(change.created_dirs),
            }
            for change in turn.changes
        ],
    }
    # No indent: only the C encoder is fast, and it only runs without one.
    return (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")


def _encode_state(state: FileState) -> dict[str, Any]:
    return {"existed": state.existed, "sha256": state.sha256, "mode": state.mode}


def decode_turn(raw: bytes, source: Path, hint: str) -> TurnChanges:
    """The manifest in `raw` (read from `source`); CheckpointError naming `source` if it is
    not exactly what `encode_turn` writes."""

    def corrupt(what: str) -> CheckpointError:
        return CheckpointError(f"The checkpoint record {source} is corrupt: {what}.", hint=hint)

    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise corrupt(f"not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise corrupt("not a JSON object")
    if document.get("version") != MANIFEST_VERSION:
        raise corrupt(f"unknown version {document.get('version')!r}")
    turn = document.get("turn")
    if not isinstance(turn, int) or isinstance(turn, bool) or turn < 0:
        raise corrupt("`turn` is not a turn number")
    try:
        started = datetime.fromisoformat(str(document.get("started")))
    except ValueError:
        raise corrupt("`started` is not a time") from None
    undone = document.get("undone")
    entries = document.get("changes")
    if not isinstance(undone, bool) or not isinstance(entries, list):
        raise corrupt("`undone` or `changes` is missing")
    changes: list[PathChange] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise corrupt("a change without a path")
        path: str = entry["path"]
        dirs = entry.get("created_dirs")
        if not isinstance(dirs, list) or not all(isinstance(item, str) for item in dirs):
            raise corrupt(f"`created_dirs` of `{path}` is not a list of paths")
        try:
            for name in (path, *dirs):
                check_relative(name)
            before = _decode_state(path, entry.get("before"))
            after = None if entry.get("after") is None else _decode_state(path, entry["after"])
        except CheckpointError as error:
            raise corrupt(error.message.rstrip(".")) from None
        if any(change.path == path for change in changes):
            raise corrupt(f"`{path}` is listed twice")
        changes.append(PathChange(path, before, after, tuple(dirs)))
    return TurnChanges(turn, started, tuple(changes), undone)


def encode_afters(turn: TurnChanges) -> bytes:
    """The side record of what SolCoder left on disk: only for noticing the user's later
    edits, so it may be lost in a crash (undo then asks instead of trusting)."""
    afters = {c.path: _encode_state(c.after) for c in turn.changes if c.after is not None}
    document = {"version": MANIFEST_VERSION, "turn": turn.turn, "after": afters}
    return (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")


def decode_afters(raw: bytes, turn: int) -> dict[str, FileState]:
    """The side record's states; empty when it is damaged (a crash before it reached disk)."""
    try:
        document = json.loads(raw.decode("utf-8"))
        if document["version"] != MANIFEST_VERSION or document["turn"] != turn:
            return {}
        found: dict[str, FileState] = {}
        for path, value in document["after"].items():
            check_relative(path)
            found[path] = _decode_state(path, value)
    except (ValueError, LookupError, TypeError, AttributeError, CheckpointError):
        return {}  # UnicodeDecodeError and JSONDecodeError are ValueErrors
    return found


def _decode_state(path: str, value: object) -> FileState:
    if not isinstance(value, dict):
        raise CheckpointError(f"the state of `{path}` is not an object")
    existed, digest, mode = value.get("existed"), value.get("sha256"), value.get("mode")
    if existed is False and digest is None and mode is None:
        return FileState(path, False, None, None)
    if (
        existed is True
        and isinstance(digest, str)
        and SHA256.fullmatch(digest)
        and isinstance(mode, int)
        and not isinstance(mode, bool)
        and 0 <= mode <= 0o7777
    ):
        return FileState(path, True, digest, mode)
    raise CheckpointError(f"the state of `{path}` is malformed")


def encode_meta(root: Path) -> bytes:
    return (json.dumps({"version": MANIFEST_VERSION, "root": str(root)}) + "\n").encode("utf-8")


def decode_meta(raw: bytes, source: Path, hint: str) -> Path:
    """The workspace root recorded in a store's metadata."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        document = None
    root = document.get("root") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("version") != MANIFEST_VERSION
        or not isinstance(root, str)
        or not Path(root).is_absolute()
    ):
        raise CheckpointError(
            f"The checkpoint store's metadata {source} is corrupt or of an unknown version.",
            hint=hint,
        )
    return Path(root)
