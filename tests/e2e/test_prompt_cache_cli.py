"""Prompt caching from the installed CLI: what goes on the wire, and what the dry run shows.

The Anthropic fake refuses more than 4 breakpoints and reports cache use the way Anthropic
bills it (`tests/support/anthropic_cache.py`), so turn 2 of the dry run reads turn 1's prefix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.anthropic_cache import AnthropicCacheBilling
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-cache-0123456789"
DRY_RUN_REPLIES = (
    Reply(text="Hello, world! Streaming works.", chunk_size=2),
    Reply(tool_calls=(ToolCallReply("plan", '{"goal": "counter"}', "toolu_1"),)),
    Reply(text="Here is the plan.", chunk_size=5),
)


@pytest.fixture
def billing() -> AnthropicCacheBilling:
    return AnthropicCacheBilling()


@pytest.fixture
def server(billing: AnthropicCacheBilling) -> Iterator[FakeLLMServer]:
    with FakeLLMServer(*DRY_RUN_REPLIES, responder=billing, lifetime=60) as running:
        yield running


def anthropic_args(server: FakeLLMServer) -> list[str]:
    return [
        "--llm-provider",
        "anthropic",
        "--llm-base-url",
        server.base_url("messages"),
        "--llm-model",
        "claude-sonnet-4-5",
    ]


def marks(body: Any) -> int:
    return json.dumps(body).count('"cache_control"')


def test_the_dry_run_shows_the_cache_read_on_turn_2(
    run_cli: Run, server: FakeLLMServer, billing: AnthropicCacheBilling
) -> None:
    result = run_cli(
        "--dry-run-llm", "--json", *anthropic_args(server), env={"ANTHROPIC_API_KEY": KEY}
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    first, second = summary["turns"]
    assert first["usage"]["cache_read"] == 0 and first["usage"]["cache_write"] > 0
    assert second["usage"]["cache_read"] > 0
    assert second["usage"]["cache_read"] == sum(c.cache_read for c in billing.charges[1:])
    assert billing.breakpoint_counts == [3, 3, 3]
    # The cost prices the cache at its own rates: it matches the fake's Anthropic-style bill.
    assert first["cost_usd"] + second["cost_usd"] == pytest.approx(billing.total_usd, rel=1e-9)
    assert KEY not in result.stdout + result.stderr


def test_the_text_summary_names_the_cache_read(
    run_cli: Run, server: FakeLLMServer, billing: AnthropicCacheBilling
) -> None:
    result = run_cli("--dry-run-llm", *anthropic_args(server), env={"ANTHROPIC_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    read = sum(charge.cache_read for charge in billing.charges[1:])
    assert f"prompt cache, turn 2: {read} tokens read" in result.stdout


def test_prompt_cache_off_sends_no_breakpoint(run_cli: Run, server: FakeLLMServer) -> None:
    result = run_cli(
        "-p",
        "hello",
        *anthropic_args(server),
        env={"ANTHROPIC_API_KEY": KEY, "SOLCODER_LLM_PROMPT_CACHE": "false"},
    )
    assert result.returncode == 0, result.stderr
    [request] = server.requests
    assert marks(request.json) == 0
    assert isinstance(request.json["system"], str)


def test_openai_gets_the_session_id_as_its_cache_key(run_cli: Run) -> None:
    with FakeLLMServer(Reply(text="hi"), lifetime=60) as server:
        result = run_cli(
            "-p",
            "hello",
            "--json",
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.base_url("chat"),
            env={"OPENAI_API_KEY": KEY},
        )
        assert result.returncode == 0, result.stderr
        session = json.loads(result.stdout.splitlines()[0])
        assert session["type"] == "session"
        [request] = server.requests
    assert request.json["prompt_cache_key"] == session["id"]
    assert marks(request.json) == 0


def test_stats_show_the_hit_ratio_and_the_money_saved(
    run_cli: Run, billing: AnthropicCacheBilling
) -> None:
    replies = [Reply(text=f"Answer {turn}.") for turn in range(3)]
    with FakeLLMServer(*replies, responder=billing, lifetime=60) as server:
        env = {"ANTHROPIC_API_KEY": KEY}
        first = run_cli("-p", "first question", "--json", *anthropic_args(server), env=env)
        assert first.returncode == 0, first.stderr
        session = json.loads(first.stdout.splitlines()[0])["id"]
        for prompt in ("second question", "third question"):
            later = run_cli("-p", prompt, "--session", session, *anthropic_args(server), env=env)
            assert later.returncode == 0, later.stderr
    assert [charge.cache_read > 0 for charge in billing.charges] == [False, True, True]
    result = run_cli("stats", "--json")
    assert result.returncode == 0, result.stderr
    total = json.loads(result.stdout)["total"]
    read = sum(charge.cache_read for charge in billing.charges)
    prompt = sum(c.input + c.cache_read + c.cache_write for c in billing.charges)
    assert total["cache_hit_ratio"] == pytest.approx(read / prompt)
    # Saved: the bill at the full input price for every prompt token, minus the real bill.
    full = sum(
        (c.input + c.cache_read + c.cache_write) * 3.0 + c.output * 15.0 for c in billing.charges
    )
    assert total["cache_saved_usd"] == pytest.approx(full / 1e6 - billing.total_usd, rel=1e-6)
    table = run_cli("stats")
    assert f"prompt cache: {read / prompt:.0%} of input tokens read from cache" in table.stdout
