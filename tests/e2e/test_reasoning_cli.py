"""`--reasoning` from the command line to the wire and back, through the installed CLI.

Anthropic's thinking is turned on with a budget, streams as `thinking_delta` in `--json`, and
its signed block goes back unchanged in the second request of the tool loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.reasoning_bodies import REASONING, SIGNATURE, anthropic_reasoning_then_call

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-reasoning-0123456789"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=60) as running:
        yield running


def test_reasoning_flag_thinks_streams_it_and_sends_it_back(
    run_cli: Run, server: FakeLLMServer
) -> None:
    server.enqueue(
        Reply(raw_body=anthropic_reasoning_then_call("plan", '{"goal": "a counter program"}')),
        Reply(text="Planned."),
    )
    result = run_cli(
        "-p",
        "plan a counter program",
        "--json",
        "--reasoning",
        "medium",
        "--llm-provider",
        "anthropic",
        "--llm-base-url",
        server.base_url("messages"),
        "--llm-model",
        "claude-sonnet-4-5",
        env={"ANTHROPIC_API_KEY": KEY, "SOLCODER_LLM_TEMPERATURE": "0.2"},
    )
    assert result.returncode == 0, result.stderr
    first, second = (request.json for request in server.requests)
    assert first["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert first["max_tokens"] > 8192
    assert "temperature" not in first
    blocks = second["messages"][1]["content"]
    assert blocks[0] == {"type": "thinking", "thinking": REASONING, "signature": SIGNATURE}
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    thinking = "".join(e["text"] for e in events if e.get("type") == "thinking_delta")
    assert thinking == REASONING


def test_an_unknown_reasoning_level_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("-p", "hi", "--reasoning", "max", "--offline-mode")
    assert result.returncode == 2
    assert "--reasoning" in result.stderr
