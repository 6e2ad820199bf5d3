"""State under SOLCODER_HOME seen from the installed CLI: nothing is lost without the user
being told, failed runs leave no sessions behind, and the home's permissions are checked."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e


def _rows(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM calls").fetchone()[0])


def test_a_locked_telemetry_database_costs_a_bounded_wait_and_one_warning(
    run_cli: Run, solcoder_home: Path
) -> None:
    assert run_cli("-p", "hello", "--offline-mode").returncode == 0
    database = solcoder_home / "telemetry.db"
    assert _rows(database) == 1
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole run
    try:
        started = time.monotonic()
        result = run_cli("-p", "hello", "--offline-mode")
        elapsed = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("not saved") == 1, result.stderr
    assert "1 telemetry record was not saved" in result.stderr
    assert "locked" in result.stderr
    assert elapsed < 20
    assert _rows(database) == 1


def test_a_damaged_telemetry_database_is_told_after_a_prompt(
    run_cli: Run, solcoder_home: Path
) -> None:
    solcoder_home.mkdir(parents=True, mode=0o700)
    damaged = solcoder_home / "telemetry.db"
    damaged.write_bytes(b"not a database" * 100)
    result = run_cli("-p", "hello", "--offline-mode")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()  # the conversation itself went on
    assert "telemetry record was not saved" in result.stderr
    assert "damaged" in result.stderr and "Move it aside" in result.stderr
    assert damaged.read_bytes() == b"not a database" * 100
