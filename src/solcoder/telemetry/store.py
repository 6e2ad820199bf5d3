"""`$SOLCODER_HOME/telemetry.db`: one SQLite row per model call, private, versioned, never reset.

SQLite because `logs` and `stats` must stay fast at 100,000 calls (indexes, grouping and
percentiles in SQL) and several SolCoder processes may record at once (WAL mode lets readers
and one writer work together). The file is created 0600 before SQLite opens it, so it is never
readable by others, not even for an instant; the WAL and shared-memory files inherit its mode.

The schema version lives in `PRAGMA user_version` and `_MIGRATIONS` upgrades older files in
one transaction. A file from a newer SolCoder, or a corrupt one, is reported with what to do and
left as it is: telemetry is history the user may want, so it is never silently replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from solcoder.errors import StorageError
from solcoder.fsutil import PRIVATE_FILE_MODE, ensure_private_dir, tighten_file_mode
from solcoder.telemetry.record import CallRecord, read_rate_limits

DATABASE_NAME = "telemetry.db"
SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 2000
"""How long a write waits for another process's transaction before giving up."""


class TelemetryStoreError(StorageError):
    """The telemetry database cannot be used (newer schema, corrupt, unwritable)."""

    kind = "telemetry_store"


class TelemetryStoreLocked(TelemetryStoreError):
    """Another process holds the write lock past the busy timeout: worth trying again soon."""


def database_path(home: Path | str) -> Path:
    return Path(home) / DATABASE_NAME


_CREATE_VERSION_1 = """
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    turn INTEGER,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    wire_api TEXT,
    endpoint_host TEXT,
    response_id TEXT,
    response_model TEXT,
    request_id TEXT,
    outcome TEXT NOT NULL,
    failure_class TEXT,
    http_status INTEGER,
    attempts INTEGER NOT NULL DEFAULT 1,
    retries TEXT NOT NULL DEFAULT '[]',
    ttft_s REAL,
    latency_s REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens INTEGER,
    usage_estimated INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    ratelimit_remaining_requests INTEGER,
    ratelimit_remaining_tokens INTEGER,
    ratelimit_reset TEXT,
    rate_limit_headers TEXT,
    fallback INTEGER NOT NULL DEFAULT 0,
    stop_reason TEXT,
    prompt_text TEXT,
    reply_text TEXT
);
CREATE INDEX calls_started_at ON calls (started_at);
CREATE INDEX calls_provider_model ON calls (provider, model);
CREATE INDEX calls_session ON calls (session_id, id);
"""


def _migrate_to_1(connection: sqlite3.Connection) -> None:
    # One `execute` per statement: `executescript` would commit the migration transaction.
    for statement in _CREATE_VERSION_1.split(";"):
        if statement.strip():
            connection.execute(statement)


def _migrate_to_2(connection: sqlite3.Connection) -> None:
    """Version 2 prices each call without its prompt cache too (money saved by caching)."""
    connection.execute("ALTER TABLE calls ADD COLUMN cost_uncached_usd REAL")


def _migrate_to_3(connection: sqlite3.Connection) -> None:
    """Version 3 says why each call was made: a turn, or a compaction's summary."""
    connection.execute("ALTER TABLE calls ADD COLUMN purpose TEXT NOT NULL DEFAULT 'turn'")


_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
)
"""`_MIGRATIONS[n]` upgrades a file from version n to n + 1."""
assert len(_MIGRATIONS) == SCHEMA_VERSION

COLUMNS = (
    "started_at",
    "session_id",
    "turn",
    "provider",
    "model",
    "wire_api",
    "endpoint_host",
    "response_id",
    "response_model",
    "request_id",
    "outcome",
    "failure_class",
    "http_status",
    "attempts",
    "retries",
    "ttft_s",
    "latency_s",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "usage_estimated",
    "cost_usd",
    "ratelimit_remaining_requests",
    "ratelimit_remaining_tokens",
    "ratelimit_reset",
    "rate_limit_headers",
    "fallback",
    "stop_reason",
    "prompt_text",
    "reply_text",
    "cost_uncached_usd",
    "purpose",
)
_INSERT = f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def _row(record: CallRecord) -> tuple[object, ...]:
    limits = read_rate_limits(record.rate_limit_headers)
    return (
        record.started_at,
        record.session_id,
        record.turn,
        record.provider,
        record.model,
        record.wire_api,
        record.endpoint_host,
        record.response_id,
        record.response_model,
        record.request_id,
        record.outcome,
        record.failure_class,
        record.http_status,
        record.attempts,
        record.retries_json(),
        record.time_to_first_token,
        record.latency,
        record.input_tokens,
        record.output_tokens,
        record.cache_read_tokens,
        record.cache_write_tokens,
        record.reasoning_tokens,
        int(record.usage_estimated),
        record.cost_usd,
        limits.remaining_requests,
        limits.remaining_tokens,
        limits.reset,
        json.dumps(record.rate_limit_headers, sort_keys=True)
        if record.rate_limit_headers
        else None,
        int(record.fallback),
        record.stop_reason,
        record.prompt_text,
        record.reply_text,
        record.cost_uncached_usd,
        record.purpose,
    )


