"""`logs` and `stats` queries: exact numbers on a small set, speed on 100,000 calls."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from solcoder.cli.main import cli
from solcoder.llm.transport.retry import RetryRecord
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.render import recent_calls_renderable
from solcoder.telemetry.stats import CallFilter, compute_stats, recent_calls
from solcoder.telemetry.store import TelemetryStore, database_path


def _record(**values: object) -> CallRecord:
    defaults: dict[str, object] = {
        "started_at": 1_700_000_000.0,
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "outcome": "ok",
        "session_id": "abc123",
        "turn": 1,
    }
    defaults.update(values)
    return CallRecord(**defaults)  # type: ignore[arg-type]


@pytest.fixture
def small_store(tmp_path: Path) -> TelemetryStore:
    records = [
        _record(
            started_at=1_700_000_000.0 + number,
            latency=float(number + 1),
            time_to_first_token=(number + 1) / 10,
            input_tokens=100,
            output_tokens=10,
            cost_usd=0.01,
        )
        for number in range(20)  # latencies 1..20 s, TTFT 0.1..2.0 s
    ]
    records += [
        _record(
            outcome="rate_limited",
            http_status=429,
            attempts=3,
            retries=[
                RetryRecord(1, "rate_limited", 429, 0.5),
                RetryRecord(2, "rate_limited", 429, 1),
            ],
            latency=0.2,
        ),
        _record(outcome="idle_timeout", latency=120.0, session_id="zzz999"),
        _record(
            provider="anthropic",
            model="claude-sonnet-4-5",
            latency=3.0,
            time_to_first_token=0.5,
            input_tokens=5,
            cache_read_tokens=1000,
            output_tokens=50,
            cost_usd=None,  # unknown price
        ),
    ]
    store = TelemetryStore.open(tmp_path / "telemetry.db")
    store.insert(records)
    return store


def test_stats_per_model_are_exact(small_store: TelemetryStore) -> None:
    report = compute_stats(small_store.connection)
    openai, anthropic = report["models"]
    assert (openai["provider"], openai["calls"], openai["errors"]) == ("openai", 22, 2)
    assert openai["errors_by_class"] == {"rate_limit": 1, "timeout": 1}
    assert openai["error_rate"] == pytest.approx(2 / 22)
    # Nearest rank over the 20 successful calls: p50 is the 10th value, p95 the 19th.
    assert openai["latency_s"] == {"p50": 10.0, "p95": 19.0}
    assert openai["time_to_first_token_s"] == {"p50": pytest.approx(1.0), "p95": pytest.approx(1.9)}
    assert openai["tokens"]["input"] == 2000 and openai["tokens"]["output"] == 200
    assert openai["cost_usd"] == pytest.approx(0.2)
    assert openai["retries"] == 2
    assert anthropic["cost_usd"] is None and anthropic["calls_with_unknown_cost"] == 1
    assert anthropic["tokens"]["cache_read"] == 1000
    total = report["total"]
    assert (total["calls"], total["errors"]) == (23, 2)
    assert total["latency_s"]["p50"] == 10.0  # 21 successful: 1..20 and 3.0 -> 11th is 10
    assert sum(bucket["calls"] for bucket in report["latency_histogram"]) == 21
    buckets = {bucket["to_s"]: bucket["calls"] for bucket in report["latency_histogram"]}
    assert buckets[2.0] == 1 and buckets[4.0] == 3  # 1 s; then 2, 3, 3 s


def test_filters(small_store: TelemetryStore) -> None:
    connection = small_store.connection
    assert len(recent_calls(connection, CallFilter(outcome="error"), limit=100)) == 2
    assert len(recent_calls(connection, CallFilter(outcome="timeout"), limit=100)) == 1
    assert len(recent_calls(connection, CallFilter(outcome="rate_limited"), limit=100)) == 1
    assert len(recent_calls(connection, CallFilter(provider="anthropic"), limit=100)) == 1
    assert len(recent_calls(connection, CallFilter(model="gpt-4.1-mini"), limit=100)) == 22
    assert len(recent_calls(connection, CallFilter(session="zzz"), limit=100)) == 1
    assert len(recent_calls(connection, limit=5)) == 5
    newest = recent_calls(connection, limit=1)[0]
    assert newest["provider"] == "anthropic"
    failed = recent_calls(connection, CallFilter(outcome="rate_limit"), limit=1)[0]
    assert failed["retries"][1] == {
        "attempt": 2,
        "reason": "rate_limited",
        "status": 429,
        "wait": 1,
    }
    only = compute_stats(connection, CallFilter(provider="anthropic"))
    assert [group["provider"] for group in only["models"]] == ["anthropic"]


def test_empty_database_gives_empty_stats(tmp_path: Path) -> None:
    with TelemetryStore.open(tmp_path / "t.db") as store:
        report = compute_stats(store.connection)
    assert report["models"] == []
    assert report["total"]["calls"] == 0
    assert report["total"]["latency_s"] == {"p50": None, "p95": None}


def test_recent_calls_renderable_for_the_repl(tmp_path: Path, small_store: TelemetryStore) -> None:
    console = Console(width=160, record=True, color_system=None)
    console.print(recent_calls_renderable(tmp_path, limit=3))
    text = console.export_text()
    assert "anthropic/claude-sonnet-4-5" in text
    assert "idle_timeout" in text
    assert "unknown" in text  # the anthropic call's cost
    assert "abc123#1" in text  # session and turn
    narrow = Console(width=80, record=True, color_system=None)
    narrow.print(recent_calls_renderable(tmp_path, limit=3, width=80))
    compact = narrow.export_text()
    assert "abc123" not in compact  # the compact table drops the session column
    assert "idle_timeout" in compact
    assert max(len(line) for line in compact.splitlines()) <= 80
    console = Console(width=120, record=True, color_system=None)
    console.print(recent_calls_renderable(tmp_path / "elsewhere"))
    assert "No model calls recorded yet" in console.export_text()


def _synthetic(count: int) -> list[CallRecord]:
    generator = random.Random(7)
    models = [("openai", "gpt-4.1-mini"), ("anthropic", "claude-sonnet-4-5"), ("groq", "llama")]
    outcomes = ["ok"] * 90 + ["rate_limited"] * 4 + ["server_error"] * 3 + ["idle_timeout"] * 3
    records = []
    for number in range(count):
        provider, model = models[number % 3]
        outcome = generator.choice(outcomes)
        latency = generator.lognormvariate(0.5, 0.8)
        records.append(
            _record(
                started_at=1_700_000_000.0 + number,
                provider=provider,
                model=model,
                outcome=outcome,
                session_id=f"s{number // 20}",
                turn=number % 20,
                latency=latency,
                time_to_first_token=latency / 4,
                input_tokens=generator.randint(100, 20_000),
                output_tokens=generator.randint(10, 2000),
                cost_usd=generator.random() / 100 if outcome == "ok" else None,
                attempts=1 if outcome == "ok" else 3,
            )
        )
    return records


@pytest.mark.slow
@pytest.mark.timeout(120)  # a hang guard: a full scan per row takes minutes (speed: benchmarks)
def test_stats_and_logs_on_100k_calls_are_fast(tmp_path: Path) -> None:
    home = tmp_path / "home"
    records = _synthetic(100_000)
    started = time.perf_counter()
    with TelemetryStore.open(database_path(home)) as store:
        store.insert(records)
    insert_seconds = time.perf_counter() - started

    runner = CliRunner()
    environment = {"SOLCODER_HOME": str(home), "COLUMNS": "120"}
    started = time.perf_counter()
    result = runner.invoke(cli, ["stats", "--json"], env=environment)
    stats_seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total"]["calls"] == 100_000
    assert len(report["models"]) == 3

    started = time.perf_counter()
    result = runner.invoke(cli, ["stats"], env=environment)
    table_seconds = time.perf_counter() - started
    assert result.exit_code == 0 and "latency of successful calls" in result.output

    started = time.perf_counter()
    result = runner.invoke(cli, ["logs", "--outcome", "timeout", "--limit", "50"], env=environment)
    logs_seconds = time.perf_counter() - started
    assert result.exit_code == 0 and "idle_timeout" in result.output

    print(
        f"100k calls: insert {insert_seconds:.2f} s, stats --json {stats_seconds:.2f} s, "
        f"stats table {table_seconds:.2f} s, logs {logs_seconds:.2f} s"
    )
