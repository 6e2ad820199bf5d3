"""Writes call records from a background thread, so telemetry never slows or breaks a conversation.

The recorder hands over a small job per finished call (`submit` is a non-blocking queue put);
this thread turns it into a `CallRecord` (token estimates, redaction, pricing: genai-prices
alone takes ~0.4 s to import) and writes every record waiting at that moment in one SQLite
transaction. Nothing of this runs on the event loop, so a locked database (another process
holding the write lock for its busy timeout) or a full disk only costs a debug log line and the
lost rows. Records still queued at exit are written by an `atexit` flush, bounded in time.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.store import TelemetryStore

_log = logging.getLogger(__name__)

RecordJob = Callable[[], CallRecord | None]
"""Builds the record in the writer thread (None: nothing to record)."""

MAX_QUEUED = 10_000
"""Beyond this many unwritten records (a stuck disk), new ones are dropped, not buffered."""
EXIT_FLUSH_SECONDS = 3.0


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

    def submit(self, job: RecordJob) -> None:
        """Queue one record to build and write; never blocks, never raises."""
        with self._lock:
            if self._closed or self._submitted - self._done >= MAX_QUEUED:
                self.dropped += 1
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
            for sink in self.sinks:
                try:
                    sink.write(records)
                except Exception as error:  # disk full, locked, damaged: never the user's problem
                    self.failures += 1
                    _log.debug("telemetry write to %s failed: %s", type(sink).__name__, error)
        finally:
            with self._lock:
                self._done += len(jobs)
                self._lock.notify_all()


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
                atexit.register(close_all_writers)
                _exit_hook_registered = True
        return writer


def close_all_writers(timeout: float = EXIT_FLUSH_SECONDS) -> None:
    """Flush and stop every writer (at exit, and in tests)."""
    with _writers_lock:
        writers = list(_writers.values())
        _writers.clear()
    for writer in writers:
        writer.close(timeout)
