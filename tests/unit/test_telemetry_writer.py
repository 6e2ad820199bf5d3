"""The background writer: batches, survives failures, flushes at close, never blocks."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from solcoder.telemetry import writer as writer_module
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.store import TelemetryStore
from solcoder.telemetry.writer import StoreSink, TelemetryWriter


def _record(number: int = 0) -> CallRecord:
    return CallRecord(started_at=float(number), provider="p", model="m", outcome="ok")


class CountingSink:
    def __init__(self, gate: threading.Event | None = None) -> None:
        self.batches: list[int] = []
        self.closed = False
        self.gate = gate

    def write(self, records: Sequence[CallRecord]) -> None:
        if self.gate is not None:
            self.gate.wait(5)
        self.batches.append(len(records))

    def close(self) -> None:
        self.closed = True


class FailingSink:
    def write(self, records: Sequence[CallRecord]) -> None:
        raise OSError("database or disk is full")

    def close(self) -> None:
        raise OSError("still full")


def test_records_queued_together_are_written_in_few_transactions(tmp_path: Path) -> None:
    counting = CountingSink(gate=threading.Event())
    writer = TelemetryWriter([StoreSink(tmp_path / "t.db"), counting])
    for number in range(500):
        writer.submit(lambda number=number: _record(number))  # type: ignore[misc]
    counting.gate.set()  # type: ignore[union-attr]
    assert writer.flush(10)
    writer.close()
    assert sum(counting.batches) == 500
    assert len(counting.batches) < 50  # the first batch waited while the others queued up
    assert counting.closed
    with TelemetryStore.open(tmp_path / "t.db") as store:
        assert store.count() == 500


def test_failures_are_counted_never_raised() -> None:
    counting = CountingSink()
    writer = TelemetryWriter([FailingSink(), counting])

    def broken() -> CallRecord:
        raise ValueError("bad record")

    writer.submit(broken)
    writer.submit(lambda: _record(1))
    writer.submit(lambda: None)  # nothing to record
    assert writer.flush(5)
    writer.close()
    assert sum(counting.batches) == 1
    assert writer.failures >= 2  # the broken job, and the full disk


def test_submit_after_close_is_dropped() -> None:
    counting = CountingSink()
    writer = TelemetryWriter([counting])
    writer.close()
    assert counting.closed  # closed even though the thread never started
    writer.submit(_record)
    assert writer.dropped == 1


def test_a_stuck_sink_makes_new_records_drop_not_pile_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer_module, "MAX_QUEUED", 5)
    gate = threading.Event()
    writer = TelemetryWriter([CountingSink(gate)])
    # The sink is stuck until the gate opens below: a submit that waited for it would never
    # return (the test timeout is the guard).
    for number in range(20):
        writer.submit(lambda number=number: _record(number))  # type: ignore[misc]
    assert writer.dropped == 15
    gate.set()
    assert writer.flush(5)
    writer.close()


def test_close_is_bounded_when_a_sink_hangs() -> None:
    gate = threading.Event()
    writer = TelemetryWriter([CountingSink(gate)])
    writer.submit(_record)
    writer.close(timeout=0.2)  # returns although the sink hangs until the gate opens below
    gate.set()
