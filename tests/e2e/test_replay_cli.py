"""`solcoder replay` as a user runs it, and session budgets refusing before the network.

The budget test runs the real CLI against a real local HTTP server with a session limit far
below what one request needs, and checks the server saw no request at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "transcripts"
SESSION_ID = "20250101-120000-abcd"


def test_replay_of_a_sample_transcript_exits_zero(run_cli: Run) -> None:
    result = run_cli("replay", str(TRANSCRIPTS / "multi_tool.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "replay matches the recording (3 turns, 8 model steps, 6 tool calls)" in result.stdout


def test_replay_json_report(run_cli: Run) -> None:
    result = run_cli("replay", str(TRANSCRIPTS / "smoke.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["identical"] is True
    assert report["differences"] == []
    assert report["turns"] == 2


def test_replay_by_session_id(run_cli: Run, solcoder_home: Path) -> None:
    directory = solcoder_home / "sessions" / SESSION_ID
    directory.mkdir(parents=True)
    shutil.copyfile(TRANSCRIPTS / "smoke.jsonl", directory / "transcript.jsonl")
    result = run_cli("replay", SESSION_ID)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replay matches the recording" in result.stdout


def test_a_difference_exits_six_and_says_where(run_cli: Run, tmp_path: Path) -> None:
    lines = (TRANSCRIPTS / "smoke.jsonl").read_text(encoding="utf-8").splitlines()
    mutated: list[str] = []
    for line in lines:
        record = json.loads(line)
        for part in record.get("message", {}).get("parts", []):
            if part["type"] == "tool_result":
                content = json.loads(part["content"])
                content["goal"] = "a different goal"
                part["content"] = json.dumps(content)
        mutated.append(json.dumps(record))
    path = tmp_path / "mutated.jsonl"
    path.write_text("\n".join(mutated) + "\n", encoding="utf-8")

    result = run_cli("replay", str(path))
    assert result.returncode == 6
    assert "1 difference" in result.stdout
    assert "turn 2, step 1: plan (call_1): the result differs at $.goal" in result.stdout
    as_json = run_cli("replay", str(path), "--json")
    assert as_json.returncode == 6
    [difference] = json.loads(as_json.stdout)["differences"]
    assert difference["kind"] == "tool_result"
    assert difference["recorded"] == "a different goal"


def test_an_unknown_target_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("replay", "no-such-session")
    assert result.returncode == 2
    assert "neither a transcript file nor a session id" in result.stderr


def test_an_over_budget_session_is_refused_before_any_request_leaves(run_cli: Run) -> None:
    with FakeLLMServer(Reply(text="never sent"), lifetime=60) as server:
        result = run_cli(
            "-p",
            "hello",
            "--llm-provider",
            "openai",
            "--llm-base-url",
            server.base_url("chat"),
            "--llm-model",
            "gpt-4.1-mini",
            env={
                "OPENAI_API_KEY": "sk-test-budget-0123456789",
                "SOLCODER_LLM_MAX_SESSION_TOKENS": "50",
            },
        )
        assert server.requests == []
    assert result.returncode == 2, result.stdout + result.stderr
    assert "budget" in result.stderr
    assert "solcoder config set llm.max_session_tokens" in result.stderr


async def test_a_budgeted_http_client_sends_nothing_when_over_budget() -> None:
    from solcoder.errors import BudgetExceededError
    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
    from solcoder.llm.messages import Message, Request
    from solcoder.llm.providers.client import LLMClient
    from solcoder.middleware.budget import BudgetedProvider, SessionBudget

    with FakeLLMServer(Reply(text="hello"), lifetime=60) as server:
        spec = BUILTIN_PROVIDERS["openai"].with_overrides(base_url=server.base_url("chat"))
        client = LLMClient(spec, model="gpt-4.1-mini", api_key="sk-test-budget-0123456789")
        budget = SessionBudget(max_tokens=200)
        provider = BudgetedProvider(client, budget, "openai", "gpt-4.1-mini", reserve_output=64)
        request = Request("gpt-4.1-mini", (Message.user("hi"),), max_tokens=64)
        try:
            async for _event in provider.astream(request):
                pass
            assert len(server.requests) == 1  # within budget: sent, and recorded
            assert budget.tokens > 0
            big = Request("gpt-4.1-mini", (Message.user("word " * 500),), max_tokens=64)
            with pytest.raises(BudgetExceededError):
                await anext(provider.astream(big))
            assert len(server.requests) == 1  # the refused request never reached the server
        finally:
            await provider.aclose()
