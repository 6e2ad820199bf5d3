"""Prompt caching in telemetry: each call is also priced without its cache, and `stats`
reports the cache hit ratio and the money caching saved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rich.console import Console

from solcoder.llm.events import Completed
from solcoder.llm.messages import Message, Request, Usage
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
from solcoder.middleware.recording import RecordingProvider
from solcoder.telemetry.record import CallRecord
from solcoder.telemetry.render import stats_renderable
from solcoder.telemetry.stats import compute_stats, recent_calls
from solcoder.telemetry.store import (
    SCHEMA_VERSION,
    TelemetryStore,
    _migrate_to_1,
    schema_version,
)
from tests.unit.test_telemetry_recorder import ImmediateQueue

SONNET = "claude-sonnet-4-5"


async def test_an_anthropic_call_is_priced_with_and_without_its_cache() -> None:
    sink = ImmediateQueue()
    usage = Usage(input=10, output=5, cache_read=1000, cache_write=200)
    inner = ScriptedProvider(
        [ScriptedResponse(text="hi", usage=usage)], name="anthropic", model=SONNET
    )
    provider = RecordingProvider(inner, sink, session_id=lambda: "s")
    request = Request(model=SONNET, messages=(Message.user("hi"),))
    events = [event async for event in provider.astream(request)]
    assert isinstance(events[-1], Completed)
    [record] = sink.records
    assert (record.cache_read_tokens, record.cache_write_tokens) == (1000, 200)
    # Sonnet 4.5: input $3, output $15, cache read $0.30, 5-minute write $3.75 per million.
    assert record.cost_usd == pytest.approx((10 * 3 + 1000 * 0.3 + 200 * 3.75 + 5 * 15) / 1e6)
    # Anthropic counts cached tokens apart from input: all 1,210 at the input price.
    assert record.cost_uncached_usd == pytest.approx((1210 * 3 + 5 * 15) / 1e6)


async def test_a_call_without_cache_use_costs_the_same_either_way() -> None:
    sink = ImmediateQueue()
    inner = ScriptedProvider(
        [ScriptedResponse(text="hi", usage=Usage(input=100, output=5))],
        name="anthropic",
        model=SONNET,
    )
    provider = RecordingProvider(inner, sink, session_id=lambda: "s")
    [_ async for _ in provider.astream(Request(model=SONNET, messages=(Message.user("x"),)))]
    [record] = sink.records
    assert record.cost_uncached_usd == record.cost_usd is not None


def _record(**values: object) -> CallRecord:
    defaults: dict[str, object] = {
        "started_at": 1_700_000_000.0,
        "provider": "anthropic",
        "model": SONNET,
        "outcome": "ok",
        "wire_api": "messages",
    }
    return CallRecord(**{**defaults, **values})  # type: ignore[arg-type]


def test_stats_report_the_hit_ratio_over_every_prompt_token_and_the_money_saved(
    tmp_path: Path,
) -> None:
    with TelemetryStore.open(tmp_path / "t.db") as store:
        store.insert(
            [
                # Anthropic: input excludes the cache, so this prompt is 1,000 tokens.
                _record(
                    input_tokens=10,
                    cache_read_tokens=990,
                    cache_write_tokens=0,
                    output_tokens=1,
                    cost_usd=1.0,
                    cost_uncached_usd=3.0,
                ),
                # OpenAI: input includes the 500 cached tokens, so this prompt is 1,000 too.
                _record(
                    provider="openai",
                    model="gpt-4.1",
                    wire_api="chat",
                    input_tokens=1000,
                    cache_read_tokens=500,
                    output_tokens=1,
                    cost_usd=2.0,
                    cost_uncached_usd=2.5,
                ),
                # No price known: counts for the ratio, not for the money.
                _record(
                    input_tokens=1000,
                    cache_read_tokens=0,
                    cache_write_tokens=0,
                    output_tokens=1,
                    cost_usd=None,
                    cost_uncached_usd=None,
                ),
            ]
        )
        report = compute_stats(store.connection)
        rows = recent_calls(store.connection)
    total = report["total"]
    assert total["cache_hit_ratio"] == pytest.approx(1490 / 3000)
    assert total["cache_saved_usd"] == pytest.approx(2.5)
    by_model = {group["model"]: group for group in report["models"]}
    assert by_model["gpt-4.1"]["cache_hit_ratio"] == pytest.approx(0.5)
    assert by_model[SONNET]["cache_saved_usd"] == pytest.approx(2.0)
    assert "cost_uncached_usd" not in rows[0]  # `logs` keeps its shape
    console = Console(width=200, record=True, color_system=None)
    console.print(stats_renderable(report))
    text = console.export_text()
    assert "prompt cache: 50% of input tokens read from cache, saved $2.50" in text
    with TelemetryStore.open(tmp_path / "plain.db") as plain:
        plain.insert([_record(input_tokens=10, output_tokens=1, cost_usd=0.1)])
        uncached = compute_stats(plain.connection)
    assert uncached["total"]["cache_hit_ratio"] == 0
    console = Console(width=200, record=True, color_system=None)
    console.print(stats_renderable(uncached))
    assert "prompt cache" not in console.export_text()


def test_a_version_1_file_gains_the_uncached_price_column(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    connection = sqlite3.connect(path, isolation_level=None)
    _migrate_to_1(connection)
    connection.execute("PRAGMA user_version = 1")
    connection.close()
    with TelemetryStore.open(path) as store:
        assert schema_version(store.connection) == SCHEMA_VERSION  # migrated all the way
        store.insert([_record(input_tokens=5, cost_usd=0.1, cost_uncached_usd=0.2)])
        [(value,)] = store.connection.execute("SELECT cost_uncached_usd FROM calls")
    assert value == 0.2
