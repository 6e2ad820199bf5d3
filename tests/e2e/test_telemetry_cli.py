"""Telemetry end to end: real calls to a local server are recorded, then read back by the
installed `solcoder logs`, `solcoder stats` and `solcoder models` in a separate process.

The calls are made in-process by the real HTTP client wrapped with `wrap_for_telemetry` (the
same wrapper the CLI uses), so the recorded times can be compared with what the server did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solcoder.config import load_settings
from solcoder.errors import LLMError
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.client import LLMClient
from solcoder.llm.transport.deadline import Timeouts
from solcoder.llm.transport.retry import RetryPolicy
from solcoder.middleware.recording import wrap_for_telemetry
from solcoder.telemetry import close_all_writers
from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-telemetry-e2e-0123456789"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        yield running


def _client(server: FakeLLMServer, *, api: str = "chat", provider: str = "openai") -> LLMClient:
    spec = BUILTIN_PROVIDERS[provider].with_overrides(base_url=server.base_url(api), api=api)  # type: ignore[arg-type]
    return LLMClient(
        spec,
        model="gpt-4.1-mini" if provider == "openai" else "claude-sonnet-4-5",
        api_key=KEY,
        timeouts=Timeouts(connect=2, first_event=3, idle=0.5, total=15),
        retry_policy=RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.02),
    )


async def _call(provider: Any, text: str = "hello") -> None:
    request = Request(model="", messages=(Message.user(text),))
    async for _ in provider.astream(request):
        pass


def _settings(home: Path) -> Any:
    return load_settings(environ={"SOLCODER_HOME": str(home)}, cwd=home.parent)


async def test_stats_report_what_the_server_did(
    server: FakeLLMServer, solcoder_home: Path, run_cli: Run
) -> None:
    server.enqueue(
        Reply(text="The first token was late.", chunk_size=4, first_event_delay=0.3),
        Reply(text="Fast.", chunk_size=2),
    )
    client = _client(server)
    provider = wrap_for_telemetry(client, _settings(solcoder_home), "e2e-session")
    await _call(provider)
    await _call(provider, "again")
    await provider.aclose()
    close_all_writers()

    result = run_cli("stats", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    [group] = report["models"]
    assert (group["provider"], group["model"], group["calls"]) == ("openai", "gpt-4.1-mini", 2)
    assert group["errors"] == 0
    # The fake server reports prompt_tokens 11 and completion_tokens 7 per call.
    assert group["tokens"]["input"] == 22 and group["tokens"]["output"] == 14
    assert group["calls_with_estimated_usage"] == 0
    ttft, latency = group["time_to_first_token_s"], group["latency_s"]
    assert ttft["p95"] >= 0.3  # the delayed call
    assert ttft["p50"] < 0.3  # the fast one
    assert latency["p95"] >= ttft["p95"]
    assert group["cost_usd"] is not None and group["cost_usd"] > 0

    result = run_cli("logs", "--json", "--session", "e2e")
    rows = json.loads(result.stdout)
    assert [row["turn"] for row in rows] == [1, 1]
    slow = rows[1]
    assert slow["ttft_s"] >= 0.3 and slow["endpoint_host"] == server.url.split("//")[1]
    assert slow["http_status"] == 200 and slow["response_id"]
    assert slow["prompt_text"] is None and slow["reply_text"] is None

    table = run_cli("stats")
    assert "openai/gpt-4.1-mini" in table.stdout
    assert "latency of successful calls" in table.stdout


FAULTS: list[tuple[str, Reply, str]] = [
    ("auth", Reply(status=401), "authentication"),
    ("rate_limit", Reply(status=429, repeat=2), "rate_limited"),
    ("server", Reply(status=500, repeat=2), "server_error"),
    ("server", Reply(status=529, repeat=2), "overloaded"),
    ("request", Reply(status=400, error_message="Invalid value for 'model'."), "bad_request"),
    ("timeout", Reply(text="stalls", chunk_size=2, stall_after=1, stall_seconds=3), "idle_timeout"),
    ("network", Reply(text="a long reply to cut", chunk_size=2, drop_after=2), "interrupted"),
    ("protocol", Reply(text="garbled", chunk_size=2, malformed_at=1), "protocol"),
]


async def test_each_failure_class_appears_in_logs_with_its_retries(
    server: FakeLLMServer, solcoder_home: Path, run_cli: Run
) -> None:
    provider = wrap_for_telemetry(_client(server), _settings(solcoder_home), "faults")
    for _, reply, _ in FAULTS:
        server.enqueue(reply)
        with pytest.raises(LLMError):
            await _call(provider)
    await provider.aclose()
    close_all_writers()

    result = run_cli("logs", "--json", "--limit", "100")
    assert result.returncode == 0, result.stderr
    rows = list(reversed(json.loads(result.stdout)))
    assert [(row["failure_class"], row["outcome"]) for row in rows] == [
        (failure, outcome) for failure, _, outcome in FAULTS
    ]
    by_outcome = {row["outcome"]: row for row in rows}
    limited = by_outcome["rate_limited"]
    assert (limited["http_status"], limited["attempts"]) == (429, 2)
    assert [(r["reason"], r["status"]) for r in limited["retries"]] == [("rate_limited", 429)]
    assert by_outcome["server_error"]["retries"][0]["reason"] == "server_error"
    assert by_outcome["overloaded"]["retries"][0]["status"] == 529
    assert by_outcome["authentication"]["retries"] == []  # a 401 is never retried
    assert by_outcome["interrupted"]["ttft_s"] is not None  # content arrived, then the cut

    table = run_cli("logs", "--outcome", "rate_limit", env={"COLUMNS": "150"})
    assert "rate_limited 429" in table.stdout
    assert "2: rate_limited 429 +0.0s" in table.stdout  # the retry history
    narrow = run_cli("logs", "--outcome", "server", env={"COLUMNS": "80"})
    assert narrow.stdout.count("2: 500") == 1 and narrow.stdout.count("2: 529") == 1
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats["total"]["errors_by_class"] == {
        "auth": 1,
        "rate_limit": 1,
        "server": 2,
        "request": 1,
        "timeout": 1,
        "network": 1,
        "protocol": 1,
    }


def test_logs_and_stats_on_a_fresh_home(run_cli: Run, solcoder_home: Path) -> None:
    result = run_cli("logs")
    assert result.returncode == 0
    assert "No model calls recorded yet" in result.stdout
    assert json.loads(run_cli("logs", "--json").stdout) == []
    assert json.loads(run_cli("stats", "--json").stdout)["models"] == []
    assert not (solcoder_home / "telemetry.db").exists()  # reading never creates it


def test_a_damaged_database_is_reported_with_the_next_step(
    run_cli: Run, solcoder_home: Path
) -> None:
    solcoder_home.mkdir(parents=True)
    damaged = solcoder_home / "telemetry.db"
    damaged.write_bytes(b"not a database" * 100)
    result = run_cli("stats")
    assert result.returncode == 2
    assert "damaged" in result.stderr and "Move it aside" in result.stderr
    assert damaged.read_bytes() == b"not a database" * 100


def test_models_lists_context_windows_and_prices(run_cli: Run) -> None:
    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    by_name = {(row["provider"], row["model"]): row for row in rows}
    sonnet = by_name[("anthropic", "claude-sonnet-4-5")]
    assert sonnet["default"] is True
    assert sonnet["context_window"] >= 200_000
    assert sonnet["price_per_million_tokens"]["input"] == 3.0
    assert sonnet["price_per_million_tokens"]["cache_read"] == 0.3
    assert by_name[("ollama", "llama3.2")]["price_per_million_tokens"]["input"] == 0.0
    assert {row["provider"] for row in rows} >= set(BUILTIN_PROVIDERS)
    table = run_cli("models", "--provider", "openai")
    assert "gpt-4.1-mini" in table.stdout and "anthropic" not in table.stdout
    assert "genai-prices" in table.stdout


def test_dry_run_through_the_cli_is_recorded(
    run_cli: Run, server: FakeLLMServer, solcoder_home: Path
) -> None:
    from solcoder.cli import build

    if "wrap_for_telemetry" not in Path(build.__file__).read_text(encoding="utf-8"):
        pytest.skip("telemetry is not wired into solcoder/cli/build.py yet")
    server.enqueue(
        Reply(text="Hello, world! Streaming works.", chunk_size=3, first_event_delay=0.3),
        Reply(tool_calls=(ToolCallReply("plan", '{"goal": "counter"}', "call_1"),)),
        Reply(text="Here is the plan.", chunk_size=5),
    )
    args = ["--llm-provider", "openai", "--llm-base-url", server.base_url("chat")]
    result = run_cli("--dry-run-llm", *args, env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    report = json.loads(run_cli("stats", "--json").stdout)
    total = report["total"]
    assert total["calls"] == 3 and total["errors"] == 0
    assert total["tokens"]["input"] == 33 and total["tokens"]["output"] == 21
    assert total["time_to_first_token_s"]["p95"] >= 0.3
    rows = json.loads(run_cli("logs", "--json").stdout)
    assert len({row["session_id"] for row in rows}) == 1  # one conversation
