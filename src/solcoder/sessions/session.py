"""`Session`: one conversation on disk, appended record by record, fsynced at turn ends."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solcoder.errors import StorageError
from solcoder.fsutil import atomic_write, fsync_directory
from solcoder.llm.messages import Message
from solcoder.llm.serialize import message_to_dict
from solcoder.redact import Redactor
from solcoder.redact_stream import settle
from solcoder.sessions.rebuild import rebuild_messages
from solcoder.sessions.transcript import (
    RECORD_TYPES,
    RECORD_VERSION,
    TRANSCRIPT_NAME,
    Loaded,
    encode_record,
    read_transcript,
    timestamp,
)

PARTIAL_INTERVAL = 1.0
"""Seconds between partial-reply records: a crash loses at most this much streamed text."""
EVENT_SYNC_INTERVAL = 1.0


def try_lock(descriptor: int) -> bool:
    """Take the session's exclusive lock without waiting; False if another holder has it."""
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class Session:
    """One conversation on disk. Writable sessions hold an exclusive lock until `close`."""

    def __init__(
        self,
        session_id: str,
        directory: Path,
        *,
        redactor: Redactor,
        writable: bool,
        clock: Any = time.monotonic,
    ) -> None:
        self.id = session_id
        self.directory = directory
        self.path = directory / TRANSCRIPT_NAME
        self.warnings: list[str] = []
        """What the user should be told: torn or damaged lines, anything skipped."""
        self.notes: list[str] = []
        self.fresh = False
        """Created by this process (`SessionStore.create`): discarded at exit without a turn."""
        """Repairs that lost nothing (restored partial replies, answered killed turns)."""
        self.provider = ""
        self.model = ""
        self.turn_count = 0
        """Prompts in this session: a turn starts with the user's message, so one killed before
        its end (no `turn_end` record) still counts, and the next turn's number is new."""
        self.spent: list[tuple[str, str, dict[str, int]]] = []
        """(provider, model, usage) of every turn that ended, in order: what a resumed
        session's budget starts from (`middleware.budget.seed_from_session`)."""
        self._redactor = redactor
        self._clock = clock
        self._descriptor: int | None = None
        self._partial_pending: str | None = None
        self._partial_written = ""
        self._last_partial = float("-inf")
        self._last_sync = clock()
        self._unsynced = False
        self._loaded: list[Message] | None = None
        if writable:
            self._open_for_append()
        # Read only after taking the lock: no other writer can be mid-line now.
        loaded = read_transcript(self.path)
        if writable and loaded.torn:
            self._set_aside(loaded)
        self.warnings.extend(loaded.warnings)
        for record in loaded.records:
            self._observe(record)
        # Rebuilt once, here, so what the rebuild had to skip is in `warnings` before anyone
        # prints them; `messages()` serves it while nothing was appended.
        self._loaded = rebuild_messages(
            loaded.records, self.warnings, locations=loaded.locations, notes=self.notes
        )

    # -- file handling -------------------------------------------------------------------

    def _open_for_append(self) -> None:
        created = not self.path.exists()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        # The mode is given at creation (umask can only remove bits), never chmod-ed later.
        try:
            descriptor = os.open(self.path, flags, 0o600)
        except OSError as error:
            raise StorageError(
                f"Cannot open {self.path} for writing: {error.strerror or error}."
            ) from None
        if not try_lock(descriptor):
            os.close(descriptor)
            raise StorageError(
                f"Session {self.id} is open in another SolCoder process.",
                hint="Close it there, or start a new session with --new-session.",
            )
        self._descriptor = descriptor
        if created:
            fsync_directory(self.directory)  # the new file's name must survive a power cut

    def _set_aside(self, loaded: Loaded) -> None:
        """Move a torn last line into its own file and cut it off the transcript."""
        assert self._descriptor is not None
        aside = self.path.with_name(f"{TRANSCRIPT_NAME}.torn-{time.time_ns() // 1_000_000}")
        atomic_write(aside, loaded.torn, mode=0o600)
        os.truncate(self.path, loaded.good_length)
        os.fsync(self._descriptor)
        self.warnings.append(f"The cut-off line was moved to {aside}.")

    def close(self) -> None:
        if self._descriptor is not None:
            self._sync()
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _sync(self) -> None:
        if self._descriptor is not None and self._unsynced:
            try:
                os.fsync(self._descriptor)
            except OSError as error:
                raise StorageError(f"Cannot save {self.path}: {error.strerror or error}.") from None
            self._unsynced = False
            self._last_sync = self._clock()

    # -- reading -------------------------------------------------------------------------

    def _observe(self, record: Mapping[str, Any]) -> None:
        kind = record.get("type")
        if kind == "meta":
            self.provider = str(record.get("provider") or self.provider)
            self.model = str(record.get("model") or self.model)
        elif kind == "message":
            message = record.get("message")
            if isinstance(message, Mapping) and message.get("role") == "user":
                self.turn_count += 1
        elif kind == "turn_end":
            usage = record.get("usage")
            if isinstance(usage, Mapping):
                counts = {
                    str(key): value
                    for key, value in usage.items()
                    if isinstance(value, int) and not isinstance(value, bool) and value >= 0
                }
                self.spent.append((self.provider, self.model, counts))

    @property
    def _turn(self) -> int:
        """The number of the turn in progress (records after its prompt carry it)."""
        return max(self.turn_count, 1)

    def messages(self) -> list[Message]:
        """The conversation rebuilt from the transcript on disk (its warnings are in
        `warnings`, reported once)."""
        if self._loaded is not None:
            return list(self._loaded)
        loaded = read_transcript(self.path)
        return rebuild_messages(loaded.records, [], locations=loaded.locations, notes=[])

    # -- writing -------------------------------------------------------------------------

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one record (redacted) as one line; fsync unless it is a routine event."""
        if self._descriptor is None:
            raise StorageError(f"Session {self.id} is read-only here.")
        kind = record.get("type")
        if kind not in RECORD_TYPES:
            raise ValueError(f"unknown transcript record type {kind!r}")
        full = {**record, "v": RECORD_VERSION, "type": kind, "ts": timestamp()}
        ordered = {"v": full.pop("v"), "type": full.pop("type"), **full}
        line = encode_record(self._redactor.redact_data(ordered))
        self._write_line(line)
        self._loaded = None
        self._observe(ordered)
        if kind != "event" or self._clock() - self._last_sync >= EVENT_SYNC_INTERVAL:
            self._sync()

    def _write_line(self, line: bytes) -> None:
        assert self._descriptor is not None
        size_before = os.fstat(self._descriptor).st_size
        view = memoryview(line)
        try:
            while view:
                view = view[os.write(self._descriptor, view) :]
        except OSError as error:
            # A half-written line (disk full) would swallow the next record: cut it off.
            with contextlib.suppress(OSError):
                os.ftruncate(self._descriptor, size_before)
            raise StorageError(
                f"Cannot write to {self.path}: {error.strerror or error}.",
                hint="Free some disk space; the conversation so far is saved.",
            ) from None
        self._unsynced = True

    def set_model(self, provider: str, model: str) -> None:
        """Record the provider and model in use (`--session ID` resumes them)."""
        self.append({"type": "meta", "session": self.id, "provider": provider, "model": model})

    def append_message(self, message: Message) -> None:
        if message.role == "assistant":
            self._partial_pending = None
            self._partial_written = ""
        turn = self.turn_count + 1 if message.role == "user" else self._turn
        self.append({"type": "message", "turn": turn, "message": message_to_dict(message)})

    def partial(self, text_so_far: str) -> None:
        """Note the assistant text streamed so far; written at most once per second."""
        if text_so_far == self._partial_written:
            return
        self._partial_pending = text_so_far
        if self._clock() - self._last_partial >= PARTIAL_INTERVAL:
            self.flush_partial()

    def flush_partial(self) -> None:
        """Write the newest partial text now (before an error record, at turn end)."""
        pending = self._partial_pending
        if pending is None or pending == self._partial_written:
            return
        # Written mid-stream: the text may end inside a key, which no redactor recognises.
        shown = settle(pending, self._redactor)
        self.append({"type": "partial", "turn": self._turn, "text": shown})
        self._partial_written = pending
        self._partial_pending = None
        self._last_partial = self._clock()

    def end_turn(self, **details: Any) -> None:
        """Close the current turn (usage, stop reason, ...): always fsynced."""
        self.flush_partial()
        self._partial_written = ""
        self.append({**details, "type": "turn_end", "turn": self._turn})

    def record_error(self, error: BaseException) -> None:
        self.flush_partial()
        self.append(
            {
                "type": "error",
                "class": getattr(error, "kind", type(error).__name__),
                "message": str(error),
                "exit_code": getattr(error, "exit_code", 1),
            }
        )

    def record_fallback(self, from_provider: str, to_provider: str, reason: str) -> None:
        self.append(
            {"type": "fallback", "from": from_provider, "to": to_provider, "reason": reason}
        )

    def record_event(self, name: str, /, **data: Any) -> None:
        """A routine event (tool started, retry, ...); fsynced at most once a second."""
        self.append({"type": "event", "name": name, "data": data})
