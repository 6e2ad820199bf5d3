"""`SessionStore`: create, resume, list, pin and prune the sessions under SOLCODER_HOME."""

from __future__ import annotations

import builtins
import contextlib
import os
import time
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

from solcoder.errors import StorageError, UsageError
from solcoder.fsutil import ensure_private_dir, fsync_directory
from solcoder.redact import Redactor, default_redactor
from solcoder.sessions.session import Session, try_lock
from solcoder.sessions.transcript import (
    PIN_MARKER,
    SESSION_ID,
    TRANSCRIPT_NAME,
    SessionInfo,
    summarise,
)

EMPTY_GRACE = timedelta(minutes=10)
"""A session without a turn younger than this may be one another process is creating (the
directory exists before its transcript is locked); pruning leaves it alone."""


class SessionStore:
    """All sessions under `home/sessions`."""

    def __init__(self, home: Path, *, redactor: Redactor | None = None) -> None:
        self.home = home
        self.root = home / "sessions"
        self._redactor = redactor or default_redactor()

    def resolve(self, given: str) -> str:
        """The full id for what the user typed: an id, or what `solcoder logs` shows of one
        (`234208-0e4f#1`: the `#turn` is dropped), or any unique start or end of an id."""
        wanted = given.strip().split("#", 1)[0]
        # Ids are also path components: only our own format is accepted, never "../x".
        if SESSION_ID.fullmatch(wanted) and (self.root / wanted).is_dir():
            return wanted
        names = (
            sorted(
                entry.name
                for entry in self.root.iterdir()
                if SESSION_ID.fullmatch(entry.name) and entry.is_dir()
            )
            if wanted and self.root.is_dir()
            else []
        )
        matches = [name for name in names if name.startswith(wanted) or name.endswith(wanted)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
            raise UsageError(
                f"Session {given!r} is ambiguous: it matches {shown}.",
                hint="Give more of the id (`solcoder sessions list` shows them in full).",
            )
        raise UsageError(
            f"No session {given!r}.", hint="List sessions with `solcoder sessions list`."
        )

    def _directory(self, session_id: str) -> Path:
        return self.root / self.resolve(session_id)

    def create(self, provider: str, model: str) -> Session:
        """A new, empty session for `provider` and `model`, open for writing."""
        ensure_private_dir(self.home)
        ensure_private_dir(self.root)
        for _ in range(100):
            session_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(2).hex()}"
            directory = self.root / session_id
            try:
                directory.mkdir(mode=0o700)
            except FileExistsError:
                continue
            except OSError as error:
                raise StorageError(
                    f"Cannot create a session in {self.root}: {error.strerror or error}."
                ) from None
            fsync_directory(self.root)
            session = Session(session_id, directory, redactor=self._redactor, writable=True)
            session.fresh = True
            session.set_model(provider, model)
            return session
        raise StorageError(f"Cannot create a new session directory in {self.root}.")

    def open(self, session_id: str) -> Session:
        """Resume `session_id` for writing (a torn last line is set aside and reported)."""
        full = self.resolve(session_id)
        return Session(full, self.root / full, redactor=self._redactor, writable=True)

    def read(self, session_id: str) -> Session:
        """`session_id` for reading only (no lock, nothing repaired)."""
        full = self.resolve(session_id)
        return Session(full, self.root / full, redactor=self._redactor, writable=False)

    def info(self, session_id: str) -> SessionInfo:
        full = self.resolve(session_id)
        return summarise(full, self.root / full)

    def list(self) -> list[SessionInfo]:
        """Every session, most recently updated first."""
        if not self.root.is_dir():
            return []
        infos = [
            summarise(entry.name, entry)
            for entry in self.root.iterdir()
            if SESSION_ID.fullmatch(entry.name) and entry.is_dir()
        ]
        return sorted(infos, key=lambda info: (info.updated, info.id), reverse=True)

    def delete(self, session_id: str) -> None:
        directory = self._directory(session_id)
        if _in_use(directory):
            raise StorageError(
                f"Session {session_id} is open in a running SolCoder; close it first."
            )
        import shutil

        shutil.rmtree(directory)

    def pin(self, session_id: str) -> None:
        marker = self._directory(session_id) / PIN_MARKER
        os.close(os.open(marker, os.O_CREAT | os.O_WRONLY, 0o600))

    def unpin(self, session_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self._directory(session_id) / PIN_MARKER).unlink()

    def prune(self, keep: int = 20, *, exclude: Collection[str] = ()) -> builtins.list[str]:
        """Delete all but the `keep` newest unpinned sessions (0 keeps all); returns ids.

        Only sessions a model answered in count: sessions whose turns all failed before a
        reply (a 401, a refused key) are kept apart, the `keep` newest of them, so a run of
        failed launches never pushes a real conversation out. Sessions without a turn are
        removed (a launch killed before it could discard its own) once `EMPTY_GRACE` old.
        Pinned sessions, `exclude`d ones and sessions open in a running process survive.
        """
        if keep <= 0:
            return []
        unpinned = [info for info in self.list() if not info.pinned]
        answered = [info for info in unpinned if info.replies]
        unanswered = [info for info in unpinned if info.turns and not info.replies]
        stale = datetime.now(UTC) - EMPTY_GRACE
        empty = [info for info in unpinned if not info.turns and info.updated < stale]
        removed: builtins.list[str] = []
        for info in [*answered[keep:], *unanswered[keep:], *empty]:
            if info.id in exclude or _in_use(info.path.parent):
                continue
            import shutil  # only when there is something to delete

            shutil.rmtree(info.path.parent, ignore_errors=True)
            removed.append(info.id)
        return removed

    def discard_if_empty(self, session: Session) -> bool:
        """Close `session`; delete it if this process created it and it recorded no turn
        (the launch failed before its prompt: unknown provider, missing key). True if
        deleted. A resumed session is never deleted here."""
        session.close()
        if not session.fresh or session.turn_count:
            return False
        import shutil  # off the start-up path

        shutil.rmtree(session.directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            fsync_directory(self.root)
        return not session.directory.exists()


def _in_use(directory: Path) -> bool:
    try:
        descriptor = os.open(directory / TRANSCRIPT_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        return not try_lock(descriptor)
    finally:
        os.close(descriptor)