class TelemetryStore:
    """An open telemetry database; one per thread (SQLite connections are not shared)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.connection = connection

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Self:
        """Open (and create or migrate) the database at `path`.

        Raises `TelemetryStoreError` for a newer schema, a corrupt file or a file that cannot
        be created; with `create=False` a missing file raises `FileNotFoundError`.
        """
        if not path.exists():
            if not create:
                raise FileNotFoundError(path)
            _create_private_file(path)
        else:
            # A file we cannot chmod (not ours) is still readable; not worth failing for.
            with contextlib.suppress(OSError):
                tighten_file_mode(path, PRIVATE_FILE_MODE)
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as error:
            raise _store_error(path, error) from None
        try:
            _prepare(connection, path)
        except BaseException:
            connection.close()
            raise
        return cls(path, connection)

    @classmethod
    def open_for_reading(cls, path: Path) -> Self:
        """Open the database at `path` for `logs` and `stats`: nothing is created, chmod-ed
        or written, so they work on a read-only SOLCODER_HOME (a backup, a mounted image).

        SQLite opens a WAL file read-only only when its shared-memory file exists or can be
        created; in a read-only directory after a clean exit neither holds, so the file is
        then read as immutable (nobody can be writing to a read-only directory). An older
        schema is migrated through `open`, which needs a writable home. A missing file raises
        `FileNotFoundError`; a damaged or newer one `TelemetryStoreError`.
        """
        if not path.exists():
            raise FileNotFoundError(path)
        uri = path.resolve().as_uri()
        connection: sqlite3.Connection | None = None
        version = 0
        for query in ("mode=ro", "mode=ro&immutable=1"):
            connection = None
            try:
                connection = sqlite3.connect(
                    f"{uri}?{query}",
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
                version = schema_version(connection)
                break
            except sqlite3.OperationalError as error:
                if connection is not None:
                    connection.close()
                failure: sqlite3.Error = error
                if "unable to open" not in str(error) and "readonly" not in str(error):
                    raise _store_error(path, error) from None  # locked, I/O: no retry
            except sqlite3.Error as error:
                if connection is not None:
                    connection.close()
                raise _store_error(path, error) from None
        else:
            raise _store_error(path, failure) from None
        assert connection is not None
        if version == SCHEMA_VERSION:
            return cls(path, connection)
        connection.close()
        return cls.open(path, create=False)  # refuses a newer schema; migrates an older one

    def insert(self, records: Sequence[CallRecord]) -> None:
        """Write `records` in one transaction (one fsync-free commit in WAL mode)."""
        if not records:
            return
        connection = self.connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(_INSERT, [_row(record) for record in records])
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise _store_error(self.path, error) from None

    def count(self) -> int:
        row = self.connection.execute("SELECT COUNT(*) FROM calls").fetchone()
        return int(row[0])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the file to `SCHEMA_VERSION` in one transaction; refuse a newer one."""
    version = schema_version(connection)
    if version > SCHEMA_VERSION:
        raise TelemetryStoreError(
            f"{path} was written by a newer SolCoder (telemetry schema {version}; this version "
            f"reads up to {SCHEMA_VERSION}).",
            hint="Upgrade SolCoder, or move the file aside to start a new one.",
        )
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Re-read inside the lock: another process may have migrated meanwhile.
        version = schema_version(connection)
        for step in _MIGRATIONS[version:]:
            step(connection)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _prepare(connection: sqlite3.Connection, path: Path) -> None:
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL: readers (`solcoder stats`) never block the writer; NORMAL sync is safe in WAL
        # mode (a power cut may lose the last call's row, never corrupt the file).
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        migrate(connection, path)
    except sqlite3.Error as error:
        raise _store_error(path, error) from None


def _create_private_file(path: Path) -> None:
    ensure_private_dir(path.parent)
    try:
        descriptor = os.open(
            path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600
        )
    except FileExistsError:
        return  # another process created it first; it made it private the same way
    except OSError as error:
        raise TelemetryStoreError(
            f"Cannot create {path}: {error.strerror or error}.",
            hint="Check that SOLCODER_HOME is writable, or set telemetry.enabled = false.",
        ) from None
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)  # exactly 0600, whatever the umask
    finally:
        os.close(descriptor)


def _store_error(path: Path, error: sqlite3.Error) -> TelemetryStoreError:
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return TelemetryStoreError(
            f"{path} is damaged ({text}); it was left untouched.",
            hint=f"Move it aside (for example to {path.name}.broken) and SolCoder starts a "
            "new one at the next model call.",
        )
    if "locked" in text or "busy" in text:
        return TelemetryStoreLocked(
            f"{path} is locked by another process ({text}).",
            hint="Try again in a moment.",
        )
    return TelemetryStoreError(f"Cannot use {path}: {text}.", hint="Check the disk and the file.")
