"""Writes call records from a background thread, so telemetry never slows or breaks a conversation.

The recorder hands over a small job per finished call (`submit` is a non-blocking queue put);
this thread turns it into a `CallRecord` (token estimates, redaction, pricing: genai-prices
alone takes ~0.4 s to import) and writes every record waiting at that moment in one SQLite
transaction. Nothing of this runs on the event loop. A database another process has locked is
tried again for `LOCKED_WAIT_SECONDS` (in this thread, so the stream never waits for it);
records still queued at exit are written by an `atexit` flush bounded by `EXIT_FLUSH_SECONDS`.

A record that cannot be written (damaged file, full disk, a lock held past the wait) is never
lost in silence: the writer counts it with the first reason, and the exit hook prints one
warning line on stderr, after the conversation's output, never in the middle of a stream.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.store import TelemetryStore, TelemetryStoreLocked

_log = logging.getLogger(__name__)

RecordJob = Callable[[], CallRecord | None]
"""Builds the record in the writer thread (None: nothing to record)."""

MAX_QUEUED = 10_000
"""Beyond this many unwritten records (a stuck disk), new ones are dropped, not buffered."""
LOCKED_WAIT_SECONDS = 3.0
"""How long one batch keeps trying a database another process holds locked (each try also
waits SQLite's busy timeout), before its records are counted as lost."""
RETRY_PAUSE_SECONDS = 0.05
"""The first pause between tries; it doubles up to half a second."""
EXIT_FLUSH_SECONDS = 6.0
"""The longest exit waits for queued records: a locked batch's retry window plus one try."""


class RecordSink(Protocol):
    """Somewhere records go: the SQLite store, the OpenTelemetry exporter."""

    def write(self, records: Sequence[CallRecord]) -> None: ...

    def close(self) -> None: ...


class StoreSink:
    """Opens the SQLite store lazily, in the writer thread, and reopens it after a failure."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: TelemetryStore | None = None

    def write(self, records: Sequence[CallRecord]) -> None:
        store = self._store
        if store is None:
            store = self._store = TelemetryStore.open(self.path)
        try:
            store.insert(records)
        except BaseException:
            self._store = None
            store.close()
            raise

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()


class TelemetryWriter:
    """A queue and one daemon thread that drains it into the sinks, batch by batch."""

    def __init__(self, sinks: Sequence[RecordSink]) -> None:
        self.sinks = list(sinks)
        self._queue: queue.SimpleQueue[RecordJob | None] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._submitted = 0
        self._done = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self.dropped = 0
        self.failures = 0
        self._lost = 0
        self._lost_reason: str | None = None

    def submit(self, job: RecordJob) -> None:
        """Queue one record to build and write; never blocks, never raises."""
        with self._lock:
            if self._closed or self._submitted - self._done >= MAX_QUEUED:
                self.dropped += 1
                self._lost += 1
                if self._lost_reason is None:
                    self._lost_reason = (
                        "telemetry had already stopped."
                        if self._closed
                        else f"more than {MAX_QUEUED} records were waiting for the disk."
                    )
                return
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="solcoder-telemetry", daemon=True
                )
                self._thread.start()
        self._queue.put(job)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far is written (or failed); False on timeout."""
        with self._lock:
            target = self._submitted
            return self._lock.wait_for(lambda: self._done >= target, timeout)

    def close(self, timeout: float = EXIT_FLUSH_SECONDS) -> None:
        """Write what is queued, close the sinks, stop the thread; waits at most `timeout`.

        The sinks are closed by the writer thread itself, so a slow one (an OTLP collector
        that does not answer) cannot hold the process past `timeout`: the thread is a daemon.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is None:
            self._close_sinks()
            return
        self._queue.put(None)
        thread.join(timeout)
        if thread.is_alive():
            with self._lock:
                unwritten = self._submitted - self._done
            if unwritten:
                self._note_lost(
                    unwritten, f"they were not written in time (waited {timeout:g} s at exit)."
                )

    def warning(self) -> str | None:
        """The one line that tells the user records were lost, with the first reason (None
        when every record was written)."""
        with self._lock:
            lost, reason = self._lost, self._lost_reason
        if not lost:
            return None
        what = "1 telemetry record was" if lost == 1 else f"{lost} telemetry records were"
        return f"Warning: {what} not saved: {reason}"

    def _note_lost(self, count: int, reason: str) -> None:
        with self._lock:
            self._lost += count
            if self._lost_reason is None:
                self._lost_reason = reason

    def _run(self) -> None:
        stop = False
        while not stop:
            jobs: list[RecordJob] = []
            item = self._queue.get()
            while True:
                if item is None:
                    stop = True
                else:
                    jobs.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if jobs:
                self._write(jobs)
        self._close_sinks()

    def _close_sinks(self) -> None:
        for sink in self.sinks:
            try:
                sink.close()
            except Exception as error:  # closing must not fail the exit path
                _log.debug("telemetry sink close failed: %s", error)

    def _write(self, jobs: list[RecordJob]) -> None:
        records: list[CallRecord] = []
        try:
            for job in jobs:
                try:
                    record = job()
                except Exception as error:
                    self.failures += 1
                    _log.debug("telemetry record could not be built: %r", error)
                    continue
                if record is not None:
                    records.append(record)
            lost: str | None = None
            for sink in self.sinks:
                failure = _write_retrying(sink, records)
                if failure is not None:  # disk full, damaged, locked too long: told at exit
                    self.failures += 1
                    _log.debug("telemetry write to %s failed: %s", type(sink).__name__, failure)
                    lost = lost or failure
            if lost is not None and records:
                self._note_lost(len(records), lost)
        finally:
            with self._lock:
                self._done += len(jobs)
                self._lock.notify_all()


def _write_retrying(sink: RecordSink, records: Sequence[CallRecord]) -> str | None:
    """Write, trying a locked database again until `LOCKED_WAIT_SECONDS` have passed; the
    reason when the records could not be written. Other failures are not retried: a damaged
    file or a full disk does not get better by waiting."""
    give_up_at = time.monotonic() + LOCKED_WAIT_SECONDS
    pause = RETRY_PAUSE_SECONDS
    while True:
        try:
            sink.write(records)
            return None
        except TelemetryStoreLocked as error:
            if time.monotonic() + pause >= give_up_at:
                return f"{error.message} (waited {LOCKED_WAIT_SECONDS:g} s)."
            _log.debug("telemetry database locked; trying again in %.2f s", pause)
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
        except Exception as error:
            return str(error)


_writers: dict[Path, TelemetryWriter] = {}
_writers_lock = threading.Lock()
_exit_hook_registered = False


def writer_for(path: Path, *, extra_sinks: Sequence[RecordSink] = ()) -> TelemetryWriter:
    """The process-wide writer of one database (shared by every wrapped provider)."""
    global _exit_hook_registered
    key = path.resolve()
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = TelemetryWriter([StoreSink(path), *extra_sinks])
            _writers[key] = writer
            if not _exit_hook_registered:
                atexit.register(_close_at_exit)
                _exit_hook_registered = True
        return writer


def close_all_writers(timeout: float = EXIT_FLUSH_SECONDS) -> list[str]:
    """Flush and stop every writer (at exit, and in tests); the warnings of those that lost
    records, each returned once."""
    with _writers_lock:
        writers = list(_writers.values())
        _writers.clear()
    warnings: list[str] = []
    for writer in writers:
        writer.close(timeout)
        warning = writer.warning()
        if warning is not None:
            warnings.append(warning)
    return warnings


def _close_at_exit() -> None:
    """The exit flush, then one redacted line on stderr per writer that lost records."""
    warnings = close_all_writers()
    if not warnings:
        return
    from solcoder.redact import redact

    try:
        for warning in warnings:
            sys.stderr.write(redact(warning) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: nobody left to tell
        pass
