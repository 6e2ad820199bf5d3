"""Telemetry never loses a record in silence: a locked database is waited for (within a
bound), and a record that cannot be written is told once, with the reason and the next step."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from solcoder.telemetry import store as store_module
from solcoder.telemetry import writer as writer_module
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.store import TelemetryStore, TelemetryStoreError
from solcoder.telemetry.writer import StoreSink, TelemetryWriter


def _record(number: int = 0) -> CallRecord:
    return CallRecord(started_at=float(number), provider="p", model="m", outcome="ok")


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own wait for a lock, shortened so a test sees the retry and not the wait."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "telemetry.db"
    TelemetryStore.open(path).close()
    return path


@pytest.fixture
def held_lock(database: Path) -> Iterator[sqlite3.Connection]:
    """Another process's write transaction on the database, as `sqlite3` would hold it."""
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def _count(path: Path) -> int:
    with TelemetryStore.open(path) as reader:
        return reader.count()


@pytest.mark.usefixtures("short_busy_timeout")
def test_a_locked_database_is_retried_until_the_lock_is_released(
    database: Path, held_lock: sqlite3.Connection
) -> None:
    writer = TelemetryWriter([StoreSink(database)])
    writer.submit(_record)
    release = threading.Timer(0.6, held_lock.execute, args=("ROLLBACK",))
    release.start()
    try:
        assert writer.flush(10)
    finally:
        release.join()
    writer.close()
    assert _count(database) == 1
    assert writer.warning() is None


@pytest.mark.usefixtures("short_busy_timeout")
def test_a_lock_held_past_the_bound_drops_the_record_and_says_so(
    database: Path, held_lock: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "LOCKED_WAIT_SECONDS", 0.5)
    writer = TelemetryWriter([StoreSink(database)])
    writer.submit(_record)
    assert writer.flush(60)  # bounded by LOCKED_WAIT_SECONDS (a hang would time out here)
    writer.close()
    warning = writer.warning()
    assert warning is not None
    assert "1 telemetry record was not saved" in warning
    assert "locked" in warning


class DamagedSink:
    def __init__(self) -> None:
        self.calls = 0

    def write(self, records: Sequence[CallRecord]) -> None:
        self.calls += 1
        raise TelemetryStoreError(
            "/h/telemetry.db is damaged (file is not a database); it was left untouched.",
            hint="Move it aside (for example to telemetry.db.broken).",
        )

    def close(self) -> None:
        pass


def test_a_damaged_database_is_not_retried_and_is_told_once_with_the_fix() -> None:
    sink = DamagedSink()
    writer = TelemetryWriter([sink])
    for number in range(3):
        writer.submit(lambda number=number: _record(number))  # type: ignore[misc]
        assert writer.flush(5)
    writer.close()
    assert sink.calls == 3  # each batch tried once: damage does not go away by waiting
    warning = writer.warning()
    assert warning is not None
    assert warning.count("not saved") == 1
    assert "3 telemetry records were not saved" in warning
    assert "damaged" in warning and "Move it aside" in warning


def test_records_still_queued_when_the_exit_wait_ends_are_counted() -> None:
    gate = threading.Event()

    class StuckSink:
        def write(self, records: Sequence[CallRecord]) -> None:
            gate.wait(5)

        def close(self) -> None:
            pass

    writer = TelemetryWriter([StuckSink()])
    writer.submit(_record)
    writer.submit(_record)
    time.sleep(0.05)
    writer.close(timeout=0.2)
    gate.set()
    warning = writer.warning()
    assert warning is not None and "not saved" in warning
    assert "in time" in warning


def test_nothing_lost_means_nothing_said(tmp_path: Path) -> None:
    writer = TelemetryWriter([StoreSink(tmp_path / "t.db")])
    writer.submit(_record)
    writer.close()
    assert writer.warning() is None


def test_close_all_writers_returns_the_warnings_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(writer_module, "_writers", {})
    writer = writer_module.writer_for(tmp_path / "t.db")
    writer.sinks[:] = [DamagedSink()]
    writer.submit(_record)
    assert writer.flush(5)
    assert len(writer_module.close_all_writers()) == 1
    assert writer_module.close_all_writers() == []
