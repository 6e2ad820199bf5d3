"""The telemetry database: private file, WAL, versioned schema, never reset when damaged."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from solcoder.llm.transport.retry import RetryRecord
from solcoder.telemetry.record import (
    CallRecord,
    endpoint_host,
    failure_class,
    read_rate_limits,
)
from solcoder.telemetry.store import (
    SCHEMA_VERSION,
    TelemetryStore,
    TelemetryStoreError,
    database_path,
    schema_version,
)


def _record(**overrides: object) -> CallRecord:
    values: dict[str, object] = {
        "started_at": 1_700_000_000.0,
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "outcome": "ok",
        "session_id": "s1",
        "turn": 1,
        "input_tokens": 10,
        "output_tokens": 5,
        "latency": 0.5,
        "time_to_first_token": 0.1,
    }
    values.update(overrides)
    return CallRecord(**values)  # type: ignore[arg-type]


def test_created_private_in_wal_mode_with_current_schema(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not widen the file
    try:
        path = database_path(tmp_path / "home")
        with TelemetryStore.open(path) as store:
            store.insert([_record()])
            mode = store.connection.execute("PRAGMA journal_mode").fetchone()[0]
            assert mode == "wal"
            assert schema_version(store.connection) == SCHEMA_VERSION
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for sidecar in path.parent.glob("telemetry.db-*"):  # WAL and shared memory, if left
        assert stat.S_IMODE(sidecar.stat().st_mode) & 0o077 == 0


def test_a_wider_existing_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.db"
    TelemetryStore.open(path).close()
    path.chmod(0o644)
    TelemetryStore.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_insert_batch_round_trips_every_field(tmp_path: Path) -> None:
    record = _record(
        retries=[RetryRecord(1, "rate_limited", 429, 0.5)],
        rate_limit_headers={
            "x-ratelimit-remaining-requests": "99",
            "x-ratelimit-remaining-tokens": "0",
            "x-ratelimit-reset-tokens": "6m0s",
        },
        fallback=True,
        usage_estimated=True,
        cost_usd=None,
        endpoint_host="api.openai.com",
    )
    with TelemetryStore.open(tmp_path / "t.db") as store:
        store.insert([record, _record(outcome="idle_timeout")])
        rows = store.connection.execute(
            "SELECT outcome, failure_class, retries, ratelimit_remaining_requests, "
            "ratelimit_remaining_tokens, ratelimit_reset, fallback, usage_estimated, cost_usd, "
            "endpoint_host FROM calls ORDER BY id"
        ).fetchall()
    assert rows[0] == (
        "ok",
        None,
        '[{"attempt":1,"reason":"rate_limited","status":429,"wait":0.5}]',
        99,
        0,
        "6m0s",  # the exhausted budget's reset
        1,
        1,
        None,
        "api.openai.com",
    )
    assert rows[1][:2] == ("idle_timeout", "timeout")


def test_an_older_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    sqlite3.connect(path).close()  # version 0: an empty database
    with TelemetryStore.open(path) as store:
        assert schema_version(store.connection) == SCHEMA_VERSION
        store.insert([_record()])
        assert store.count() == 1


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    TelemetryStore.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(TelemetryStoreError, match="newer SolCoder") as caught:
        TelemetryStore.open(path)
    assert "Upgrade SolCoder" in str(caught.value)
    connection = sqlite3.connect(path)
    assert schema_version(connection) == SCHEMA_VERSION + 1
    connection.close()


def test_a_corrupt_file_is_reported_not_reset(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.db"
    garbage = b"this is not a database at all\x00" * 200
    path.write_bytes(garbage)
    with pytest.raises(TelemetryStoreError, match="damaged") as caught:
        TelemetryStore.open(path)
    assert "Move it aside" in (caught.value.hint or "")
    assert path.read_bytes() == garbage


def test_missing_file_is_not_created_when_reading(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.db"
    with pytest.raises(FileNotFoundError):
        TelemetryStore.open(path, create=False)
    assert not path.exists()


def test_two_processes_worth_of_writers_do_not_lose_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    TelemetryStore.open(path).close()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with TelemetryStore.open(path) as store:
                for _ in range(50):
                    store.insert([_record(), _record()])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with TelemetryStore.open(path) as store:
        assert store.count() == 300


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("ok", None),
        ("rate_limited", "rate_limit"),
        ("authentication", "auth"),
        ("overloaded", "server"),
        ("connect", "network"),
        ("first_event_timeout", "timeout"),
        ("context_too_long", "request"),
        ("protocol", "protocol"),
        ("cancelled", "cancelled"),
        ("something_new", "other"),
    ],
)
def test_failure_classes(outcome: str, expected: str | None) -> None:
    assert failure_class(outcome) == expected


def test_rate_limit_headers_of_each_vendor() -> None:
    openai = read_rate_limits(
        {
            "x-ratelimit-remaining-requests": "4999",
            "x-ratelimit-remaining-tokens": "159000",
            "x-ratelimit-reset-requests": "12ms",
            "x-ratelimit-reset-tokens": "336ms",
        }
    )
    assert (openai.remaining_requests, openai.remaining_tokens, openai.reset) == (
        4999,
        159000,
        "12ms",
    )
    anthropic = read_rate_limits(
        {
            "anthropic-ratelimit-requests-remaining": "49",
            "anthropic-ratelimit-tokens-remaining": "0",
            "anthropic-ratelimit-tokens-reset": "2026-11-24T19:00:00Z",
            "anthropic-ratelimit-requests-reset": "2026-11-24T18:59:01Z",
        }
    )
    assert anthropic.remaining_tokens == 0
    assert anthropic.reset == "2026-11-24T19:00:00Z"
    throttled = read_rate_limits({"retry-after": "7", "x-ratelimit-remaining": "0"})
    assert (throttled.remaining_requests, throttled.reset) == (0, "7")
    # Recorded from Anthropic: retry-after on a 200 with budget left is not the reset.
    relaxed = read_rate_limits(
        {
            "anthropic-ratelimit-requests-remaining": "49",
            "anthropic-ratelimit-requests-reset": "2025-12-08T23:16:48Z",
            "anthropic-ratelimit-tokens-remaining": "ANTHROPIC-RATELIMIT-TOKENS-REMAINING-XXX",
            "retry-after": "12",
        }
    )
    assert (relaxed.remaining_requests, relaxed.remaining_tokens) == (49, None)
    assert relaxed.reset == "2025-12-08T23:16:48Z"
    mistral = read_rate_limits(
        {"x-ratelimitbysize-remaining-minute": "1679894", "ratelimitbysize-reset": "42"}
    )
    assert (mistral.remaining_tokens, mistral.reset) == (1679894, "42")
    assert read_rate_limits({}) == read_rate_limits({"unrelated": "1"})


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://api.openai.com/v1", "api.openai.com"),
        ("http://127.0.0.1:8080/v1?key=sk-test-secret", "127.0.0.1:8080"),
        ("https://user:sk-test-password@proxy.example:8443/x", "proxy.example:8443"),
        ("http://[::1]:9000/v1", "[::1]:9000"),
        ("", None),
        ("not a url", None),
    ],
)
def test_endpoint_host_never_keeps_path_query_or_credentials(url: str, host: str | None) -> None:
    assert endpoint_host(url) == host
